/**
 * The budget learns creates and deletes at once: a created account is served, listed, counted and
 * found by search, and a deleted one is gone, for every key that may see it, on one replica and on
 * two sharing Redis; an idempotencyKey holds across those replicas. Against the sandbox with
 * SalesBinder's limits on, all on a clock the test controls (it never moves here: every answer
 * below comes within the freshness bound, where memory would otherwise serve what it had).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { createTestClock } from '../helpers/clock.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer } from '../helpers/keys.ts';
import { CREATE, DELETE } from '../helpers/operations.ts';
import { describeWithRedis, type RedisServer, startRedis } from '../helpers/redis-server.ts';

const LIMITS = { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 };
const VIEW = 'query ($id: ID!) { customer(id: $id) { id name } }';
const LIST = `query ($search: String) {
  customers(kind: CUSTOMER, search: $search, first: 50) { totalCount edges { node { id name } } }
}`;
const as = (key: string) => ({ authorization: bearer(key) });

type Listed = { totalCount: number; edges: Array<{ node: { id: string; name: string } }> };

async function list(gw: TestGateway, key: string, search?: string): Promise<Listed> {
  return (await gw.graphql(LIST, { search }, as(key))).body.data?.customers;
}
const ids = (listed: Listed) => listed.edges.map((edge) => edge.node.id);

/** Both keys read the account, the kind's list and a search, so memory holds all three for both. */
async function warmUp(gw: TestGateway, keys: string[]): Promise<Listed> {
  let listed: Listed | undefined;
  for (const key of keys) {
    await gw.graphql(VIEW, { id: DOC_EXAMPLE_ID }, as(key));
    listed = await list(gw, key);
    await list(gw, key, 'brand new');
  }
  // Memory now serves them: the next reads cost nothing.
  const before = gw.sandbox.requests.length;
  for (const key of keys) {
    await gw.graphql(VIEW, { id: DOC_EXAMPLE_ID }, as(key));
    await list(gw, key);
  }
  expect(gw.sandbox.requests.slice(before)).toEqual([]);
  return listed as Listed;
}

/** What two keys (the writer and a teammate) see after a create and a delete on `writer`. */
async function expectLearned(writer: TestGateway, reader: TestGateway, teammate: string): Promise<void> {
  const before = await warmUp(reader, [DEMO_ADMIN_KEY, teammate]);
  expect(ids(before)).toContain(DOC_EXAMPLE_ID);

  const deleted = (await writer.graphql(DELETE, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY))).body.data
    ?.deleteCustomer;
  expect(deleted.__typename).toBe('DeleteCustomerSuccess');
  const created = (await writer.graphql(CREATE, { input: { name: 'Brand New Co' } }, as(DEMO_ADMIN_KEY))).body
    .data?.createCustomer;
  expect(created.__typename).toBe('CreateCustomerSuccess');
  const newId: string = created.customer.id;

  for (const key of [teammate, DEMO_ADMIN_KEY]) {
    const gone = await reader.graphql(VIEW, { id: DOC_EXAMPLE_ID }, as(key));
    expect(gone.body.data?.customer).toBeNull();
    const served = await reader.graphql(VIEW, { id: newId }, as(key));
    expect(served.body.data?.customer).toEqual({ id: newId, name: 'Brand New Co' });
    const after = await list(reader, key);
    expect(ids(after)).not.toContain(DOC_EXAMPLE_ID);
    expect(ids(after)).toContain(newId);
    expect(after.totalCount).toBe(before.totalCount);
    const found = await list(reader, key, 'brand new');
    expect(ids(found)).toEqual([newId]);
  }
}

describe('the budget learns creates and deletes at once, on one replica', () => {
  const open: TestGateway[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((gw) => gw.close()));
  });

  it('a deleted account is null and unlisted for another key, a created one served, listed, counted and found', async () => {
    const clock = createTestClock();
    const gw = await startGateway({
      sandbox: { rateLimits: LIMITS },
      now: clock.now,
      env: { BUDGET: 'on', SALESBINDER_RATE_LIMITS: 'on' },
    });
    open.push(gw);
    await expectLearned(gw, gw, gw.sandbox.keys.add({ modify: true }));
  });

  it('costs no call to read the deleted or the created account, and one sweep for every key’s next list', async () => {
    const clock = createTestClock();
    const gw = await startGateway({
      sandbox: { rateLimits: LIMITS },
      now: clock.now,
      env: { BUDGET: 'on', SALESBINDER_RATE_LIMITS: 'on' },
    });
    open.push(gw);
    const teammate = gw.sandbox.keys.add({ modify: true });
    await warmUp(gw, [DEMO_ADMIN_KEY, teammate]);
    await gw.graphql(DELETE, { id: DOC_EXAMPLE_ID }, as(DEMO_ADMIN_KEY));
    const created = await gw.graphql(CREATE, { input: { name: 'Brand New Co' } }, as(DEMO_ADMIN_KEY));
    const newId = created.body.data?.createCustomer.customer.id;
    clock.advance(1);
    const before = gw.sandbox.requests.length;
    for (const key of [teammate, DEMO_ADMIN_KEY]) {
      await gw.graphql(VIEW, { id: DOC_EXAMPLE_ID }, as(key));
      await gw.graphql(VIEW, { id: newId }, as(key));
    }
    expect(gw.sandbox.requests.slice(before)).toEqual([]);
    for (const key of [teammate, DEMO_ADMIN_KEY]) await list(gw, key);
    expect(gw.sandbox.requests.slice(before)).toHaveLength(1);
  });
});

describeWithRedis('the budget learns creates and deletes at once, on two replicas sharing Redis', () => {
  let redis: RedisServer;
  let prefix = 0;
  const open: TestGateway[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((gw) => gw.close()));
  });

  async function replicas(): Promise<[TestGateway, TestGateway]> {
    prefix++;
    const clock = createTestClock();
    const shared = {
      BUDGET: 'on',
      SALESBINDER_RATE_LIMITS: 'on',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `writes${prefix}`,
    };
    const a = await startGateway({ sandbox: { rateLimits: LIMITS }, env: shared, now: clock.now });
    open.push(a);
    const b = await startGateway({ env: { ...shared, SALESBINDER_URL: a.sandbox.url }, now: clock.now });
    open.push(b);
    return [a, b];
  }

  it('a delete and a create on one replica are seen at once on the other, by another key', async () => {
    const [a, b] = await replicas();
    await expectLearned(a, b, a.sandbox.keys.add({ modify: true }));
  });

  it('holds an idempotencyKey across replicas: a retry on the other replica creates nothing more', async () => {
    const [a, b] = await replicas();
    const posts = () => a.sandbox.requests.filter((r) => r.method === 'POST');
    const variables = { input: { name: 'Retried Elsewhere' }, idempotencyKey: 'across-replicas' };
    const first = (await a.graphql(CREATE, variables, as(DEMO_ADMIN_KEY))).body.data?.createCustomer;
    const again = (await b.graphql(CREATE, variables, as(DEMO_ADMIN_KEY))).body.data?.createCustomer;
    expect(again).toEqual(first);
    expect(posts()).toHaveLength(1);
  });

  it('makes a concurrent call on the other replica wait for the first', async () => {
    const [a, b] = await replicas();
    a.sandbox.faults.add({ kind: 'delay', delayMs: 300, match: { method: 'POST' } });
    const variables = { input: { name: 'Both At Once' }, idempotencyKey: 'at-once' };
    const [one, two] = await Promise.all([
      a.graphql(CREATE, variables, as(DEMO_ADMIN_KEY)),
      b.graphql(CREATE, variables, as(DEMO_ADMIN_KEY)),
    ]);
    expect(one.body.data?.createCustomer.__typename).toBe('CreateCustomerSuccess');
    expect(two.body.data?.createCustomer).toEqual(one.body.data?.createCustomer);
    expect(a.sandbox.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
