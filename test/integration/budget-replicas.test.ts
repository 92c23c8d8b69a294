/**
 * Two gateway replicas sharing one real redis-server, in front of one sandbox with SalesBinder's
 * limits on: what one learned serves the other (records, edits, refused keys, a read under way),
 * and a lost Redis or a restart loses savings, never correctness.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { createTestClock, type TestClock } from '../helpers/clock.ts';
import { callsSettled, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer } from '../helpers/keys.ts';
import { describeWithRedis, type RedisServer, startRedis } from '../helpers/redis-server.ts';

const CUSTOMER = 'query ($id: ID!) { customer(id: $id) { id name officePhone } }';
const EDIT = `mutation ($id: ID!, $phone: String) {
  updateCustomer(id: $id, input: { officePhone: $phone }) { __typename }
}`;
const as = (key: string) => ({ authorization: bearer(key) });

describeWithRedis('budget replicas sharing Redis', () => {
  let redis: RedisServer;
  let prefix = 0;
  let clock: TestClock;
  const open: TestGateway[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((gw) => gw.close()));
    await redis.start();
  });

  /** Two replicas on one sandbox (the first one's) and one Redis namespace, all on one clock. */
  async function replicas(env: Record<string, string> = {}): Promise<[TestGateway, TestGateway]> {
    prefix++;
    clock = createTestClock();
    const shared = {
      BUDGET: 'on',
      SALESBINDER_RATE_LIMITS: 'on',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `replicas${prefix}`,
      // Redis given time to answer on a loaded machine: a Redis slower than REDIS_TIMEOUT_MS costs
      // a call by design (store/fallback.ts), which is not what these tests are about but one.
      REDIS_TIMEOUT_MS: '2000',
      ...env,
    };
    const a = await startGateway({
      sandbox: { rateLimits: { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 } },
      env: shared,
      now: clock.now,
    });
    open.push(a);
    const b = await startGateway({ env: { ...shared, SALESBINDER_URL: a.sandbox.url }, now: clock.now });
    open.push(b);
    await Promise.all([connected(a), connected(b)]);
    return [a, b];
  }

  /**
   * Until the replica's store answers from Redis: on a loaded machine the first connection may
   * take longer than the store waits for it, and a replica without Redis rightly goes without
   * memory, which is not what these tests are about.
   */
  async function connected(gw: TestGateway): Promise<void> {
    const store = gw.app.budget?.store;
    await expect
      .poll(
        () =>
          store?.kindState('connected?', 2).then(
            () => true,
            () => false,
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
  }

  const viewsOf = (gw: TestGateway, id: string, from = 0) =>
    gw.sandbox.requests.slice(from).filter((r) => r.path.includes(`customers/${id}`));

  it('serves on one replica what the other read, and an edit on one at once on the other', async () => {
    const [a, b] = await replicas();
    const read = await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    expect(viewsOf(a, DOC_EXAMPLE_ID)).toHaveLength(1);
    // The view's kind was new: its size is learned in the background (a sweep), before we look.
    await callsSettled(a);
    const before = a.sandbox.requests.length;
    const there = await b.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    expect(there.body.data).toEqual(read.body.data);
    expect(a.sandbox.requests.slice(before)).toEqual([]);

    await a.graphql(EDIT, { id: DOC_EXAMPLE_ID, phone: '(604) 555-0144' }, as(DEMO_ADMIN_KEY));
    const afterEdit = a.sandbox.requests.length;
    const seen = await b.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    expect(seen.body.data?.customer.officePhone).toBe('(604) 555-0144');
    expect(viewsOf(a, DOC_EXAMPLE_ID, afterEdit)).toEqual([]);
  });

  it('refuses on one replica a key SalesBinder refused on the other, without a call', async () => {
    const [a, b] = await replicas();
    const madeUp = 'madeupkey0000000000000000000000000000000';
    await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(madeUp));
    expect(a.sandbox.requests.at(-1)?.status).toBe(401);
    const before = a.sandbox.requests.length;
    const there = await b.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(madeUp));
    expect(there.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(a.sandbox.requests.slice(before)).toEqual([]);
  });

  it('makes one call for a read asked on both replicas at once', async () => {
    const [a, b] = await replicas();
    // The key accepted for suppliers (on A; B learns it through Redis), then a new supplier
    // neither replica has seen, its view slowed so that all three reads overlap.
    await a.graphql('{ customers(kind: SUPPLIER, first: 1) { totalCount } }', {}, as(DEMO_ADMIN_KEY));
    a.sandbox.faults.add({ kind: 'delay', delayMs: 400, match: { path: 'customers/' } });
    const other = a.sandbox.app.create({ context_id: 10, name: 'Supplier read at once' });
    const before = a.sandbox.requests.length;
    const answers = await Promise.all([
      a.graphql(CUSTOMER, { id: other.id }, as(DEMO_ADMIN_KEY)),
      b.graphql(CUSTOMER, { id: other.id }, as(DEMO_ADMIN_KEY)),
      b.graphql(CUSTOMER, { id: other.id }, as(DEMO_ADMIN_KEY)),
    ]);
    for (const answer of answers) expect(answer.body.data?.customer.id).toBe(other.id);
    expect(viewsOf(a, other.id, before)).toHaveLength(1);
  });

  it('loses savings, never correctness, while Redis is away and after it comes back empty', async () => {
    // The usual timeout: the store skips Redis for a few timeouts after a failure.
    const [a, b] = await replicas({ REDIS_TIMEOUT_MS: '250' });
    await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    await redis.stop();
    await a.graphql(EDIT, { id: DOC_EXAMPLE_ID, phone: 'while Redis is away' }, as(DEMO_ADMIN_KEY));
    const before = a.sandbox.requests.length;
    const seen = await b.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    expect(seen.body.data?.customer.officePhone).toBe('while Redis is away');
    // Nothing remembered meanwhile: B asked SalesBinder.
    expect(viewsOf(a, DOC_EXAMPLE_ID, before)).toHaveLength(1);
    expect(await b.app.metrics?.text()).toMatch(/salesbinder_budget_store_degraded 1/);

    // Time passes between the two edits, as it does between two people's: on a clock standing
    // still both versions would carry the same time, and the one written last would win.
    clock.advance(1_000);
    await redis.start();
    await a.graphql(EDIT, { id: DOC_EXAMPLE_ID, phone: 'Redis is back, empty' }, as(DEMO_ADMIN_KEY));
    await expect
      .poll(
        async () =>
          (await b.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY))).body.data?.customer
            .officePhone,
        {
          timeout: 5_000,
        },
      )
      .toBe('Redis is back, empty');
  });

  it('keeps what was learned across a replica’s restart, and a replica without Redis starts from nothing', async () => {
    const [a] = await replicas();
    await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    const restarted = await startGateway({
      now: clock.now,
      env: {
        BUDGET: 'on',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `replicas${prefix}`,
        REDIS_TIMEOUT_MS: '2000',
        SALESBINDER_URL: a.sandbox.url,
      },
    });
    open.push(restarted);
    await connected(restarted);
    const alone = await startGateway({
      env: { BUDGET: 'on', SALESBINDER_URL: a.sandbox.url },
      now: clock.now,
    });
    open.push(alone);
    const before = a.sandbox.requests.length;
    const kept = await restarted.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    expect(kept.body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    expect(viewsOf(a, DOC_EXAMPLE_ID, before)).toEqual([]);
    const fresh = await alone.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    expect(fresh.body.data).toEqual(kept.body.data);
    expect(viewsOf(a, DOC_EXAMPLE_ID, before)).toHaveLength(1);
  });
});
