/**
 * A slow Redis (writes paused with CLIENT PAUSE, as a Redis busy saving or failing over looks) and
 * the budget, on a real redis-server: it costs savings, never a user's answer or their own edit.
 * The store's breaker skips Redis after the first timeout and probes it again later; the store
 * calls made after a successful SalesBinder call (a follow's progress, the records it brought)
 * never fail the read that made them; an edit the store could not take is never hidden behind the
 * version before it.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/domain/customer.ts';
import { StoreSkipped } from '../../src/salesbinder/budget/store/breaker.ts';
import { createRedisStore } from '../../src/salesbinder/budget/store/redis.ts';
import { listSigOf, type RememberedRecord } from '../../src/salesbinder/budget/store/store.ts';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { createTestClock } from '../helpers/clock.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer } from '../helpers/keys.ts';
import { describeWithRedis, type RedisServer, startRedis } from '../helpers/redis-server.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const CUSTOMER = 'query ($id: ID!) { customer(id: $id) { id name } }';
const LIST = 'query { customers(first: 200) { totalCount edges { node { id name } } } }';
const RENAME = `mutation ($id: ID!, $name: String!) {
  updateCustomer(id: $id, input: { name: $name }) { __typename ... on UpdateCustomerSuccess { customer { name } } }
}`;

const blank = { line1: null, line2: null, city: null, region: null, country: null, postalCode: null };
function remembered(name: string, at: number): RememberedRecord {
  const customer: Customer = {
    id: 'a',
    customerNumber: 1,
    kind: 'CUSTOMER',
    name,
    officeEmail: null,
    officePhone: null,
    officeFax: null,
    url: null,
    vatNumber: null,
    billingAddress: blank,
    shippingAddress: blank,
    archived: null,
    createdAt: new Date('2020-01-01T00:00:00Z'),
    modifiedAt: new Date(at),
  };
  return { customer, contextId: 2, fetchedAt: at, confirmedAt: at, listSig: listSigOf(customer) };
}

describeWithRedis('a slow Redis', () => {
  let redis: RedisServer;
  let control: Redis;
  let prefix = 0;
  beforeAll(async () => {
    redis = await startRedis();
    control = new Redis(redis.url);
  });
  afterAll(async () => {
    control.disconnect();
    await redis.stop();
  });
  afterEach(async () => {
    await control.call('CLIENT', 'UNPAUSE');
    await control.config('SET', 'maxmemory', '0');
  });
  /** Redis as a full memory makes it: reads answered, every write refused (OOM). */
  const refuseWrites = async () => {
    await control.config('SET', 'maxmemory-policy', 'noeviction');
    await control.config('SET', 'maxmemory', '1');
  };
  const pauseWrites = () => control.call('CLIENT', 'PAUSE', '5000', 'WRITE');

  describe('the budget store’s breaker', () => {
    /** A Redis store on a test clock whose breaker skips Redis for 1 s after a command's 1 s timeout. */
    function breakerStore(retention: { heldMs: number; lockMs: number }) {
      const clock = createTestClock();
      const store = createRedisStore({
        url: redis.url,
        timeoutMs: 1_000,
        keyPrefix: `breaker${++prefix}`,
        retention: { entryMs: 60_000, trustMs: 300_000, ...retention },
        now: clock.now,
        skipMs: 1_000,
      });
      return { clock, store };
    }

    it('opens at the first timeout, skips Redis at once while open, and closes when a probe answers', async () => {
      const { clock, store } = breakerStore({ heldMs: 600_000, lockMs: 2_000 });
      try {
        await store.merge('s', [remembered('Before', clock.now())]);
        await pauseWrites();
        // The first command that waits its timeout opens the breaker...
        const first = await store.merge('s', [remembered('During', clock.now() + 1_000)]).catch((e) => e);
        expect(first).toBeInstanceOf(Error);
        expect(first).not.toBeInstanceOf(StoreSkipped);
        expect(store.health().degraded).toBe(true);
        // ...and every command after it is skipped without asking Redis, reads included.
        for (let i = 0; i < 3; i++) {
          await expect(store.records('s', ['a'])).rejects.toBeInstanceOf(StoreSkipped);
        }
        await control.call('CLIENT', 'UNPAUSE');
        // Still skipped until the breaker's time is up, however well Redis answers meanwhile.
        clock.advance(999);
        await expect(store.records('s', ['a'])).rejects.toBeInstanceOf(StoreSkipped);
        clock.advance(1);
        // Then one probe, which answers: closed again.
        const [after] = await store.records('s', ['a']);
        expect(after?.customer.name).toBe('During');
        expect(store.health().degraded).toBe(false);
      } finally {
        await store.close();
      }
    });

    it('releases a lock whose answer came too late, once Redis answers again', async () => {
      const { clock, store } = breakerStore({ heldMs: 1_800_000, lockMs: 15_000 });
      try {
        await store.records('s', ['a']);
        await pauseWrites();
        // The lock's SET is held by the pause: no answer in time, but it takes the lock later.
        await expect(store.lock('s', 'view:x')).rejects.not.toBeInstanceOf(StoreSkipped);
        await control.call('CLIENT', 'UNPAUSE');
        clock.advance(1_000);
        await store.records('s', ['a']);
        // Nobody makes that call: no waiter on another replica may wait 15 s for it.
        expect(await store.lockState('s', 'view:x')).toBe('free');
      } finally {
        await store.close();
      }
    });

    it('opens again when its probe fails', async () => {
      const { clock, store } = breakerStore({ heldMs: 600_000, lockMs: 2_000 });
      try {
        await pauseWrites();
        await expect(store.merge('s', [remembered('x', clock.now())])).rejects.not.toBeInstanceOf(
          StoreSkipped,
        );
        clock.advance(1_000);
        // The probe waits behind the paused write, times out, and opens the breaker again.
        await expect(store.records('s', ['a'])).rejects.not.toBeInstanceOf(StoreSkipped);
        await expect(store.records('s', ['a'])).rejects.toBeInstanceOf(StoreSkipped);
      } finally {
        await store.close();
      }
    });
  });

  describe('two replicas', () => {
    const open: TestGateway[] = [];
    afterEach(async () => {
      await control.call('CLIENT', 'UNPAUSE');
      await Promise.all(open.splice(0).map((gw) => gw.close()));
    });

    async function replicas(extra: Record<string, string> = {}) {
      const clock = createTestClock();
      const env = {
        ...extra,
        BUDGET: 'on',
        REDIS_URL: redis.url,
        REDIS_TIMEOUT_MS: '100',
        REDIS_KEY_PREFIX: `slow${++prefix}`,
      };
      const a = await startGateway({ env, now: clock.now });
      open.push(a);
      const b = await startGateway({ env: { ...env, SALESBINDER_URL: a.sandbox.url }, now: clock.now });
      open.push(b);
      return { a, b, clock };
    }

    /** Until `done` settles, whatever else the event loop runs meanwhile. */
    const settled = (done: Promise<unknown>) => {
      let over = false;
      void done.finally(() => {
        over = true;
      });
      return () => over;
    };
    const arrived = async (gw: TestGateway, id: string) => {
      while (!gw.sandbox.requests.some((r) => r.path.includes(id))) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };

    it('shares a call’s failure with the other replica’s waiter instead of its making one more', async () => {
      const { a, b } = await replicas({ SALESBINDER_RETRIES: '0' });
      for (const gw of [a, b]) await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      // An id no sweep or feed brings (a follow in the background could otherwise bring an account).
      const fresh = { id: '00000000-0000-4000-8000-0000000000aa' };
      a.sandbox.faults.add({ kind: 'delay', delayMs: 300, match: { path: `customers/${fresh.id}` } });
      a.sandbox.faults.add({ kind: 'status', status: 503, match: { path: `customers/${fresh.id}` } });
      const first = a.graphql(CUSTOMER, { id: fresh.id }, admin);
      await arrived(a, fresh.id);
      const second = await b.graphql(CUSTOMER, { id: fresh.id }, admin);
      expect((await first).body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(second.body.errors?.[0]?.extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        retryable: true,
      });
      expect(a.sandbox.requests.filter((r) => r.path.includes(fresh.id))).toHaveLength(1);
    });

    it('waits for another replica’s call no longer than one call may take, and then makes none of its own', async () => {
      const { a, b, clock } = await replicas();
      for (const gw of [a, b]) await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      const fresh = { id: '00000000-0000-4000-8000-0000000000bb' };
      a.sandbox.faults.add({ kind: 'delay', delayMs: 1_000, match: { path: `customers/${fresh.id}` } });
      const first = a.graphql(CUSTOMER, { id: fresh.id }, admin);
      await arrived(a, fresh.id);
      const second = b.graphql(CUSTOMER, { id: fresh.id }, admin);
      // Time passes for the waiter (SALESBINDER_DEADLINE_MS, 15 s) while the call is still under way.
      const over = settled(second);
      while (!over()) {
        clock.advance(16_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await second).body.errors?.[0]?.extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        retryable: true,
      });
      // SalesBinder's answer (no such account) came to the replica that asked it.
      expect((await first).body.data?.customer).toBeNull();
      expect(a.sandbox.requests.filter((r) => r.path.includes(fresh.id))).toHaveLength(1);
    });

    it('writes times on Redis’s clock, so a replica whose clock runs ahead never makes a record look fresher', async () => {
      // A clock near the real one (Redis's TIME), and replica B's 20 s ahead of A's.
      const clock = createTestClock(Math.floor(Date.now() / 1000) * 1000);
      const env = { BUDGET: 'on', REDIS_URL: redis.url, REDIS_KEY_PREFIX: `clock${++prefix}` };
      const a = await startGateway({ env, now: clock.now });
      open.push(a);
      const b = await startGateway({
        env: { ...env, SALESBINDER_URL: a.sandbox.url },
        now: () => clock.now() + 20_000,
      });
      open.push(b);
      await a.graphql(LIST, {}, admin);
      const account = a.sandbox.app.create({ context_id: 2, name: 'Read first on the replica ahead' });
      expect((await b.graphql(CUSTOMER, { id: account.id }, admin)).body.data?.customer.id).toBe(account.id);
      clock.advance(1_000);
      a.sandbox.app.edit(account.id, { name: 'Renamed in SalesBinder' });
      // 16 s after B read it (by A's clock, and by the truth): older than the freshness bound.
      clock.advance(15_000);
      const read = await a.graphql(CUSTOMER, { id: account.id }, admin);
      expect(read.body.data?.customer.name).toBe('Renamed in SalesBinder');
    });

    it('answers a read whose follow (sweep) cannot write what it brought, nor its progress', async () => {
      const { a, clock } = await replicas();
      expect((await a.graphql(LIST, {}, admin)).body.errors).toBeUndefined();
      // The kind is due to be followed again; Redis answers reads but holds every write.
      clock.advance(16_000);
      await pauseWrites();
      const list = await a.graphql(LIST, {}, admin);
      expect(list.body.errors).toBeUndefined();
      expect(list.body.data?.customers.edges.length).toBe(list.body.data?.customers.totalCount);
      const read = await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    });

    it('answers a read whose follow (the change feed) cannot write what it brought, nor its progress', async () => {
      // 450 customers: swept, then followed by the change feed between sweeps.
      const clock = createTestClock();
      const env = {
        BUDGET: 'on',
        REDIS_URL: redis.url,
        REDIS_TIMEOUT_MS: '100',
        REDIS_KEY_PREFIX: `feed${++prefix}`,
      };
      const a = await startGateway({ env, now: clock.now, sandbox: { customers: 450 } });
      open.push(a);
      expect((await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin)).body.errors).toBeUndefined();
      expect(
        (await a.graphql('query { customers(first: 5) { totalCount } }', {}, admin)).body.errors,
      ).toBeUndefined();
      clock.advance(16_000);
      // Redis holds every write from the moment the feed's call is under way.
      a.sandbox.faults.add({ kind: 'delay', delayMs: 300, match: { path: 'modifiedSince' } });
      const pending = a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      while (!a.sandbox.requests.some((r) => r.path.includes('modifiedSince'))) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await pauseWrites();
      const read = await pending;
      expect(read.body.errors).toBeUndefined();
      expect(read.body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    });

    it('never serves the version before an edit Redis refused to write (full memory), on either replica', async () => {
      const { a, b, clock } = await replicas();
      // Both replicas know the account and the kind (remembered in Redis).
      for (const gw of [a, b]) {
        expect((await gw.graphql(LIST, {}, admin)).body.errors).toBeUndefined();
        expect((await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin)).body.data?.customer.id).toBe(
          DOC_EXAMPLE_ID,
        );
      }
      const before = (await b.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin)).body.data?.customer.name;
      // Redis answers reads, but refuses every write (OOM) from here on: the edit's merge fails.
      await refuseWrites();
      const edit = await a.graphql(
        RENAME,
        { id: DOC_EXAMPLE_ID, name: 'Renamed while Redis was full' },
        admin,
      );
      expect(edit.body.data?.updateCustomer.customer.name).toBe('Renamed while Redis was full');
      // The editor's next read shows the edit...
      expect((await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin)).body.data?.customer.name).toBe(
        'Renamed while Redis was full',
      );
      // ...and so does the other replica's, within the freshness bound of the version before: the
      // record Redis could not take was deleted there (a full Redis takes deletes), so B asks.
      const asked = () => a.sandbox.requests.filter((r) => r.path.includes(DOC_EXAMPLE_ID)).length;
      const calls = asked();
      const other = await b.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      expect(other.body.errors).toBeUndefined();
      expect(other.body.data?.customer.name).not.toBe(before);
      expect(other.body.data?.customer.name).toBe('Renamed while Redis was full');
      expect(asked()).toBe(calls + 1);
      // Once Redis takes writes again, the editor's replica writes the edit for the others.
      await control.config('SET', 'maxmemory', '0');
      clock.advance(1_000);
      await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      expect((await b.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin)).body.data?.customer.name).toBe(
        'Renamed while Redis was full',
      );
      expect(asked()).toBe(calls + 1);
    });

    it('answers reads, lists and the user’s own edits while Redis’s writes are paused, and never serves the version before an edit', async () => {
      const { a, b, clock } = await replicas();
      // Both replicas know the account and the kind (remembered in Redis).
      for (const gw of [a, b]) {
        expect((await gw.graphql(LIST, {}, admin)).body.errors).toBeUndefined();
        expect((await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin)).body.data?.customer.id).toBe(
          DOC_EXAMPLE_ID,
        );
      }
      await pauseWrites();
      const first = await a.graphql(RENAME, { id: DOC_EXAMPLE_ID, name: 'First rename' }, admin);
      expect(first.body.data?.updateCustomer).toEqual({
        __typename: 'UpdateCustomerSuccess',
        customer: { name: 'First rename' },
      });
      // Redis is skipped now on A: this edit's record is not written; A keeps it.
      const second = await a.graphql(RENAME, { id: DOC_EXAMPLE_ID, name: 'Second rename' }, admin);
      expect(second.body.data?.updateCustomer.customer.name).toBe('Second rename');
      // Reads and the kind's whole listing (a sweep, its progress not written) still answer.
      clock.advance(16_000);
      const read = await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      expect(read.body.data?.customer.name).toBe('Second rename');
      const list = await a.graphql(LIST, {}, admin);
      expect(list.body.errors).toBeUndefined();
      expect(list.body.data?.customers.edges.length).toBe(list.body.data?.customers.totalCount);
      await control.call('CLIENT', 'UNPAUSE');
      // The first edit's write, held by the pause, lands in Redis now: the version before the
      // second edit, with a fresh time. A serves its own edit over it...
      expect((await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin)).body.data?.customer.name).toBe(
        'Second rename',
      );
      // ...and, once its breaker probes Redis again, writes it there for the other replica.
      clock.advance(1_000);
      await a.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      expect((await b.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin)).body.data?.customer.name).toBe(
        'Second rename',
      );
    });
  });
});
