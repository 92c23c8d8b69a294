/**
 * `npm run bench:team [-- --quick] [--accounts=2500] [--sizes=5,10,20,40,50,60] [--off-sizes=5,10,20,40]`
 * (also `npm run bench -- --team`): a team's day on one SalesBinder account of `--accounts`
 * customers, against the sandbox with SalesBinder's limits on (15 calls per 10 s, 50 per minute,
 * then a minute's block) and 200 ms of latency, through the gateway with the budget on and off.
 *
 * People arrive one every 3 s, and the run lasts `--seconds`. Each acts every 4 to 12 s: about half
 * open an account (from the whole list, popular ones more often, with a long tail; or one from
 * their last results), a third list accounts (a search typed from the accounts themselves: a few
 * letters of a name, a whole name, a customer number, an e-mail domain; the next page of what they
 * last listed; or the first page), a tenth edit an account they opened, with ifUnmodifiedSince.
 * SalesBinder's own web app renames an account every 10 s and creates one and deletes one every
 * 30 s. A colleague looks for each created account by its name until found, and opens each deleted
 * one until it is gone. A stranger, from another address, sends three requests a second with
 * made-up keys.
 *
 * Every team size runs at once, each with its own sandbox and gateway (they share nothing: the
 * rate limits are per account). Reported per run: actions and refusals by kind and cause; SalesBinder
 * calls by kind; calls over SalesBinder's limit (its 429s); the stranger's calls; the oldest data
 * served after a change (for every account answered, how long before the read SalesBinder already
 * held a newer version, from `modified`: whole seconds, so up to a second pessimistic); the longest
 * a deleted account was still shown; how long after its creation an account was found by search;
 * and the latency of actions served without a call of their own and of those that made one (p50,
 * p99). The last line is one JSON object.
 *
 * Options for misbehaviour (issue 24): `--hog` adds one valid key that searches a new term each
 * second and sends ten aliased searches for new terms every 5 s (its own tally; the team's
 * refusals are what count); `--same-address` puts the stranger on the team's own address (an
 * office NAT), and each run reports how long each person waited for a first answer. `--burst`
 * runs only the issue's burst: one key sending ten aliased searches for new terms once a second
 * (`--seconds`, default 60) against the sandbox with 0 to 400 ms of latency; with `REDIS_URL` and
 * `--replicas=2`, through two gateways sharing Redis; it reports SalesBinder's 429s.
 *
 * `--warm`: the team arrives at a gateway that already holds the account (a large one listed
 * whole), as after anyone's first minute of use, instead of at a cold one (`warm()`).
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpServer } from '../src/http/http-server.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createSandbox, type Sandbox } from '../src/sandbox/sandbox.ts';
import type { CustomerRecord } from '../src/sandbox/seed.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const listArg = (name: string, fallback: number[]) => {
  const given = option(name);
  return given === undefined
    ? fallback
    : given
        .split(',')
        .map(Number)
        .filter((n) => n > 0);
};
const ON_SIZES = listArg('sizes', quick ? [10, 40] : [5, 10, 20, 40, 50, 60]);
const OFF_SIZES = listArg('off-sizes', quick ? [10] : [5, 10, 20, 40]);
/** Customers in the account: the sandbox's nine seed customers, then generated ones. */
const ACCOUNTS = Number(option('accounts') ?? 9);
const ARRIVE_EVERY_MS = Number(option('arrive-every') ?? 3) * 1000;
const TOTAL_MS = Number(option('seconds') ?? (quick ? 75 : 240)) * 1000;
const LATENCY_MS = 200;
const APP_RENAME_EVERY_MS = 10_000;
const APP_CREATE_DELETE_EVERY_MS = 30_000;
const STRANGER_EVERY_MS = 333;
/** How often the colleague looks for a created account, and opens a deleted one. */
const PROBE_EVERY_MS = 1_000;
const FRESH_BOUND_S = 15;
const DELETED_BOUND_S = 60;
const FOUND_BOUND_S = 15;
const PAGE_SIZE = 20;
const HOG = args.includes('--hog');
const SAME_ADDRESS = args.includes('--same-address');
const BURST = args.includes('--burst');
const WARM = args.includes('--warm');
const REPLICAS = Number(args.find((a) => a.startsWith('--replicas='))?.slice(11) ?? 1);
const HOG_SEARCH_EVERY_MS = 1_000;
const HOG_BURST_EVERY_MS = 5_000;

interface Served {
  id: string;
  modifiedAt: string;
}

interface Outcome {
  kind: 'ok' | 'refused' | 'conflict' | 'error';
  detail?: string;
}

/** One action's answer, for latency by whether it made a call of its own. */
interface Timed {
  requestId: string | undefined;
  action: string;
  startedAt: number;
  endedAt: number;
  served: boolean;
}

interface Tally {
  actions: number;
  actionsBy: Record<string, number>;
  ok: number;
  refused: number;
  refusedBy: Record<string, number>;
  refusals: Array<{ at: number; refused: string; newcomer: boolean }>;
  conflicts: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Per account answered: how long SalesBinder had held a newer version when the read started (ms, ≥ 0). */
  staleness: number[];
  /** Per deleted account answered: how long it had been deleted when the read started (ms). */
  deletedShown: number[];
  /** Per created account: how long after its creation a search first found it (ms). */
  foundAfter: number[];
  timed: Timed[];
  strangerRequests: number;
  strangerAnswers: Record<string, number>;
  /** Per person: ms from their first action to their first answer (a refusal is none). */
  firstServedMs: number[];
  /** People who never got an answer. */
  neverServed: number;
  /** The hog's requests, the searches they asked for, and the requests answered and refused. */
  hog: { requests: number; searches: number; answered: number; refused: number };
}

/** What SalesBinder holds, as the benchmark made it change: versions, deletions, creations. */
interface World {
  /** `modified` of every version of each account, as changes happened (ms since epoch, whole seconds). */
  versions: Map<string, number[]>;
  /** Accounts the web app deleted, and when. */
  deletedAt: Map<string, number>;
  /** Accounts the web app created, not yet found by search: name and when. */
  unfound: Map<string, { name: string; at: number }>;
  /** Ids in order of popularity (a shuffle of the list, created ones appended); deleted ones leave. */
  popular: string[];
  /** The popularity picker over `popular`, rebuilt when it changes. */
  pick: () => string;
}

/** Zipf over the items: the first most often, a long tail. */
function zipfPicker<T>(items: readonly T[]): () => T {
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    total += 1 / (i + 1);
    cumulative.push(total);
  }
  return () => {
    const r = Math.random() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((cumulative[mid] as number) < r) low = mid + 1;
      else high = mid;
    }
    return items[low] as T;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (low: number, high: number) => low + Math.random() * (high - low);
const anyOf = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

function post(
  url: string,
  key: string,
  query: string,
  variables: Record<string, unknown>,
  localAddress?: string,
): Promise<{
  // biome-ignore lint/suspicious/noExplicitAny: the benchmark reads several operations' answers.
  data?: Record<string, any>;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
  /** The gateway's id for the request, which it also sends SalesBinder (X-Request-Id). */
  requestId?: string;
}> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${key}`,
        },
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          try {
            const requestId = res.headers['x-request-id'];
            resolve({ ...JSON.parse(text), ...(typeof requestId === 'string' && { requestId }) });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    // An answer that never comes is an error to count, not a run that never ends.
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer in 60 s to ${query.slice(0, 40)}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const NODE = 'id modifiedAt';
const OPEN = `query Open($id: ID!) { customer(id: $id) { ${NODE} name officePhone } }`;
const LIST = `query List($first: Int, $after: String, $search: String) {
  customers(first: $first, after: $after, search: $search) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { ${NODE} name } }
  }
}`;
const EDIT = `mutation Edit($id: ID!, $input: UpdateCustomerInput!, $since: DateTime) {
  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $since) {
    __typename
    ... on UpdateCustomerSuccess { customer { ${NODE} } }
    ... on CustomerConflictError { customer { ${NODE} } }
    ... on SalesBinderError { message }
  }
}`;

/** Why the gateway refused: the newcomers' share, the account's windows, or a block after a 429. */
function refusalOf(message: string | undefined): string {
  if (message?.includes('not accepted yet')) return 'newcomers';
  if (message?.includes('blocked')) return 'blocked';
  return 'rate_limit';
}

function classify(answer: Awaited<ReturnType<typeof post>>): Outcome {
  const code = answer.errors?.[0]?.extensions?.code;
  if (code === 'RATE_LIMITED') return { kind: 'refused', detail: refusalOf(answer.errors?.[0]?.message) };
  if (code !== undefined) return { kind: 'error', detail: code };
  const typename = answer.data?.updateCustomer?.__typename as string | undefined;
  if (typename === undefined || typename === 'UpdateCustomerSuccess') return { kind: 'ok' };
  if (typename === 'CustomerConflictError') return { kind: 'conflict' };
  if (typename === 'SalesBinderRateLimitError')
    return { kind: 'refused', detail: refusalOf(answer.data?.updateCustomer?.message) };
  return { kind: 'error', detail: typename };
}

interface Run {
  size: number;
  budget: boolean;
  sandbox: Sandbox;
  url: string;
  close(): Promise<void>;
  teamKeys: Set<string>;
  hogKey?: string;
  tally: Tally;
  world: World;
  /** Calls SalesBinder saw before the team arrived (`--warm`): left out of every figure. */
  warmCalls: number;
  /** When the run ends (ms since epoch). */
  until: number;
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * A gateway in front of `sandboxUrl`, as production runs it (its HTTP server, production mode,
 * silent logs). `host` 0.0.0.0 lets people come from other loopback addresses (127.0.0.2, …).
 */
async function startGateway(
  sandboxUrl: string,
  env: Record<string, string>,
  host = '127.0.0.1',
): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig({
    SALESBINDER_URL: sandboxUrl,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    ...env,
  });
  const app = createApp({
    config,
    upstream: { mode: 'single', baseUrl: new URL(sandboxUrl) },
    logger: createLogger({ level: 'silent' }),
  });
  const server = createHttpServer(app, config.security);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
}

async function startRun(size: number, budget: boolean): Promise<Run> {
  const sandbox = createSandbox({
    rateLimits: { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 },
    maxRecorded: 1_000_000,
    customers: ACCOUNTS,
  });
  const sandboxUrl = await sandbox.listen();
  sandbox.faults.add({ kind: 'delay', delayMs: LATENCY_MS });
  const gateway = await startGateway(sandboxUrl, { BUDGET: budget ? 'on' : 'off' }, '0.0.0.0');
  const url = gateway.url;
  const ids = sandbox.ids(2);
  const popular = shuffled(ids);
  const world: World = {
    versions: new Map(ids.map((id) => [id, [Date.parse(sandbox.customer(id)?.modified ?? '')]])),
    deletedAt: new Map(),
    unfound: new Map(),
    popular,
    pick: zipfPicker(popular),
  };
  return {
    size,
    budget,
    sandbox,
    url,
    warmCalls: 0,
    until: 0,
    teamKeys: new Set(),
    world,
    tally: {
      actions: 0,
      actionsBy: {},
      ok: 0,
      refused: 0,
      refusedBy: {},
      refusals: [],
      conflicts: 0,
      errors: 0,
      errorKinds: {},
      staleness: [],
      deletedShown: [],
      foundAfter: [],
      timed: [],
      strangerRequests: 0,
      strangerAnswers: {},
      firstServedMs: [],
      neverServed: 0,
      hog: { requests: 0, searches: 0, answered: 0, refused: 0 },
    },
    async close() {
      await gateway.close();
      await sandbox.close();
    },
  };
}

function noteVersion(run: Run, served: Served | undefined | null): void {
  if (!served) return;
  const versions = run.world.versions.get(served.id);
  if (!versions) return;
  const at = Date.parse(served.modifiedAt);
  if (!versions.includes(at)) versions.push(at);
}

/** Notes what an answer showed: how old each account was, and whether it had been deleted. */
function noteShown(run: Run, served: Served, readStartedAt: number): void {
  const at = Date.parse(served.modifiedAt);
  const newer = (run.world.versions.get(served.id) ?? []).filter((v) => v > at && v <= readStartedAt);
  run.tally.staleness.push(newer.length === 0 ? 0 : readStartedAt - Math.min(...newer));
  const deletedAt = run.world.deletedAt.get(served.id);
  if (deletedAt !== undefined && deletedAt < readStartedAt)
    run.tally.deletedShown.push(readStartedAt - deletedAt);
}

/** A search as someone types it, from an account they have in mind. */
function typedSearch(record: CustomerRecord | undefined): string {
  if (!record) return 'ltd';
  const roll = Math.random();
  if (roll < 0.4) {
    // A few letters of a word of the name.
    const word = anyOf(record.name.split(' ').filter((w) => w.length >= 3)) ?? record.name;
    return word.slice(0, 3 + Math.floor(Math.random() * 2)).toLowerCase();
  }
  if (roll < 0.65) return record.name;
  if (roll < 0.85) return String(record.customer_number);
  return record.office_email.split('@')[1] || record.name;
}

/** Counts an action: its outcome, its kind, and (when served) its latency for the report. */
function count(
  run: Run,
  requestId: string | undefined,
  action: string,
  startedAt: number,
  outcome: Outcome,
  newcomer: boolean,
) {
  const t = run.tally;
  t.actions++;
  t.actionsBy[action] = (t.actionsBy[action] ?? 0) + 1;
  const served = outcome.kind === 'ok' || outcome.kind === 'conflict';
  t.timed.push({ requestId, action, startedAt, endedAt: Date.now(), served });
  if (outcome.kind === 'ok') t.ok++;
  else if (outcome.kind === 'refused') {
    t.refused++;
    const why = `${action}:${outcome.detail ?? 'rate_limit'}`;
    t.refusals.push({ at: startedAt, refused: why, newcomer });
    t.refusedBy[why] = (t.refusedBy[why] ?? 0) + 1;
  } else if (outcome.kind === 'conflict') t.conflicts++;
  else {
    t.errors++;
    t.errorKinds[outcome.detail ?? 'unknown'] = (t.errorKinds[outcome.detail ?? 'unknown'] ?? 0) + 1;
  }
}

async function person(run: Run, key: string, arrival: number, until: number): Promise<void> {
  const opened = new Map<string, string>();
  let lastResults: string[] = [];
  let next: { search?: string; after: string } | undefined;
  let everServed = false;
  await sleep(arrival);
  const arrivedAt = Date.now();
  while (Date.now() < until) {
    const roll = Math.random();
    const startedAt = Date.now();
    let outcome: Outcome;
    let action = 'open';
    let requestId: string | undefined;
    try {
      if (roll < 0.57 || (roll >= 0.9 && opened.size === 0)) {
        const id = lastResults.length > 0 && Math.random() < 0.3 ? anyOf(lastResults) : run.world.pick();
        const answer = await post(run.url, key, OPEN, { id });
        outcome = classify(answer);
        requestId = answer.requestId;
        const served = answer.data?.customer as Served | undefined;
        if (served) {
          opened.set(served.id, served.modifiedAt);
          noteShown(run, served, startedAt);
        }
      } else if (roll < 0.9) {
        const which = Math.random();
        const variables: Record<string, unknown> = { first: PAGE_SIZE };
        if (which < 0.4) {
          action = 'search';
          variables.search = typedSearch(run.sandbox.customer(run.world.pick()));
        } else if (which < 0.75 && next) {
          action = 'page on';
          variables.after = next.after;
          if (next.search !== undefined) variables.search = next.search;
        } else action = 'list';
        const answer = await post(run.url, key, LIST, variables);
        outcome = classify(answer);
        requestId = answer.requestId;
        const connection = answer.data?.customers;
        if (connection) {
          const nodes = (connection.edges as Array<{ node: Served }>).map((edge) => edge.node);
          for (const node of nodes) noteShown(run, node, startedAt);
          if (nodes.length > 0) lastResults = nodes.map((node) => node.id);
          next = connection.pageInfo?.hasNextPage
            ? {
                after: connection.pageInfo.endCursor,
                ...(variables.search ? { search: variables.search as string } : {}),
              }
            : undefined;
        }
      } else {
        action = 'edit';
        const [id, since] = [...opened.entries()][Math.floor(Math.random() * opened.size)] as [
          string,
          string,
        ];
        const input =
          Math.random() < 0.1
            ? { name: `Renamed ${Date.now()}` }
            : { officePhone: `(604) 555-${Date.now() % 10_000}` };
        const answer = await post(run.url, key, EDIT, { id, input, since });
        outcome = classify(answer);
        requestId = answer.requestId;
        const customer = answer.data?.updateCustomer?.customer as Served | undefined;
        if (answer.data?.updateCustomer?.__typename === 'UpdateCustomerSuccess') noteVersion(run, customer);
        if (customer) opened.set(customer.id, customer.modifiedAt);
      }
    } catch (error) {
      outcome = { kind: 'error', detail: (error as Error).message };
    }
    count(run, requestId, action, startedAt, outcome, !everServed);
    if ((outcome.kind === 'ok' || outcome.kind === 'conflict') && !everServed) {
      everServed = true;
      run.tally.firstServedMs.push(Date.now() - arrivedAt);
    }
    await sleep(between(4_000, 12_000));
  }
  if (!everServed) run.tally.neverServed++;
}

/** SalesBinder's own web app: renames every 10 s, creates and deletes every 30 s. */
async function webApp(run: Run, until: number): Promise<void> {
  const { sandbox, world } = run;
  let renames = 0;
  let creates = 0;
  let nextCreateDelete = Date.now() + APP_CREATE_DELETE_EVERY_MS / 2;
  await sleep(between(2_000, APP_RENAME_EVERY_MS));
  while (Date.now() < until) {
    const id = world.pick();
    const before = sandbox.customer(id);
    if (before) {
      const base = before.name.replace(/ \(branch \d+\)$/, '');
      const record = sandbox.app.edit(id, { name: `${base} (branch ${++renames})` });
      if (record) world.versions.get(id)?.push(Date.parse(record.modified));
    }
    if (Date.now() >= nextCreateDelete) {
      nextCreateDelete += APP_CREATE_DELETE_EVERY_MS;
      const n = ++creates;
      const created = sandbox.app.create({
        context_id: 2,
        name: `Newly Opened ${anyOf(['Harbor', 'Summit', 'Willow', 'Falcon'])} Store ${n}x${Date.now() % 1000}`,
        office_email: `hello@new-store-${n}.example`,
        billing_country: anyOf(['Canada', 'United States', 'Ireland']),
      });
      world.versions.set(created.id, [Date.parse(created.modified)]);
      world.unfound.set(created.id, { name: created.name, at: Date.parse(created.modified) });
      world.popular.push(created.id);
      // A deletion from anywhere in the list but the most popular few.
      const victim = world.popular[10 + Math.floor(Math.random() * (world.popular.length - 10))];
      if (victim !== undefined && victim !== created.id && sandbox.app.remove(victim)) {
        world.deletedAt.set(victim, Date.now());
        world.popular.splice(world.popular.indexOf(victim), 1);
      }
      world.pick = zipfPicker(world.popular);
    }
    await sleep(APP_RENAME_EVERY_MS);
  }
}

/**
 * A colleague told of the web app's changes: searches each created account by its name until a
 * search finds it, and opens each deleted account until it is gone (at most 90 s each).
 */
async function colleague(run: Run, key: string, until: number): Promise<void> {
  const checked = new Set<string>();
  while (Date.now() < until) {
    for (const [id, { name, at }] of run.world.unfound) {
      const startedAt = Date.now();
      let outcome: Outcome;
      let requestId: string | undefined;
      try {
        const answer = await post(run.url, key, LIST, { first: PAGE_SIZE, search: name });
        outcome = classify(answer);
        requestId = answer.requestId;
        const nodes = ((answer.data?.customers?.edges ?? []) as Array<{ node: Served }>).map((e) => e.node);
        for (const node of nodes) noteShown(run, node, startedAt);
        if (nodes.some((node) => node.id === id)) {
          run.tally.foundAfter.push(startedAt - at);
          run.world.unfound.delete(id);
        } else if (startedAt - at > 90_000) run.world.unfound.delete(id);
      } catch (error) {
        outcome = { kind: 'error', detail: (error as Error).message };
      }
      count(run, requestId, 'find created', startedAt, outcome, false);
    }
    for (const [id, deletedAt] of run.world.deletedAt) {
      if (checked.has(id)) continue;
      const startedAt = Date.now();
      let outcome: Outcome;
      let requestId: string | undefined;
      try {
        const answer = await post(run.url, key, OPEN, { id });
        outcome = classify(answer);
        requestId = answer.requestId;
        const served = answer.data?.customer as Served | null | undefined;
        if (served) noteShown(run, served, startedAt);
        else if (outcome.kind === 'ok' || startedAt - deletedAt > 90_000) checked.add(id);
      } catch (error) {
        outcome = { kind: 'error', detail: (error as Error).message };
      }
      count(run, requestId, 'open deleted', startedAt, outcome, false);
    }
    await sleep(PROBE_EVERY_MS);
  }
}

/**
 * `--warm`: the gateway holds the account before the team arrives, as it does once anyone has
 * used it (or, with Redis, after a restart): one person reads a page from the middle of the list
 * every 1.5 s until the listing is done (a deletion check went, and the page cost no call), then
 * opens an account every 5 s for a minute, so that the team meets the upkeep of a kind in use
 * (its feed, its deletion checks) in SalesBinder's windows, not the listing. Those calls are left
 * out of the figures.
 */
async function warm(run: Run): Promise<void> {
  const key = run.sandbox.keys.add({ modify: false });
  const after = Buffer.from(`sbc1:${Math.floor(ACCOUNTS / 2)}`).toString('base64url');
  const listed = () => run.sandbox.requests.some((r) => r.path.includes('deleted_log'));
  for (let held = false; !held; ) {
    const before = run.sandbox.requests.length;
    const answer = await post(run.url, key, LIST, { first: PAGE_SIZE, after });
    if (answer.errors?.length) throw new Error(`warming up failed: ${JSON.stringify(answer.errors)}`);
    await sleep(1_500);
    held = !run.budget || (listed() && run.sandbox.requests.length === before);
  }
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(5_000))
    await post(run.url, key, OPEN, { id: run.world.pick() });
  run.warmCalls = run.sandbox.requests.length;
}

/** Ten aliased searches, each for a term no one asked before. */
const tenNewSearches = (tag: string) =>
  `{ ${Array.from(
    { length: 10 },
    (_, i) => `s${i}: customers(search: "${tag}-${i}", first: 1) { totalCount }`,
  ).join(' ')} }`;

/** One valid key asking without pause: a new search each second, ten aliased new searches every 5 s. */
async function hog(run: Run, key: string, until: number): Promise<void> {
  const pending: Array<Promise<void>> = [];
  const send = (query: string, searches: number) => {
    run.tally.hog.requests++;
    run.tally.hog.searches += searches;
    pending.push(
      post(run.url, key, query, {}).then(
        // `customers` is non-null: one refused search of the ten leaves the whole answer null.
        (answer) => {
          if (answer.data) run.tally.hog.answered++;
          else run.tally.hog.refused++;
        },
        () => {
          run.tally.hog.refused++;
        },
      ),
    );
  };
  let n = 0;
  let nextBurst = Date.now() + HOG_BURST_EVERY_MS;
  while (Date.now() < until) {
    n++;
    send(`{ s: customers(search: "hog-${n}", first: 1) { totalCount } }`, 1);
    if (Date.now() >= nextBurst) {
      send(tenNewSearches(`hogburst-${n}`), 10);
      nextBurst += HOG_BURST_EVERY_MS;
    }
    await sleep(HOG_SEARCH_EVERY_MS);
  }
  await Promise.all(pending);
}

async function stranger(run: Run, until: number): Promise<void> {
  const pending: Array<Promise<void>> = [];
  while (Date.now() < until) {
    const key = Array.from(
      { length: 40 },
      () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)],
    ).join('');
    run.tally.strangerRequests++;
    pending.push(
      post(run.url, key, OPEN, { id: run.world.pick() }, SAME_ADDRESS ? '127.0.0.1' : '127.0.0.2').then(
        (answer) => {
          const code = answer.errors?.[0]?.extensions?.code ?? 'none';
          run.tally.strangerAnswers[code] = (run.tally.strangerAnswers[code] ?? 0) + 1;
        },
        () => {
          run.tally.strangerAnswers.failed = (run.tally.strangerAnswers.failed ?? 0) + 1;
        },
      ),
    );
    await sleep(STRANGER_EVERY_MS);
  }
  await Promise.all(pending);
}

/**
 * What each call was: a view, an edit, a create or delete, a search, the change feed (`feeds`),
 * the deletion feed (`deletions`), a count (one record), a whole listing page of 200 (`sweeps`),
 * or another list page.
 */
function kindOfCall(call: Sandbox['requests'][number]): string {
  if (call.method === 'PUT') return 'edits';
  if (call.method === 'POST') return 'creates';
  if (call.method === 'DELETE') return 'deletes';
  if (call.path.includes('deleted_log')) return 'deletions';
  if (call.path.includes('customers/')) return 'views';
  if (call.path.includes('modifiedSince')) return 'feeds';
  if (/[?&]s=/.test(call.path)) return 'searches';
  if (call.path.includes('pageLimit=1&') || call.path.endsWith('pageLimit=1')) return 'counts';
  if (call.path.includes('pageLimit=200')) return 'sweeps';
  return 'pages';
}

function callsBy(calls: Sandbox['requests']): Record<string, number> {
  const by: Record<string, number> = {};
  for (const call of calls) {
    const what = kindOfCall(call);
    by[what] = (by[what] ?? 0) + 1;
  }
  return by;
}

const basicOf = (key: string) => `Basic ${Buffer.from(`${key}:x`).toString('base64')}`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/**
 * Latency of the answered actions, in three: those whose request made a SalesBinder call (its
 * X-Request-Id reached the sandbox); those that made none while no call of the run was under way
 * (served from memory, nothing to wait for); and the rest, which made none but may have waited for
 * someone else's call (a read under way is shared).
 */
function latencies(run: Run) {
  const calling = new Set<string>();
  const arrivals: number[] = [];
  for (const call of run.sandbox.requests) {
    const id = call.headers['x-request-id'];
    if (id) calling.add(id);
    arrivals.push(call.at);
  }
  arrivals.sort((a, b) => a - b);
  // A call is under way from a little before it arrives until its answer (LATENCY_MS later) is back.
  const callUnderWay = (from: number, to: number) => {
    let low = 0;
    let high = arrivals.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((arrivals[mid] as number) < from - LATENCY_MS - 100) low = mid + 1;
      else high = mid;
    }
    return low < arrivals.length && (arrivals[low] as number) <= to + 20;
  };
  const groups = { from_memory: [] as number[], waited_maybe: [] as number[], with_a_call: [] as number[] };
  for (const t of run.tally.timed) {
    if (!t.served) continue;
    const group =
      t.requestId !== undefined && calling.has(t.requestId)
        ? 'with_a_call'
        : callUnderWay(t.startedAt, t.endedAt)
          ? 'waited_maybe'
          : 'from_memory';
    groups[group].push(t.endedAt - t.startedAt);
  }
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const summary = (values: number[]) => ({
    actions: values.length,
    p50_ms: round(percentile(values, 0.5)),
    p99_ms: round(percentile(values, 0.99)),
  });
  return {
    from_memory: summary(groups.from_memory),
    waited_maybe: summary(groups.waited_maybe),
    with_a_call: summary(groups.with_a_call),
  };
}

function report(run: Run) {
  const t = run.tally;
  const calls = run.sandbox.requests.slice(run.warmCalls);
  const team = new Set([...run.teamKeys].map(basicOf));
  const teamCalls = calls.filter((r) => team.has(r.headers.authorization ?? ''));
  const hogCalls = run.hogKey
    ? calls.filter((r) => r.headers.authorization === basicOf(run.hogKey as string)).length
    : 0;
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  return {
    team: run.size,
    budget: run.budget ? 'on' : 'off',
    accounts: ACCOUNTS,
    actions: t.actions,
    actions_by: t.actionsBy,
    refused: t.refused,
    refused_pct: t.actions === 0 ? 0 : Math.round((1000 * t.refused) / t.actions) / 10,
    refused_by: t.refusedBy,
    conflicts: t.conflicts,
    errors: t.errors,
    error_kinds: t.errorKinds,
    salesbinder_calls: calls.length,
    team_calls_per_action: t.actions === 0 ? 0 : Math.round((100 * teamCalls.length) / t.actions) / 100,
    calls_over_limit: calls.filter((r) => r.status === 429).length,
    team_calls_by: callsBy(teamCalls),
    stranger_requests: t.strangerRequests,
    stranger_calls: calls.length - teamCalls.length - hogCalls,
    ...(HOG ? { hog_calls: hogCalls, hog: t.hog } : {}),
    slowest_first_answer_s: seconds(Math.max(0, ...t.firstServedMs)),
    never_served: t.neverServed,
    oldest_data_after_change_s: seconds(percentile(t.staleness, 1)),
    p99_data_after_change_s: seconds(percentile(t.staleness, 0.99)),
    deleted_shown_longest_s: seconds(percentile(t.deletedShown, 1)),
    deleted_shown_answers: t.deletedShown.length,
    created_found_longest_s: seconds(percentile(t.foundAfter, 1)),
    created_found: t.foundAfter.length,
    // An account created less than the bound before the end had not had its 15 s yet.
    created_not_found: [...run.world.unfound.values()].filter(
      ({ at }) => at < run.until - FOUND_BOUND_S * 1000,
    ).length,
    latency: latencies(run),
  };
}

/**
 * The issue's burst: one key, ten aliased searches for new terms once a second, against the
 * sandbox counting arrivals with 0 to 400 ms of latency per call (half the calls slow), through one
 * gateway or, with REDIS_URL and --replicas=2, two sharing Redis. Reports SalesBinder's 429s.
 */
async function burst(): Promise<void> {
  const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 60);
  const sandbox = createSandbox({
    rateLimits: { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 },
    maxRecorded: 1_000_000,
  });
  const sandboxUrl = await sandbox.listen();
  sandbox.faults.add({ kind: 'delay', delayMs: 400, rate: 0.5 });
  const redisUrl = process.env.REDIS_URL;
  // One namespace for every replica of this run: they share the account's windows through it.
  const keyPrefix = `bench${Date.now()}`;
  const gateways: Array<{ url: string; close(): Promise<void> }> = [];
  for (let i = 0; i < REPLICAS; i++) {
    gateways.push(
      await startGateway(sandboxUrl, redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix } : {}),
    );
  }
  const key = sandbox.keys.add({ modify: false });
  console.log(
    `Burst: ten aliased new searches a second for ${seconds} s, ${REPLICAS} gateway(s)${redisUrl ? ' on Redis' : ''}`,
  );
  const pending: Array<Promise<void>> = [];
  let answered = 0;
  let refused = 0;
  for (let round = 0; round < seconds; round++) {
    const gateway = gateways[round % gateways.length] as { url: string };
    pending.push(
      post(gateway.url, key, tenNewSearches(`burst-${round}`), {}).then(
        // `customers` is non-null: one refused search of the ten leaves the whole answer null.
        (answer) => {
          if (answer.data) answered++;
          else refused++;
        },
        () => {
          refused++;
        },
      ),
    );
    await sleep(1_000);
  }
  await Promise.all(pending);
  // The sandbox counts each call after its latency, when it arrives, as SalesBinder does: its
  // 429s are the calls over the limit.
  const calls = sandbox.requests;
  const result = {
    burst_seconds: seconds,
    replicas: REPLICAS,
    redis: Boolean(redisUrl),
    requests_answered: answered,
    requests_refused: refused,
    salesbinder_calls: calls.length,
    salesbinder_429s: calls.filter((r) => r.status === 429).length,
  };
  await Promise.all(gateways.map((g) => g.close()));
  await sandbox.close();
  console.log(JSON.stringify(result));
}

async function main(): Promise<void> {
  if (BURST) return burst();
  const plan = [
    ...ON_SIZES.map((size) => ({ size, budget: true })),
    ...OFF_SIZES.map((size) => ({ size, budget: false })),
  ];
  console.log(
    `Team benchmark: ${plan.length} runs at once on ${ACCOUNTS} customers${WARM ? ' already held' : ''}, a person every ${ARRIVE_EVERY_MS / 1000} s, ${TOTAL_MS / 1000} s in all`,
  );
  const runs = await Promise.all(plan.map(({ size, budget }) => startRun(size, budget)));
  if (WARM) await Promise.all(runs.map(warm));
  const until = Date.now() + TOTAL_MS;
  const work: Array<Promise<void>> = [];
  for (const run of runs) {
    run.until = until;
    for (let i = 0; i < run.size; i++) {
      const key = run.sandbox.keys.add({ modify: true });
      run.teamKeys.add(key);
      work.push(person(run, key, i * ARRIVE_EVERY_MS, until));
    }
    const colleagueKey = run.sandbox.keys.add({ modify: false });
    run.teamKeys.add(colleagueKey);
    work.push(webApp(run, until), colleague(run, colleagueKey, until), stranger(run, until));
    if (HOG) {
      run.hogKey = run.sandbox.keys.add({ modify: false });
      work.push(hog(run, run.hogKey, until));
    }
  }
  await Promise.all(work);
  const results = runs.map(report);
  const trace = option('trace');
  if (trace) {
    const { writeFileSync } = await import('node:fs');
    const lines = runs.flatMap((run) => [
      ...run.sandbox.requests.slice(run.warmCalls).map((r) =>
        JSON.stringify({
          run: `${run.size}-${run.budget}`,
          at: r.at,
          what: kindOfCall(r),
          status: r.status,
          key: r.headers.authorization?.slice(6, 14),
          path: r.path,
          request: r.headers['x-request-id'],
        }),
      ),
      ...run.tally.refusals.map((r) => JSON.stringify({ run: `${run.size}-${run.budget}`, ...r })),
    ]);
    writeFileSync(trace, `${lines.join('\n')}\n`);
  }
  await Promise.all(runs.map((run) => run.close()));

  console.log(
    '\nteam  budget  actions  refused  errors  calls/action  over limit  stranger calls  oldest after change  deleted shown  created found  memory p50/p99  with a call p50/p99  during a call p50/p99  slowest first answer',
  );
  for (const r of results) {
    const { from_memory: m, waited_maybe: w, with_a_call: c } = r.latency;
    console.log(
      [
        String(r.team).padStart(4),
        r.budget.padEnd(6),
        String(r.actions).padStart(7),
        `${r.refused} (${r.refused_pct} %)`.padStart(7),
        String(r.errors).padStart(6),
        String(r.team_calls_per_action).padStart(12),
        String(r.calls_over_limit).padStart(10),
        String(r.stranger_calls).padStart(14),
        `${r.oldest_data_after_change_s} s`.padStart(19),
        `${r.deleted_shown_longest_s} s`.padStart(13),
        `${r.created_found_longest_s} s`.padStart(13),
        `${m.p50_ms}/${m.p99_ms} ms`.padStart(14),
        `${c.p50_ms}/${c.p99_ms} ms`.padStart(19),
        `${w.p50_ms}/${w.p99_ms} ms`.padStart(19),
        `${r.slowest_first_answer_s} s${r.never_served ? ` (${r.never_served} never)` : ''}`.padStart(20),
      ].join('  '),
    );
    console.log(
      `      calls by kind ${JSON.stringify(r.team_calls_by)}; refused ${JSON.stringify(r.refused_by)}`,
    );
  }
  const meets = (r: (typeof results)[number]) =>
    r.refused === 0 &&
    r.errors === 0 &&
    r.calls_over_limit === 0 &&
    r.oldest_data_after_change_s <= FRESH_BOUND_S &&
    r.deleted_shown_longest_s < DELETED_BOUND_S &&
    r.created_found_longest_s <= FOUND_BOUND_S &&
    r.created_not_found === 0;
  const clean = results.filter(
    (r) => r.budget === 'on' && r.refused === 0 && r.errors === 0 && r.calls_over_limit === 0,
  );
  const forty = results.find((r) => r.budget === 'on' && r.team === 40);
  const summary = {
    accounts: ACCOUNTS,
    warm: WARM,
    largest_team_without_refusal: Math.max(0, ...clean.map((r) => r.team)),
    target_40_met: forty !== undefined && meets(forty),
    runs: results,
  };
  console.log(JSON.stringify(summary));
}

await main();
