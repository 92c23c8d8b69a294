import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  capsFor,
  createMemoryRateLimiter,
  RateLimitRefusal,
} from '../../src/salesbinder/rate-limits/rate-limiter.ts';
import type { CallPriority } from '../../src/transport/http.ts';

describe('the per-account rate limiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const limiter = (maxWaitMs = 0, headroom = 0) =>
    createMemoryRateLimiter({ perTenSeconds: 15, perMinute: 50, headroom, maxWaitMs }, () => Date.now());

  /** Starts n acquisitions at once; resolves how many went at once, waited, and were refused. */
  async function burst(l: ReturnType<typeof limiter>, n: number, account = 'acme') {
    const outcomes = Array.from({ length: n }, () =>
      l.acquire(account).then(
        () => 'granted' as const,
        (e: unknown) => (e instanceof RateLimitRefusal ? ('refused' as const) : ('error' as const)),
      ),
    );
    await vi.runAllTimersAsync();
    return Promise.all(outcomes);
  }

  it('grants 15 calls in 10 s and refuses the 16th, with the seconds until a slot frees', async () => {
    const l = limiter();
    expect((await burst(l, 15)).every((o) => o === 'granted')).toBe(true);
    const refusal = await l.acquire('acme').catch((e: RateLimitRefusal) => e);
    expect(refusal).toBeInstanceOf(RateLimitRefusal);
    expect((refusal as RateLimitRefusal).retryAfterSeconds).toBe(10);
    expect((refusal as RateLimitRefusal).reason).toBe('rate_limit');
  });

  it('keeps headroom in reserve', async () => {
    const outcomes = await burst(limiter(0, 2), 15);
    expect(outcomes.filter((o) => o === 'granted')).toHaveLength(13);
  });

  it('makes a call wait for a slot when the wait is short enough, and refuses when it is not', async () => {
    const l = limiter(3_000);
    const sent: number[] = [];
    await burst(l, 15);
    const first = Date.now();
    vi.advanceTimersByTime(8_000);
    // Slots free up 10 s after the first 15: two seconds away, within the 3 s a call may wait.
    const waiting = Array.from({ length: 5 }, () => l.acquire('acme').then(() => sent.push(Date.now())));
    await vi.runAllTimersAsync();
    await Promise.all(waiting);
    expect(sent).toEqual(Array(5).fill(first + 10_000));
    // Ten more fill this window; the next slot is then 10 s away, far more than 3 s.
    expect((await burst(l, 10)).every((o) => o === 'granted')).toBe(true);
    await expect(l.acquire('acme')).rejects.toMatchObject({ reason: 'rate_limit', retryAfterSeconds: 10 });
  });

  it('also holds the minute window: at most 50 calls in any 60 s', async () => {
    const l = limiter(60_000);
    const sent: number[] = [];
    const calls = Array.from({ length: 80 }, () =>
      l.acquire('acme').then(
        () => sent.push(Date.now()),
        () => undefined,
      ),
    );
    await vi.advanceTimersByTimeAsync(120_000);
    await Promise.all(calls);
    for (const t of sent) expect(sent.filter((s) => s > t - 60_000 && s <= t).length).toBeLessThanOrEqual(50);
    for (const t of sent) expect(sent.filter((s) => s > t - 10_000 && s <= t).length).toBeLessThanOrEqual(15);
    expect(sent.length).toBeGreaterThanOrEqual(50);
  });

  it('keeps accounts apart', async () => {
    const l = limiter();
    await burst(l, 15, 'acme');
    expect((await burst(l, 15, 'globex')).every((o) => o === 'granted')).toBe(true);
  });

  it('fails every call fast while a block is open, then lets calls through again', async () => {
    const l = limiter(5_000);
    await l.block('acme', 60);
    const refusal = await l.acquire('acme').catch((e: RateLimitRefusal) => e);
    expect(refusal).toMatchObject({ reason: 'blocked', retryAfterSeconds: 60 });
    expect(await l.blockedFor('acme')).toBe(60);
    expect(await l.blockedAccounts()).toEqual(['acme']);
    vi.advanceTimersByTime(60_000);
    await expect(l.acquire('acme')).resolves.toBeUndefined();
    expect(await l.blockedAccounts()).toEqual([]);
  });

  it('does not send a waiting call once a block opened while it waited', async () => {
    const l = limiter(15_000);
    await burst(l, 15);
    const waiting = l.acquire('acme').catch((e: RateLimitRefusal) => e);
    await l.block('acme', 60);
    await vi.runAllTimersAsync();
    expect(await waiting).toMatchObject({ reason: 'blocked' });
  });

  describe('priorities', () => {
    /** How many calls of this priority an empty account grants at once, and then how many edits. */
    async function fill(priority: CallPriority, maxWaitMs = 0) {
      const l = limiter(maxWaitMs, 1);
      let granted = 0;
      for (;;) {
        const ok = await l.acquire('acme', undefined, priority).then(
          () => true,
          () => false,
        );
        if (!ok) break;
        granted++;
      }
      let edits = 0;
      while (
        await l.acquire('acme', undefined, 'edit').then(
          () => true,
          () => false,
        )
      )
        edits++;
      return { granted, edits };
    }

    it('lets edits take every slot, and leaves slots free for edits under every other priority', async () => {
      expect(await fill('edit')).toEqual({ granted: 14, edits: 0 });
      expect(await fill('read')).toEqual({ granted: 13, edits: 1 });
      expect(await fill('background')).toEqual({ granted: 11, edits: 3 });
      expect(await fill('newcomer')).toEqual({ granted: 13, edits: 1 });
    });

    it('leaves a reserve for accepted keys, and gives newcomers a slice of their own, and a longer wait for their first screen', async () => {
      expect(capsFor('newcomer', 14, 49)).toEqual({ short: 13, long: 45, waitFactor: 2 });
      expect(capsFor('read', 14, 49)).toEqual({ short: 13, long: 45, waitFactor: 1 });
      expect(capsFor('slice', 14, 49)).toEqual({ short: 8, long: 29, waitFactor: 2 });
    });

    it('never lets background work wait for a slot: an edit never queues behind it', async () => {
      const l = limiter(5_000, 1);
      for (let i = 0; i < 11; i++) await l.acquire('acme', undefined, 'background');
      const refused = await l.acquire('acme', undefined, 'background').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RateLimitRefusal);
      // The edit goes at once: no background reservation sits ahead of it.
      const before = Date.now();
      await l.acquire('acme', undefined, 'edit');
      expect(Date.now()).toBe(before);
    });

    it('reports the calls granted in each window, per account', async () => {
      const l = limiter(0, 1);
      await burst(l, 3);
      await burst(l, 2, 'globex');
      vi.advanceTimersByTime(11_000);
      await burst(l, 1);
      expect(await l.usage()).toEqual([
        { account: 'acme', tenSeconds: 1, minute: 4 },
        { account: 'globex', tenSeconds: 0, minute: 2 },
      ]);
    });
  });
});
