/**
 * The budget's single flight across two replicas, each with its own Redis store on one real
 * redis-server: a caller that looked at memory before the other replica's call ended, and takes
 * the lock only after it, reads memory again instead of calling.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSingleFlight } from '../../src/salesbinder/budget/single-flight.ts';
import { createRedisStore } from '../../src/salesbinder/budget/store/redis.ts';
import type { Retention } from '../../src/salesbinder/budget/store/store.ts';
import { createTestClock } from '../helpers/clock.ts';
import { describeWithRedis, type RedisServer, startRedis } from '../helpers/redis-server.ts';

const RETENTION: Retention = { entryMs: 60_000, heldMs: 1_800_000, trustMs: 300_000, lockMs: 2_000 };

describeWithRedis('single flight across replicas', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server.stop());

  it('reads memory again once it holds the lock: a call that ended on another replica meanwhile is not made twice', async () => {
    const clock = createTestClock();
    const replica = () => ({
      store: createRedisStore({
        url: server.url,
        timeoutMs: 2_000,
        keyPrefix: 'flight',
        retention: RETENTION,
      }),
      flight: createSingleFlight({ now: clock.now, waitMs: 5_000 }),
    });
    const [a, b] = [replica(), replica()];
    // What the call remembers, where both replicas read it.
    let memory: string | undefined;
    let calls = 0;
    const read = (locks: typeof a.store) => ({
      scope: 's',
      name: 'view:x',
      locks,
      call: async () => {
        calls++;
        memory = 'the answer';
        return memory;
      },
      remembered: async () => memory,
      afterWaiting: async () => memory ?? 'called again',
    });
    try {
      // B's caller looked at memory before A's call (nothing there), then A's call ran whole.
      expect(memory).toBeUndefined();
      expect(await a.flight.run(read(a.store))).toBe('the answer');
      expect(calls).toBe(1);
      // B now takes the free lock: its answer is the one A remembered, without a call.
      expect(await b.flight.run(read(b.store))).toBe('the answer');
      expect(calls).toBe(1);
      // A read memory does not answer is still called by the lock's holder.
      memory = undefined;
      expect(await b.flight.run(read(b.store))).toBe('the answer');
      expect(calls).toBe(2);
    } finally {
      await Promise.all([a.store.close(), b.store.close()]);
    }
  });
});
