/**
 * `npm run bench:team [-- --quick] [--sizes=5,10,20,40,50,60] [--off-sizes=5,10,20,40]`
 * (also `npm run bench -- --team`): a team's morning on one SalesBinder account, against the
 * sandbox with SalesBinder's limits on (15 calls per 10 s, 50 per minute, then a minute's block)
 * and 200 ms of latency, through the gateway with the budget on and off.
 *
 * People arrive one every few seconds over two minutes, then work for two more. Each acts every
 * 4 to 12 s: about half open an account (popular ones more often), a third list accounts (the
 * first page, the next one, or a search), a tenth edit an account they opened, with
 * ifUnmodifiedSince. Someone edits a popular account in SalesBinder itself every 20 s. A stranger,
 * from another address, sends three requests a second with made-up keys.
 *
 * Every team size runs at once, each with its own sandbox and gateway (they share nothing: the
 * rate limits are per account). Reported per run: actions; refusals (RATE_LIMITED); conflicts (an
 * account changed since it was opened: a right answer); other errors; SalesBinder calls per
 * action; calls over SalesBinder's limit (its 429s); the stranger's calls that reached SalesBinder;
 * and the oldest data served after a change: for every account answered, how long before the
 * read SalesBinder already held a newer version (from `modified`, whole seconds, so up to a
 * second pessimistic). The last line is one JSON object.
 *
 * Options for misbehaviour (issue 24): `--hog` adds one valid key that searches a new term each
 * second and sends ten aliased searches for new terms every 5 s (its own tally; the team's
 * refusals are what count); `--same-address` puts the stranger on the team's own address (an
 * office NAT), and each run reports how long each person waited for a first answer. `--burst`
 * runs only the issue's burst: one key sending ten aliased searches for new terms once a second
 * (`--seconds`, default 60) against the sandbox with 0 to 400 ms of latency; with `REDIS_URL` and
 * `--replicas=2`, through two gateways sharing Redis; it reports SalesBinder's 429s.
 */
import type { Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpServer } from '../src/http/http-server.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createSandbox, type Sandbox } from '../src/sandbox/sandbox.ts';
import { seedCustomers } from '../src/sandbox/seed.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const listArg = (name: string, fallback: number[]) => {
  const given = args.find((a) => a.startsWith(`--${name}=`));
  return given
    ? given
        .slice(name.length + 3)
        .split(',')
        .map(Number)
        .filter((n) => n > 0)
    : fallback;
};
const ON_SIZES = listArg('sizes', quick ? [10, 40] : [5, 10, 20, 40, 50, 60]);
const OFF_SIZES = listArg('off-sizes', quick ? [10] : [5, 10, 20, 40]);
const ARRIVAL_MS =
  Number(args.find((a) => a.startsWith('--arrival='))?.slice(10) ?? (quick ? 30 : 120)) * 1000;
const TOTAL_MS = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? (quick ? 75 : 240)) * 1000;
const LATENCY_MS = 200;
const APP_EDIT_EVERY_MS = 20_000;
const STRANGER_EVERY_MS = 333;
const FRESH_BOUND_S = 15;
const HOG = args.includes('--hog');
const SAME_ADDRESS = args.includes('--same-address');
const BURST = args.includes('--burst');
const REPLICAS = Number(args.find((a) => a.startsWith('--replicas='))?.slice(11) ?? 1);
const HOG_SEARCH_EVERY_MS = 1_000;
const HOG_BURST_EVERY_MS = 5_000;

const CUSTOMERS = seedCustomers().filter((r) => r.context_id === 2);
const SEARCHES = ['acme', 'ltd', 'canada', 'supply'];

interface Served {
  id: string;
  modifiedAt: string;
}

interface Outcome {
  kind: 'ok' | 'refused' | 'conflict' | 'error';
  detail?: string;
}

interface Tally {
  actions: number;
  ok: number;
  refused: number;
  refusedBy: Record<string, number>;
  refusals: Array<{ at: number; refused: string; newcomer: boolean }>;
  conflicts: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Per read: how long SalesBinder had held a newer version when the read started (ms, ≥ 0). */
  staleness: number[];
  strangerRequests: number;
  strangerAnswers: Record<string, number>;
  /** Per person: ms from their first action to their first answer (a refusal is none). */
  firstServedMs: number[];
  /** People who never got an answer. */
  neverServed: number;
  /** The hog's requests, the searches they asked for, and the requests answered and refused. */
  hog: { requests: number; searches: number; answered: number; refused: number };
}

/** `modified` of every version of each account, as changes happened (ms since epoch, whole seconds). */
type History = Map<string, number[]>;

function zipfPicker<T>(items: readonly T[]): () => T {
  const weights = items.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  return () => {
    let r = Math.random() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] as number;
      if (r <= 0) return items[i] as T;
    }
    return items.at(-1) as T;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (low: number, high: number) => low + Math.random() * (high - low);

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
            resolve(JSON.parse(text));
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
  customers(first: $first, after: $after, search: $search) { totalCount edges { cursor node { ${NODE} name } } }
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
  server: Server;
  url: string;
  close(): Promise<void>;
  teamKeys: Set<string>;
  hogKey?: string;
  tally: Tally;
  history: History;
}

async function startRun(size: number, budget: boolean): Promise<Run> {
  const sandbox = createSandbox({
    rateLimits: { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 },
    maxRecorded: 1_000_000,
  });
  const sandboxUrl = await sandbox.listen();
  sandbox.faults.add({ kind: 'delay', delayMs: LATENCY_MS });
  const config = loadConfig({
    SALESBINDER_URL: sandboxUrl,
    BUDGET: budget ? 'on' : 'off',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
  });
  const app = createApp({
    config,
    upstream: { mode: 'single', baseUrl: new URL(sandboxUrl) },
    logger: createLogger({ level: 'silent' }),
  });
  const server = createHttpServer(app, config.security);
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const history: History = new Map(CUSTOMERS.map((r) => [r.id, [Date.parse(r.modified)]]));
  return {
    size,
    budget,
    sandbox,
    server,
    url,
    teamKeys: new Set(),
    history,
    tally: {
      actions: 0,
      ok: 0,
      refused: 0,
      refusedBy: {},
      refusals: [],
      conflicts: 0,
      errors: 0,
      errorKinds: {},
      staleness: [],
      strangerRequests: 0,
      strangerAnswers: {},
      firstServedMs: [],
      neverServed: 0,
      hog: { requests: 0, searches: 0, answered: 0, refused: 0 },
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await sandbox.close();
    },
  };
}

function noteVersion(run: Run, served: Served | undefined | null): void {
  if (!served) return;
  const versions = run.history.get(served.id);
  if (!versions) return;
  const at = Date.parse(served.modifiedAt);
  if (!versions.includes(at)) versions.push(at);
}

/** How long SalesBinder had held something newer than `served` when the read started. */
function staleness(run: Run, served: Served, readStartedAt: number): number {
  const at = Date.parse(served.modifiedAt);
  const newer = (run.history.get(served.id) ?? []).filter((v) => v > at && v <= readStartedAt);
  return newer.length === 0 ? 0 : readStartedAt - Math.min(...newer);
}

async function person(run: Run, key: string, until: number): Promise<void> {
  const pick = zipfPicker(CUSTOMERS.map((r) => r.id));
  const opened = new Map<string, string>();
  let everServed = false;
  await sleep(between(0, ARRIVAL_MS));
  const arrivedAt = Date.now();
  while (Date.now() < until) {
    const roll = Math.random();
    const startedAt = Date.now();
    let outcome: Outcome;
    let action = 'open';
    try {
      if (roll < 0.57 || (roll >= 0.9 && opened.size === 0)) {
        const id = pick();
        const answer = await post(run.url, key, OPEN, { id });
        outcome = classify(answer);
        const served = answer.data?.customer as Served | undefined;
        if (served) {
          opened.set(served.id, served.modifiedAt);
          run.tally.staleness.push(staleness(run, served, startedAt));
        }
      } else if (roll < 0.9) {
        action = 'list';
        const variables: Record<string, unknown> = { first: 20 };
        const which = Math.random();
        if (which > 0.9) variables.search = SEARCHES[Math.floor(Math.random() * SEARCHES.length)];
        else if (which > 0.7) variables.after = Buffer.from('sbc1:19').toString('base64url');
        const answer = await post(run.url, key, LIST, variables);
        outcome = classify(answer);
        for (const edge of (answer.data?.customers?.edges ?? []) as Array<{ node: Served }>) {
          run.tally.staleness.push(staleness(run, edge.node, startedAt));
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
        const customer = answer.data?.updateCustomer?.customer as Served | undefined;
        if (answer.data?.updateCustomer?.__typename === 'UpdateCustomerSuccess') noteVersion(run, customer);
        if (customer) opened.set(customer.id, customer.modifiedAt);
      }
    } catch (error) {
      outcome = { kind: 'error', detail: (error as Error).message };
    }
    const t = run.tally;
    t.actions++;
    if ((outcome.kind === 'ok' || outcome.kind === 'conflict') && !everServed) {
      everServed = true;
      t.firstServedMs.push(Date.now() - arrivedAt);
    }
    if (outcome.kind === 'ok') t.ok++;
    else if (outcome.kind === 'refused') {
      t.refused++;
      const why = `${action}:${outcome.detail ?? 'rate_limit'}`;
      t.refusals.push({ at: startedAt, refused: why, newcomer: !everServed });
      t.refusedBy[why] = (t.refusedBy[why] ?? 0) + 1;
    } else if (outcome.kind === 'conflict') t.conflicts++;
    else {
      t.errors++;
      t.errorKinds[outcome.detail ?? 'unknown'] = (t.errorKinds[outcome.detail ?? 'unknown'] ?? 0) + 1;
    }
    await sleep(between(4_000, 12_000));
  }
  if (!everServed) run.tally.neverServed++;
}

async function appEditor(run: Run, until: number): Promise<void> {
  const pick = zipfPicker(CUSTOMERS.map((r) => r.id));
  let n = 0;
  await sleep(between(5_000, APP_EDIT_EVERY_MS));
  while (Date.now() < until) {
    const record = run.sandbox.app.edit(pick(), { office_fax: `app edit ${++n}` });
    if (record) run.history.get(record.id)?.push(Date.parse(record.modified));
    await sleep(APP_EDIT_EVERY_MS);
  }
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
  const pick = zipfPicker(CUSTOMERS.map((r) => r.id));
  const pending: Array<Promise<void>> = [];
  while (Date.now() < until) {
    const key = Array.from(
      { length: 40 },
      () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)],
    ).join('');
    run.tally.strangerRequests++;
    pending.push(
      post(run.url, key, OPEN, { id: pick() }, SAME_ADDRESS ? '127.0.0.1' : '127.0.0.2').then(
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

/** What each call was: a view, an edit, a list page, the change feed, or a whole listing (a sweep). */
function callsBy(calls: Sandbox['requests']): Record<string, number> {
  const by: Record<string, number> = {};
  for (const call of calls) {
    const what =
      call.method === 'PUT'
        ? 'edit'
        : call.path.includes('customers/')
          ? 'view'
          : call.path.includes('modifiedSince')
            ? 'changes'
            : call.path.includes('pageLimit=200')
              ? 'sweep'
              : 'list';
    by[what] = (by[what] ?? 0) + 1;
  }
  return by;
}

function report(run: Run) {
  const t = run.tally;
  const calls = run.sandbox.requests;
  const basicOf = (key: string) => `Basic ${Buffer.from(`${key}:x`).toString('base64')}`;
  const team = new Set([...run.teamKeys].map(basicOf));
  const teamCalls = calls.filter((r) => team.has(r.headers.authorization ?? '')).length;
  const hogCalls = run.hogKey
    ? calls.filter((r) => r.headers.authorization === basicOf(run.hogKey as string)).length
    : 0;
  const sorted = [...t.staleness].sort((a, b) => a - b);
  return {
    team: run.size,
    budget: run.budget ? 'on' : 'off',
    actions: t.actions,
    refused: t.refused,
    refused_pct: t.actions === 0 ? 0 : Math.round((1000 * t.refused) / t.actions) / 10,
    refused_by: t.refusedBy,
    conflicts: t.conflicts,
    errors: t.errors,
    error_kinds: t.errorKinds,
    salesbinder_calls: calls.length,
    team_calls_per_action: t.actions === 0 ? 0 : Math.round((100 * teamCalls) / t.actions) / 100,
    calls_over_limit: calls.filter((r) => r.status === 429).length,
    team_calls_by: callsBy(calls.filter((r) => team.has(r.headers.authorization ?? ''))),
    stranger_requests: t.strangerRequests,
    stranger_calls: calls.length - teamCalls - hogCalls,
    ...(HOG ? { hog_calls: hogCalls } : {}),
    oldest_data_after_change_s: Math.round((sorted.at(-1) ?? 0) / 100) / 10,
    slowest_first_answer_s: Math.round(Math.max(0, ...t.firstServedMs) / 100) / 10,
    never_served: t.neverServed,
    ...(HOG ? { hog: t.hog } : {}),
    p99_data_after_change_s: Math.round((sorted[Math.floor(sorted.length * 0.99)] ?? 0) / 100) / 10,
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
  const gateways: Array<{ url: string; close(): Promise<void> }> = [];
  for (let i = 0; i < REPLICAS; i++) {
    const config = loadConfig({
      SALESBINDER_URL: sandboxUrl,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `bench${Date.now()}` } : {}),
    });
    const app = createApp({
      config,
      upstream: { mode: 'single', baseUrl: new URL(sandboxUrl) },
      logger: createLogger({ level: 'silent' }),
    });
    const server = createHttpServer(app, config.security);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gateways.push({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      async close() {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await app.close();
      },
    });
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
    `Team benchmark: ${plan.length} runs at once, ${ARRIVAL_MS / 1000} s of arrivals, ${TOTAL_MS / 1000} s in all`,
  );
  const runs = await Promise.all(plan.map(({ size, budget }) => startRun(size, budget)));
  const until = Date.now() + TOTAL_MS;
  const work: Array<Promise<void>> = [];
  for (const run of runs) {
    for (let i = 0; i < run.size; i++) {
      const key = run.sandbox.keys.add({ modify: true });
      run.teamKeys.add(key);
      work.push(person(run, key, until));
    }
    work.push(appEditor(run, until), stranger(run, until));
    if (HOG) {
      run.hogKey = run.sandbox.keys.add({ modify: false });
      work.push(hog(run, run.hogKey, until));
    }
  }
  await Promise.all(work);
  const results = runs.map(report);
  const trace = args.find((a) => a.startsWith('--trace='))?.slice(8);
  if (trace) {
    const { writeFileSync } = await import('node:fs');
    const lines = runs.flatMap((run) => [
      ...run.sandbox.requests.map((r) =>
        JSON.stringify({
          run: `${run.size}-${run.budget}`,
          at: r.at,
          what: callsBy([r]),
          status: r.status,
          key: r.headers.authorization?.slice(6, 14),
        }),
      ),
      ...run.tally.refusals.map((r) => JSON.stringify({ run: `${run.size}-${run.budget}`, ...r })),
    ]);
    writeFileSync(trace, `${lines.join('\n')}\n`);
  }
  await Promise.all(runs.map((run) => run.close()));

  console.log(
    '\nteam  budget  actions  refused  conflicts  errors  calls/action  over limit  stranger calls  oldest after change  slowest first answer',
  );
  for (const r of results) {
    console.log(
      `${String(r.team).padStart(4)}  ${r.budget.padEnd(6)}  ${String(r.actions).padStart(7)}  ${`${r.refused} (${r.refused_pct} %)`.padStart(7)}  ${String(r.conflicts).padStart(9)}  ${String(r.errors).padStart(6)}  ${String(r.team_calls_per_action).padStart(12)}  ${String(r.calls_over_limit).padStart(10)}  ${String(r.stranger_calls).padStart(14)}  ${`${r.oldest_data_after_change_s} s`.padStart(19)}  ${`${r.slowest_first_answer_s} s${r.never_served ? ` (${r.never_served} never)` : ''}`.padStart(20)}`,
    );
  }
  const clean = results.filter(
    (r) => r.budget === 'on' && r.refused === 0 && r.errors === 0 && r.calls_over_limit === 0,
  );
  const forty = results.find((r) => r.budget === 'on' && r.team === 40);
  const summary = {
    largest_team_without_refusal: Math.max(0, ...clean.map((r) => r.team)),
    target_40_met:
      forty !== undefined &&
      forty.refused === 0 &&
      forty.calls_over_limit === 0 &&
      forty.oldest_data_after_change_s <= FRESH_BOUND_S,
    runs: results,
  };
  console.log(JSON.stringify(summary));
}

await main();
