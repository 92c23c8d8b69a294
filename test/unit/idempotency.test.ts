/**
 * createCustomer's idempotencyKey (src/salesbinder/idempotency.ts): what is kept and what is not,
 * the bound in memory, and, with a real redis-server, replicas sharing outcomes under hashed keys
 * that all expire, a call under way on another replica waited for up to its lease, and a lost
 * Redis costing the guarantee across replicas, never an answer. `create` plays SalesBinder.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SavedCustomer } from '../../src/salesbinder/api.ts';
import { SalesBinderError } from '../../src/salesbinder/errors.ts';
import {
  createIdempotency,
  fingerprintOf,
  IdempotencyKeyReusedError,
} from '../../src/salesbinder/idempotency.ts';
import { createTestClock } from '../helpers/clock.ts';
import { describeWithRedis, type RedisServer, startRedis } from '../helpers/redis-server.ts';

const scope = { account: 'https://acme.salesbinder.com', keyHash: 'hash-of-the-api-key' };
const DAY_MS = 24 * 60 * 60 * 1000;

function account(n: number): SavedCustomer {
  return {
    message: 'Saved',
    customer: {
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      customerNumber: n,
      kind: 'CUSTOMER',
      name: `Account ${n}`,
      officeEmail: null,
      officePhone: null,
      officeFax: null,
      url: null,
      vatNumber: null,
      billingAddress: { line1: null, line2: null, city: null, region: null, country: null, postalCode: null },
      shippingAddress: {
        line1: null,
        line2: null,
        city: null,
        region: null,
        country: null,
        postalCode: null,
      },
      archived: null,
      createdAt: new Date(Date.UTC(2026, 0, 5, 9)),
      modifiedAt: new Date(Date.UTC(2026, 0, 5, 9)),
    },
  };
}

/** SalesBinder as `create` plays it: each call creates the next account. */
function salesbinder() {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    create: async () => account(++calls),
  };
}

const lostAnswer = () =>
  new SalesBinderError('SB_UNREADABLE', 'the answer was lost after sending', { mayHaveWritten: true });

describe('idempotency keys in one process', () => {
  it('answers a repeated key with the first account, creating one', async () => {
    const keys = createIdempotency();
    const sb = salesbinder();
    const first = await keys.once(scope, 'k', 'fp', sb.create);
    expect(await keys.once(scope, 'k', 'fp', sb.create)).toEqual(first);
    expect(sb.calls).toBe(1);
    // Another API key or another account: another create.
    await keys.once({ ...scope, keyHash: 'another' }, 'k', 'fp', sb.create);
    await keys.once({ ...scope, account: 'https://globex.salesbinder.com' }, 'k', 'fp', sb.create);
    expect(sb.calls).toBe(3);
  });

  it('makes a concurrent call wait for the first and share its outcome', async () => {
    const keys = createIdempotency();
    const sb = salesbinder();
    const [a, b] = await Promise.all([
      keys.once(scope, 'k', 'fp', sb.create),
      keys.once(scope, 'k', 'fp', sb.create),
    ]);
    expect(b).toEqual(a);
    expect(sb.calls).toBe(1);
  });

  it('keeps a failure after which the account may exist, and not one that proves nothing was created', async () => {
    const keys = createIdempotency();
    let calls = 0;
    const lost = async (): Promise<SavedCustomer> => {
      calls++;
      throw lostAnswer();
    };
    await expect(keys.once(scope, 'lost', 'fp', lost)).rejects.toMatchObject({ code: 'SB_UNREADABLE' });
    await expect(keys.once(scope, 'lost', 'fp', lost)).rejects.toMatchObject({
      code: 'SB_UNREADABLE',
      mayHaveWritten: true,
    });
    expect(calls).toBe(1);

    const refused = async (): Promise<SavedCustomer> => {
      calls++;
      throw new SalesBinderError('SB_RATE_LIMITED', 'later', { retryAfterSeconds: 5 });
    };
    await expect(keys.once(scope, 'limited', 'fp', refused)).rejects.toMatchObject({
      code: 'SB_RATE_LIMITED',
    });
    const sb = salesbinder();
    await keys.once(scope, 'limited', 'fp', sb.create);
    expect(sb.calls).toBe(1);
  });

  it('refuses a key used again with another input', async () => {
    const keys = createIdempotency();
    const sb = salesbinder();
    await keys.once(scope, 'k', fingerprintOf({ name: 'A' }), sb.create);
    await expect(keys.once(scope, 'k', fingerprintOf({ name: 'B' }), sb.create)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect(sb.calls).toBe(1);
  });

  it('holds at most maxEntries keys in memory, the least recently used forgotten first', async () => {
    const keys = createIdempotency({ settings: { maxEntries: 2 } });
    const sb = salesbinder();
    for (const key of ['a', 'b', 'c']) await keys.once(scope, key, 'fp', sb.create);
    await keys.once(scope, 'c', 'fp', sb.create);
    expect(sb.calls).toBe(3);
    await keys.once(scope, 'a', 'fp', sb.create);
    expect(sb.calls).toBe(4);
  });
});

describeWithRedis('idempotency keys shared in Redis', () => {
  let redis: RedisServer;
  let reader: Redis;
  let prefix = 0;
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    redis = await startRedis();
    reader = new Redis(redis.url);
  });
  afterAll(async () => {
    await Promise.all(open.map((keys) => keys.close()));
    reader.disconnect();
    await redis.stop();
  });

  function replica(now?: () => number, sleep?: (ms: number) => Promise<void>) {
    const keys = createIdempotency({
      redis: { url: redis.url, timeoutMs: 1_000, keyPrefix: `idem${prefix}` },
      settings: { leaseMs: 5_000, pollMs: 10 },
      ...(now && { now }),
      ...(sleep && { sleep }),
    });
    open.push(keys);
    return keys;
  }

  it('answers on one replica what the other created, under hashed keys that all expire within 24 hours', async () => {
    prefix++;
    const sb = salesbinder();
    const first = await replica().once(scope, 'order-42', 'fp', sb.create);
    expect(await replica().once(scope, 'order-42', 'fp', sb.create)).toEqual(first);
    expect(sb.calls).toBe(1);
    const stored = await reader.keys(`idem${prefix}:*`);
    expect(stored).toHaveLength(1);
    for (const key of stored) {
      expect(key).not.toContain('order-42');
      expect(key).not.toContain(scope.keyHash);
      const ttl = await reader.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(DAY_MS);
      expect(await reader.get(key)).not.toContain('order-42');
    }
  });

  it('makes a call on another replica wait for one under way, and share its outcome', async () => {
    prefix++;
    const sb = salesbinder();
    let started = () => {};
    const claimed = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release = () => {};
    const slow = () =>
      new Promise<SavedCustomer>((resolve) => {
        release = () => void sb.create().then(resolve);
        started();
      });
    const first = replica().once(scope, 'k', 'fp', slow);
    // The first replica holds the key in Redis once its create has started.
    await claimed;
    // The second replica finds the first one's claim and waits: it sleeps between looks.
    let looked = () => {};
    const waiting = new Promise<void>((resolve) => {
      looked = resolve;
    });
    const sleep = (ms: number) => {
      looked();
      return new Promise<void>((resolve) => setTimeout(resolve, ms));
    };
    const second = replica(undefined, sleep).once(scope, 'k', 'fp', sb.create);
    await Promise.race([waiting, second]);
    expect(sb.calls).toBe(0);
    release();
    expect(await second).toEqual(await first);
    expect(sb.calls).toBe(1);
  });

  it('takes a call under way past its lease (a replica lost mid-create) as an outcome lost: no second create', async () => {
    prefix++;
    const clock = createTestClock();
    const sb = salesbinder();
    // The first replica holds the key in Redis once its create (which never ends) has started.
    await new Promise<void>((started) => {
      void replica(clock.now).once(scope, 'k', 'fp', () => {
        started();
        return new Promise<SavedCustomer>(() => {});
      });
    });
    clock.advance(5_001);
    await expect(replica(clock.now).once(scope, 'k', 'fp', sb.create)).rejects.toMatchObject({
      code: 'SB_UNREADABLE',
      mayHaveWritten: true,
    });
    expect(sb.calls).toBe(0);
  });

  it('goes on alone while Redis is away: the answer still comes, and this replica still keeps its own', async () => {
    const keys = createIdempotency({
      redis: { url: 'redis://127.0.0.1:1', timeoutMs: 100, keyPrefix: 'away' },
    });
    open.push(keys);
    const sb = salesbinder();
    const first = await keys.once(scope, 'k', 'fp', sb.create);
    expect(await keys.once(scope, 'k', 'fp', sb.create)).toEqual(first);
    expect(sb.calls).toBe(1);
  });
});
