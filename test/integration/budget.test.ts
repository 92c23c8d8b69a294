/**
 * The budget's rules (docs: rate limits and budget), each against the sandbox with SalesBinder's
 * limits on: what is remembered is served only to keys SalesBinder would show it to, only within
 * one account, only while fresh; strangers cannot spend the budget; the same read at once is one
 * call. Each test counts what reached the sandbox.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { createTestClock, type TestClock } from '../helpers/clock.ts';
import { callsSettled, type StartOptions, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, findLeaks } from '../helpers/keys.ts';
import { rawPost } from '../helpers/raw-http.ts';

const SALESBINDER_LIMITS = { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 };
const CUSTOMER = `query Customer($id: ID!) {
  customer(id: $id) { id name officePhone kind modifiedAt }
}`;
const LIST = `query List($kind: AccountKind, $first: Int) {
  customers(kind: $kind, first: $first) { totalCount edges { node { id name officePhone } } }
}`;
const EDIT = `mutation Edit($id: ID!, $input: UpdateCustomerInput!, $since: DateTime) {
  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $since) {
    __typename
    ... on UpdateCustomerSuccess { customer { id officePhone modifiedAt } }
    ... on CustomerConflictError { customer { officePhone } }
    ... on SalesBinderError { message }
  }
}`;

const open: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((gw) => gw.close()));
});

/**
 * A gateway with the budget on, in front of a sandbox enforcing SalesBinder's limits, both on a
 * clock the test moves (`gw.clock`).
 */
async function budgetGateway(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestGateway & { clock: TestClock }> {
  const clock = createTestClock();
  const gw = await startGateway({
    sandbox: { rateLimits: SALESBINDER_LIMITS },
    now: clock.now,
    ...options,
    env: (url) => ({
      BUDGET: 'on',
      SALESBINDER_RATE_LIMITS: 'on',
      ...(typeof options.env === 'function' ? options.env(url) : options.env),
      ...env,
    }),
  });
  open.push(gw);
  return Object.assign(gw, { clock });
}

const as = (key: string) => ({ authorization: bearer(key) });
/** API calls the sandbox received (not control requests) since `from`. */
const callsSince = (gw: TestGateway, from: number) => gw.sandbox.requests.slice(from);

describe('what the gateway remembers, and for whom', () => {
  it('serves an account again from memory to a key SalesBinder accepted, and spends no call on it', async () => {
    const gw = await budgetGateway();
    const teammate = gw.sandbox.keys.add({ modify: true });
    const first = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    expect(first.body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    // The teammate's first call proves the key (and brings the customers up to date for everyone).
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(teammate));
    const before = gw.sandbox.requests.length;
    for (const key of [DEMO_ADMIN_KEY, teammate, DEMO_ADMIN_KEY]) {
      const again = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(key));
      expect(again.body.data?.customer).toEqual(first.body.data?.customer);
    }
    expect(callsSince(gw, before)).toEqual([]);
    // The teammate's second look (after its proof brought the kind up to date), then these three.
    expect(await gw.app.metrics?.text()).toMatch(/^salesbinder_calls_saved_total\{reason="remembered"\} 4$/m);
    expect(findLeaks([...gw.logs, ...gw.responses], [teammate])).toEqual([]);
  });

  it('never serves remembered data to a key SalesBinder refuses, and refuses that key here afterwards', async () => {
    const gw = await budgetGateway();
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    const madeUp = 'madeupkey000000000000000000000000000000a';
    const refused = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(madeUp));
    expect(refused.body.data?.customer ?? null).toBeNull();
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(gw.sandbox.requests.at(-1)?.status).toBe(401);
    const before = gw.sandbox.requests.length;
    const again = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(madeUp));
    expect(again.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const edit = await gw.graphql(EDIT, { id: DOC_EXAMPLE_ID, input: { officePhone: '1' } }, as(madeUp));
    expect(edit.body.data?.updateCustomer.__typename).toBe('SalesBinderAuthError');
    expect(callsSince(gw, before)).toEqual([]);
    expect(await gw.app.metrics?.text()).toMatch(/salesbinder_refusals_total\{cause="refused_key"\} 2/);
    expect(findLeaks([...gw.logs, ...gw.responses], [madeUp])).toEqual([]);
  });

  it('lets a revoked key read from memory no longer than BUDGET_KEY_TRUST_SECONDS after SalesBinder last accepted it', async () => {
    const gw = await budgetGateway({ BUDGET_KEY_TRUST_SECONDS: '1.5' });
    const leaving = gw.sandbox.keys.add({ modify: false });
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(leaving));
    gw.sandbox.keys.revoke(leaving);
    // Inside the window the key was accepted in, memory still serves it; past it, never.
    gw.clock.advance(1_400);
    const before = gw.sandbox.requests.length;
    const inside = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(leaving));
    expect(inside.body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    expect(callsSince(gw, before)).toEqual([]);
    gw.clock.advance(200);
    const after = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(leaving));
    expect(after.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(callsSince(gw, before).map((r) => r.status)).toEqual([401]);
  });

  it('never serves an account to a key that may not view its kind', async () => {
    const gw = await budgetGateway();
    const prospectsOnly = gw.sandbox.keys.add({ modify: true, kinds: [8] });
    // Remembered for customers, with a key that may see them.
    await gw.graphql(LIST, { kind: 'CUSTOMER', first: 50 }, as(DEMO_ADMIN_KEY));
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    const prospects = await gw.graphql(LIST, { kind: 'PROSPECT', first: 5 }, as(prospectsOnly));
    expect(prospects.body.data?.customers.edges.length).toBeGreaterThan(0);
    const before = gw.sandbox.requests.length;
    const denied = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(prospectsOnly));
    expect(denied.body.data?.customer ?? null).toBeNull();
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await gw.graphql(LIST, { kind: 'CUSTOMER', first: 50 }, as(prospectsOnly));
    expect(list.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(callsSince(gw, before).map((r) => r.status)).toEqual([403, 403]);
  });

  it('shares nothing between two accounts of one gateway', async () => {
    const gw = await budgetGateway(
      {},
      {
        env: (url) => ({
          SALESBINDER_URL: '',
          SALESBINDER_ACCOUNTS: 'acme,globex',
          SALESBINDER_ACCOUNT_URL: `${url}/{account}`,
        }),
      },
    );
    const globexKey = gw.sandbox.keys.add({ modify: false, accounts: ['globex'] });
    const acme = { ...as(DEMO_ADMIN_KEY), 'x-salesbinder-account': 'acme' };
    const globex = { ...as(globexKey), 'x-salesbinder-account': 'globex' };
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, acme);
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, acme);
    const before = gw.sandbox.requests.length;
    const other = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, globex);
    expect(other.body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    // Not from acme's memory: globex's own SalesBinder was asked, with globex's key.
    // (Acme's memory, served twice, may follow its kind ahead in the background: acme's own call.)
    const asked = callsSince(gw, before).filter((r) => r.account === 'globex');
    expect(asked.map((r) => [r.path, r.status])).toEqual([
      [`/globex/api/2.0/customers/${DOC_EXAMPLE_ID}.json`, 200],
    ]);
    // An acme key is no key at globex: SalesBinder says so, memory does not hide it.
    const wrong = await gw.graphql(
      CUSTOMER,
      { id: DOC_EXAMPLE_ID },
      { ...as(globexKey), 'x-salesbinder-account': 'acme' },
    );
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('shares nothing between keys on a host that serves many accounts (app.salesbinder.com)', async () => {
    const gw = await budgetGateway({ SALESBINDER_SHARED_HOST: 'true' });
    const other = gw.sandbox.keys.add({ modify: false });
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(other));
    const before = gw.sandbox.requests.length;
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    // Each key's first read was a call of its own (never the other's memory); later ones are not.
    const views = gw.sandbox.requests.filter((r) => r.path.includes(DOC_EXAMPLE_ID));
    expect(views.map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from(`${DEMO_ADMIN_KEY}:x`).toString('base64')}`,
      `Basic ${Buffer.from(`${other}:x`).toString('base64')}`,
    ]);
    expect(callsSince(gw, before).filter((r) => r.path.includes(DOC_EXAMPLE_ID))).toEqual([]);
  });
});

describe('freshness', () => {
  it('shows a change made in SalesBinder itself within BUDGET_FRESH_SECONDS, while serving from memory before', async () => {
    const gw = await budgetGateway({ BUDGET_FRESH_SECONDS: '2' });
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    // Followed: a list brings the kind under the change feed.
    await gw.graphql(LIST, { kind: 'CUSTOMER', first: 20 }, as(DEMO_ADMIN_KEY));
    gw.clock.advance(100);
    gw.sandbox.app.edit(DOC_EXAMPLE_ID, { office_phone: '(604) 555-0199' });
    const before = gw.sandbox.requests.length;
    let reads = 0;
    for (let since = 0; since <= 2_000; since += 100) {
      const { body } = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
      reads++;
      if (since === 2_000) expect(body.data?.customer.officePhone).toBe('(604) 555-0199');
      gw.clock.advance(100);
    }
    // Far fewer calls than reads: memory served the rest.
    expect(callsSince(gw, before).length).toBeLessThan(reads / 2);
  });

  it('serves every page of a kind’s list from one call, and a rename in SalesBinder itself within the bound', async () => {
    const gw = await budgetGateway({ BUDGET_FRESH_SECONDS: '1.5' });
    const PAGE = `query Page($first: Int, $after: String) {
      customers(first: $first, after: $after) { totalCount edges { cursor node { id name } } }
    }`;
    const all = await gw.graphql(PAGE, { first: 50 }, as(DEMO_ADMIN_KEY));
    const names = all.body.data?.customers.edges.map((e: { node: { name: string } }) => e.node.name);
    const before = gw.sandbox.requests.length;
    const three = await gw.graphql(PAGE, { first: 3 }, as(DEMO_ADMIN_KEY));
    const cursor = three.body.data?.customers.edges.at(-1).cursor;
    const next = await gw.graphql(PAGE, { first: 4, after: cursor }, as(DEMO_ADMIN_KEY));
    expect(three.body.data?.customers.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(
      names.slice(0, 3),
    );
    expect(next.body.data?.customers.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(
      names.slice(3, 7),
    );
    expect(next.body.data?.customers.totalCount).toBe(all.body.data?.customers.totalCount);
    expect(callsSince(gw, before)).toEqual([]);

    gw.clock.advance(100);
    gw.sandbox.app.edit(DOC_EXAMPLE_ID, { name: 'Renamed in SalesBinder' });
    for (let since = 0; since <= 1_500; since += 100) {
      const { body } = await gw.graphql(PAGE, { first: 50 }, as(DEMO_ADMIN_KEY));
      const listed = body.data?.customers.edges.map((e: { node: { name: string } }) => e.node.name);
      if (since === 1_500) expect(listed).toContain('Renamed in SalesBinder');
      gw.clock.advance(100);
    }
  });

  it('shows an edit made through the gateway at once to another user, without a call', async () => {
    const gw = await budgetGateway();
    const colleague = gw.sandbox.keys.add({ modify: true });
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(colleague));
    const edit = await gw.graphql(
      EDIT,
      { id: DOC_EXAMPLE_ID, input: { officePhone: '(604) 555-0123' } },
      as(DEMO_ADMIN_KEY),
    );
    expect(edit.body.data?.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
    const before = gw.sandbox.requests.length;
    const seen = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(colleague));
    expect(seen.body.data?.customer.officePhone).toBe('(604) 555-0123');
    expect(callsSince(gw, before)).toEqual([]);
  });

  it('stops serving an account deleted in SalesBinder itself within BUDGET_DELETED_SECONDS', async () => {
    const gw = await budgetGateway({ BUDGET_FRESH_SECONDS: '1', BUDGET_DELETED_SECONDS: '2' });
    await gw.graphql(LIST, { kind: 'CUSTOMER', first: 200 }, as(DEMO_ADMIN_KEY));
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    gw.clock.advance(100);
    gw.sandbox.app.remove(DOC_EXAMPLE_ID);
    for (let since = 0; since <= 2_000; since += 125) {
      const one = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
      const all = await gw.graphql(LIST, { kind: 'CUSTOMER', first: 200 }, as(DEMO_ADMIN_KEY));
      const listed = all.body.data?.customers.edges.map((e: { node: { id: string } }) => e.node.id);
      if (since === 2_000) {
        expect(one.body.data?.customer).toBeNull();
        expect(listed).not.toContain(DOC_EXAMPLE_ID);
      }
      gw.clock.advance(150);
    }
  });
});

describe('ifUnmodifiedSince with the budget', () => {
  it('catches an edit made through the gateway at once, without a call', async () => {
    const gw = await budgetGateway();
    const colleague = gw.sandbox.keys.add({ modify: true });
    const read = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(colleague));
    const since = read.body.data?.customer.modifiedAt;
    gw.clock.advance(1_100); // SalesBinder's `modified` has whole seconds
    await gw.graphql(EDIT, { id: DOC_EXAMPLE_ID, input: { officePhone: 'first' } }, as(DEMO_ADMIN_KEY));
    const before = gw.sandbox.requests.length;
    const late = await gw.graphql(
      EDIT,
      { id: DOC_EXAMPLE_ID, input: { officePhone: 'second' }, since },
      as(colleague),
    );
    expect(late.body.data?.updateCustomer).toEqual({
      __typename: 'CustomerConflictError',
      customer: { officePhone: 'first' },
      message: expect.any(String),
    });
    expect(callsSince(gw, before)).toEqual([]);
    expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.office_phone).toBe('first');
  });

  it('catches an edit made in SalesBinder itself once it is BUDGET_FRESH_SECONDS old, and at once with BUDGET_CONDITIONAL_EDITS=fresh', async () => {
    const remembered = await budgetGateway({ BUDGET_FRESH_SECONDS: '1' });
    const fresh = await budgetGateway({ BUDGET_CONDITIONAL_EDITS: 'fresh' });
    for (const gw of [remembered, fresh]) {
      const read = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
      await gw.graphql(LIST, { kind: 'CUSTOMER', first: 20 }, as(DEMO_ADMIN_KEY));
      gw.clock.advance(1_100);
      gw.sandbox.app.edit(DOC_EXAMPLE_ID, { office_phone: 'in the app' });
      if (gw === remembered) gw.clock.advance(1_050);
      const since = read.body.data?.customer.modifiedAt;
      const edit = await gw.graphql(
        EDIT,
        { id: DOC_EXAMPLE_ID, input: { officePhone: 'mine' }, since },
        as(DEMO_ADMIN_KEY),
      );
      expect(edit.body.data?.updateCustomer.__typename).toBe('CustomerConflictError');
      expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.office_phone).toBe('in the app');
    }
  });
});

describe('strangers', () => {
  /** Requests from another loopback address than the team's 127.0.0.1. */
  const fromElsewhere = async (gw: TestGateway, key: string) => {
    const body = JSON.stringify({ query: CUSTOMER, variables: { id: DOC_EXAMPLE_ID } });
    const answer = await rawPost(
      `${gw.url}/graphql`,
      { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...as(key) },
      body,
      '127.0.0.2',
    );
    return JSON.parse(answer.body) as { errors?: Array<{ extensions?: { code?: string } }> };
  };

  it('spends almost nothing on a source inventing keys, while the team’s newcomers keep coming in', async () => {
    const gw = await budgetGateway();
    const codes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const answer = await fromElsewhere(gw, `madeup${String(i).padStart(34, '0')}`);
      codes.push(answer.errors?.[0]?.extensions?.code ?? 'none');
    }
    // One first call reaches SalesBinder (its 401); the rest are refused here.
    expect(gw.sandbox.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(codes[0]).toBe('UNAUTHENTICATED');
    expect(new Set(codes.slice(1))).toEqual(new Set(['RATE_LIMITED']));
    // More new teammates from the team's address than a new source's one credit: each one
    // SalesBinder accepts earns its address more, so none is refused.
    for (let i = 0; i < 4; i++) {
      const key = gw.sandbox.keys.add({ modify: true });
      const { body } = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(key));
      expect(body, JSON.stringify(body)).toMatchObject({ data: { customer: { id: DOC_EXAMPLE_ID } } });
    }
    expect(await gw.app.metrics?.text()).toMatch(/salesbinder_refusals_total\{cause="newcomers"\} 29/);
  });

  it('tells sources apart behind a trusted proxy by X-Forwarded-For, and ignores the header otherwise', async () => {
    const trusting = await budgetGateway({ TRUST_PROXY: '1' });
    const header = (gw: TestGateway, key: string, forwarded: string) =>
      gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, { ...as(key), 'x-forwarded-for': forwarded });
    for (let i = 0; i < 4; i++)
      await header(trusting, `strangerkey${i}00000000000000000000000000000`, '203.0.113.9');
    const team = await header(trusting, DEMO_ADMIN_KEY, '198.51.100.7');
    expect(team.body.data?.customer.id).toBe(DOC_EXAMPLE_ID);

    const ignoring = await budgetGateway();
    for (let i = 0; i < 4; i++)
      await header(ignoring, `strangerkey${i}00000000000000000000000000000`, `203.0.113.${i}`);
    // Same socket address for all: the spoofed header made no new sources.
    const refused = await header(ignoring, 'anotherstranger00000000000000000000000000', '192.0.2.1');
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('keeps keys SalesBinder has not accepted, from however many addresses, to their slice of the budget', async () => {
    const gw = await budgetGateway({ TRUST_PROXY: '1' });
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    await callsSettled(gw);
    const before = gw.sandbox.requests.length;
    const codes = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const { body } = await gw.graphql(
          CUSTOMER,
          { id: DOC_EXAMPLE_ID },
          { ...as(`botnetkey${String(i).padStart(31, '0')}`), 'x-forwarded-for': `198.51.100.${i}` },
        );
        return body.errors?.[0]?.extensions?.code;
      }),
    );
    // The newcomers' slice holds 8 calls per 10 s (the team key's own first call was one of
    // them), whatever the sources' credits.
    expect(callsSince(gw, before).length).toBeLessThanOrEqual(7);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(13);
    const team = await gw.graphql(
      EDIT,
      { id: DOC_EXAMPLE_ID, input: { officePhone: 'still served' } },
      as(DEMO_ADMIN_KEY),
    );
    expect(team.body.data?.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
  });

  it('lets a key’s parallel first requests wait for its one proof instead of spending a call each', async () => {
    const gw = await budgetGateway();
    const newcomer = gw.sandbox.keys.add({ modify: true });
    const before = gw.sandbox.requests.length;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(newcomer))),
    );
    for (const { body } of answers) expect(body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    // One view proves the key and serves all eight; serving from memory then follows the kind
    // ahead of need, in the background (one list call): nothing else.
    await expect.poll(() => callsSince(gw, before).length).toBeGreaterThanOrEqual(2);
    expect(callsSince(gw, before).map((r) => [r.path, r.status])).toEqual([
      [`/api/2.0/customers/${DOC_EXAMPLE_ID}.json`, 200],
      ['/api/2.0/customers.json?contextId=2&page=1&pageLimit=200', 200],
    ]);
  });

  it('lets a key’s parallel first requests for an account others read wait for its one proof too', async () => {
    const gw = await budgetGateway();
    // Remembered by a teammate: the newcomer's first call is then one that brings the kind up to date.
    await gw.graphql(LIST, { kind: 'CUSTOMER', first: 50 }, as(DEMO_ADMIN_KEY));
    const newcomer = gw.sandbox.keys.add({ modify: true });
    const before = gw.sandbox.requests.length;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(newcomer))),
    );
    for (const { body } of answers) expect(body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    expect(callsSince(gw, before).map((r) => [r.path, r.status])).toEqual([
      ['/api/2.0/customers.json?contextId=2&page=1&pageLimit=200', 200],
    ]);
  });

  it('lets a key’s parallel first searches, each a call, spend one credit of its address: the first proves the key', async () => {
    const gw = await budgetGateway();
    const newcomer = gw.sandbox.keys.add({ modify: true });
    // Four searches in one operation, resolved at once: more than a new address's three credits.
    const terms = ['Acme', 'Northwind', 'Umbrella', 'Café'];
    const query = `{ ${terms.map((term, i) => `s${i}: customers(kind: CUSTOMER, search: "${term}") { totalCount }`).join(' ')} }`;
    const { body } = await gw.graphql(query, {}, as(newcomer));
    expect(body.errors).toBeUndefined();
    expect(gw.sandbox.requests.filter((r) => r.path.includes('&s=')).map((r) => r.status)).toEqual([
      200, 200, 200, 200,
    ]);
    expect(await gw.app.metrics?.text()).not.toMatch(/salesbinder_refusals_total\{cause="newcomers"\}/);
  });

  it('reads a kind from SalesBinder again, never from memory, once SalesBinder answers 403 for it', async () => {
    const gw = await budgetGateway();
    const changing = gw.sandbox.keys.add({ modify: false, kinds: [2, 8] });
    await gw.graphql(LIST, { kind: 'CUSTOMER', first: 50 }, as(changing));
    const served = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(changing));
    expect(served.body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    // SalesBinder takes customers away from the key; its next customer call says so.
    gw.sandbox.keys.add({ modify: false, kinds: [8] }, changing);
    const SEARCH = 'query ($s: String) { customers(kind: CUSTOMER, search: $s) { totalCount } }';
    const search = await gw.graphql(SEARCH, { s: 'Acme' }, as(changing));
    expect(search.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const before = gw.sandbox.requests.length;
    const again = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(changing));
    expect(again.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(callsSince(gw, before).map((r) => r.status)).toEqual([403]);
    // Others still read the kind from memory.
    const admin = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    expect(admin.body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
  });
});

describe('reads under way', () => {
  it('makes one call for the same read asked at once by several users', async () => {
    const gw = await budgetGateway();
    const keys = [
      DEMO_ADMIN_KEY,
      gw.sandbox.keys.add({ modify: true }),
      gw.sandbox.keys.add({ modify: false }),
    ];
    // Each key accepted for suppliers first (its own proof); then a supplier created in
    // SalesBinder's web app that no one has read, its view slowed so that all nine reads overlap.
    for (const key of keys) await gw.graphql(LIST, { kind: 'SUPPLIER', first: 1 }, as(key));
    const supplier = gw.sandbox.app.create({ context_id: 10, name: 'Supplier read at once' }).id;
    gw.sandbox.faults.add({ kind: 'delay', delayMs: 300, match: { path: supplier } });
    const before = gw.sandbox.requests.length;
    const answers = await Promise.all(
      Array.from({ length: 9 }, (_, i) => gw.graphql(CUSTOMER, { id: supplier }, as(keys[i % 3] as string))),
    );
    for (const answer of answers) expect(answer.body.data?.customer.id).toBe(supplier);
    expect(callsSince(gw, before).map((r) => [r.path, r.status])).toEqual([
      [`/api/2.0/customers/${supplier}.json`, 200],
    ]);
    expect(await gw.app.metrics?.text()).toMatch(/^salesbinder_calls_saved_total\{reason="in_flight"\} 8$/m);
  });
});
