import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { capsFor, IN_TRANSIT_MS } from '../../src/salesbinder/call-policy.ts';
import {
  createAttemptGate,
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

  /** Starts n acquisitions at once, each answered as soon as it is let through; resolves what became of each. */
  async function burst(l: ReturnType<typeof limiter>, n: number, account = 'acme') {
    const outcomes = Array.from({ length: n }, () =>
      l.acquire(account).then(
        (slot) => {
          slot.answered();
          return 'granted' as const;
        },
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
    const waiting = Array.from({ length: 5 }, () =>
      l.acquire('acme').then((slot) => {
        slot.answered();
        sent.push(Date.now());
      }),
    );
    await vi.runAllTimersAsync();
    await Promise.all(waiting);
    expect(sent).toEqual(Array(5).fill(first + 10_000));
    // Ten more fill this window; the next slot is then 10 s away, far more than 3 s.
    expect((await burst(l, 10)).every((o) => o === 'granted')).toBe(true);
    await expect(l.acquire('acme')).rejects.toMatchObject({ reason: 'rate_limit', retryAfterSeconds: 10 });
  });

  /**
   * Callers asking at these instants (ms after the start), each call arriving at SalesBinder some
   * time after it is let through and answered some time after it arrived, as `latency` draws:
   * resolves the arrivals, as SalesBinder counts them.
   */
  async function arrivalsOf(
    l: ReturnType<typeof limiter>,
    asks: number[],
    latency: (i: number) => { toArrive: number; toAnswer: number },
  ) {
    const start = Date.now();
    const arrivals: number[] = [];
    const calls = asks.map(async (askAt, i) => {
      await new Promise((resolve) => setTimeout(resolve, askAt));
      const slot = await l.acquire('acme', 15_000).catch(() => undefined);
      if (!slot) return;
      const { toArrive, toAnswer } = latency(i);
      await new Promise((resolve) => setTimeout(resolve, toArrive));
      arrivals.push(Date.now() - start);
      await new Promise((resolve) => setTimeout(resolve, toAnswer));
      slot.answered();
    });
    await vi.advanceTimersByTimeAsync(Math.max(...asks) + 120_000);
    await Promise.all(calls);
    return arrivals.sort((a, b) => a - b);
  }

  /** The most arrivals SalesBinder counts in any of its windows (it counts those less than `windowMs` before). */
  const mostInWindow = (arrivals: number[], windowMs: number) =>
    Math.max(0, ...arrivals.map((t) => arrivals.filter((a) => a <= t && a > t - windowMs).length));

  it('also holds the minute window: at most 50 calls in any 60 s', async () => {
    const l = limiter(2_000);
    const asks = Array.from({ length: 240 }, (_, i) => i * 500);
    const arrivals = await arrivalsOf(l, asks, () => ({ toArrive: 20, toAnswer: 20 }));
    expect(mostInWindow(arrivals, 60_000)).toBeLessThanOrEqual(50);
    expect(mostInWindow(arrivals, 10_000)).toBeLessThanOrEqual(15);
    expect(arrivals.length).toBeGreaterThanOrEqual(100);
  });

  it('frees a slot a window after the call answered, not a window after it was let through', async () => {
    const l = limiter(5_000);
    const first = Date.now();
    const slots = await Promise.all(Array.from({ length: 15 }, () => l.acquire('acme', 15_000)));
    // The burst took 800 ms to come back: one of its calls may have arrived as late as that.
    vi.advanceTimersByTime(800);
    for (const slot of slots) slot.answered();
    vi.advanceTimersByTime(9_200);
    const sent: number[] = [];
    const next = l.acquire('acme', 15_000).then(() => sent.push(Date.now()));
    await vi.runAllTimersAsync();
    await next;
    expect(sent).toEqual([first + 10_800]);
  });

  it('holds the slot of a call that never answered until its deadline, and a moment in transit, had passed', async () => {
    const l = limiter(60_000);
    const first = Date.now();
    await Promise.all(Array.from({ length: 15 }, () => l.acquire('acme', 4_000)));
    const sent: number[] = [];
    const next = l.acquire('acme', 60_000).then(() => sent.push(Date.now()));
    await vi.runAllTimersAsync();
    await next;
    expect(sent).toEqual([first + 4_000 + IN_TRANSIT_MS + 10_000]);
  });

  it('gives a slot back when its call was not sent', async () => {
    const l = limiter();
    const slots = await Promise.all(Array.from({ length: 15 }, () => l.acquire('acme', 15_000)));
    // Told when a slot likely frees (should the calls on their way answer now), not their deadline.
    await expect(l.acquire('acme', 15_000)).rejects.toMatchObject({ retryAfterSeconds: 10 });
    slots[0]?.unused();
    await expect(l.acquire('acme', 15_000)).resolves.toBeDefined();
  });

  it('never lets SalesBinder count more than its limit, whatever the latency, at the edge of every window', async () => {
    // Bursts of ten at every "second" (the aliased searches), with latencies that vary by
    // call: a burst released after a full window would arrive inside it if slots freed on reservation.
    const l = limiter(2_000, 1);
    const asks = Array.from({ length: 60 }, (_, s) => Array(10).fill(s * 1_000)).flat();
    let seed = 7;
    const draw = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const arrivals = await arrivalsOf(l, asks, (i) => ({
      toArrive: i % 10 < 5 ? Math.floor(draw() * 900) : Math.floor(draw() * 20),
      toAnswer: Math.floor(draw() * 100),
    }));
    expect(mostInWindow(arrivals, 10_000)).toBeLessThanOrEqual(14);
    expect(mostInWindow(arrivals, 60_000)).toBeLessThanOrEqual(49);
    expect(arrivals.length).toBeGreaterThanOrEqual(49);
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
    await expect(l.acquire('acme')).resolves.toBeDefined();
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
          (slot) => {
            slot.answered();
            return true;
          },
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
      expect(capsFor('newcomer', 14, 49)).toEqual({ short: 13, long: 45, waitFactor: 4 });
      expect(capsFor('read', 14, 49)).toEqual({ short: 13, long: 45, waitFactor: 1 });
      expect(capsFor('slice', 14, 49)).toEqual({ short: 8, long: 29, waitFactor: 4 });
    });

    it('never lets background work wait for a slot: an edit never queues behind it', async () => {
      const l = limiter(5_000, 1);
      for (let i = 0; i < 11; i++) (await l.acquire('acme', undefined, 'background')).answered();
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

describe('a fair share per person', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const request = (caller: string, priority: CallPriority = 'read') =>
    ({
      account: 'acme',
      endpoint: 'customers.list',
      origin: 'https://acme.salesbinder.com',
      path: '/',
      method: 'GET',
      headers: {},
      priority,
      caller,
    }) as const;

  /** A gate on 15 per 10 s (less one of headroom), where no call waits. */
  const gateOf = () =>
    createAttemptGate(
      createMemoryRateLimiter({ perTenSeconds: 15, perMinute: 50, headroom: 1, maxWaitMs: 0 }, () =>
        Date.now(),
      ),
    );

  /** How many of n calls for this caller the gate lets through at once (each answered at once). */
  async function admitted(
    gate: ReturnType<typeof gateOf>,
    caller: string,
    n: number,
    priority?: CallPriority,
  ) {
    let granted = 0;
    for (let i = 0; i < n; i++) {
      const admission = await gate.admit(request(caller, priority), 15_000);
      if (admission instanceof Error) continue;
      admission.answered();
      granted++;
    }
    return granted;
  }

  it('lets a person alone use every slot', async () => {
    // Reads leave one slot of the 14 to edits.
    expect(await admitted(gateOf(), 'alone', 20)).toBe(13);
  });

  it('holds one person to a quarter of the windows while three others use the account, and leaves the rest to them', async () => {
    const gate = gateOf();
    // Three people called lately; then one asks without pause.
    for (const caller of ['ann', 'bob', 'cy']) expect(await admitted(gate, caller, 1)).toBe(1);
    expect(await admitted(gate, 'hog', 20)).toBe(3);
    const refusal = await gate.admit(request('hog'), 15_000);
    expect(refusal).toMatchObject({ reason: 'person_share', retryAfterSeconds: 10 });
    expect((refusal as Error).message).toMatch(/this key has used its share/);
    // The others are served, each up to their own share.
    expect(await admitted(gate, 'ann', 2)).toBe(2);
    expect(await admitted(gate, 'bob', 2)).toBe(2);
    // A minute on, with the others at work again, the hog's share is back.
    vi.advanceTimersByTime(61_000);
    for (const caller of ['ann', 'bob', 'cy']) await admitted(gate, caller, 1);
    expect(await admitted(gate, 'hog', 20)).toBe(3);
  });

  it('counts what a person took alone once others come', async () => {
    const gate = gateOf();
    expect(await admitted(gate, 'hog', 20)).toBe(13);
    vi.advanceTimersByTime(11_000);
    expect(await admitted(gate, 'hog', 20)).toBe(13);
    vi.advanceTimersByTime(11_000);
    for (const caller of ['ann', 'bob']) expect(await admitted(gate, caller, 1)).toBe(1);
    // The minute still holds the hog's 26: past a third of it (16 of 49).
    expect(await gate.admit(request('hog'), 15_000)).toMatchObject({ reason: 'person_share' });
  });

  it('keeps edits first and background work no one’s: neither is held to a person’s share', async () => {
    const gate = gateOf();
    for (const caller of ['ann', 'bob']) await admitted(gate, caller, 1);
    // Three people: a third of the windows each.
    expect(await admitted(gate, 'hog', 10, 'read')).toBe(4);
    // Its edits may take every slot left of the 14.
    expect(await admitted(gate, 'hog', 10, 'edit')).toBe(8);
    vi.advanceTimersByTime(61_000);
    for (const caller of ['ann', 'bob']) await admitted(gate, caller, 1);
    expect(await admitted(gate, 'hog', 20, 'background')).toBe(9);
  });
});
