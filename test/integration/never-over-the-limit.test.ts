/**
 * The issue's case, against a sandbox that counts calls when they arrive and adds latency: one
 * valid key sends, once a "second", one request with ten aliased searches for new terms. The
 * gateway must never make SalesBinder answer 429, with its in-memory limiter and with two
 * replicas sharing Redis. The windows are a tenth of SalesBinder's on both sides (1 s and 6 s), so
 * that the test crosses many windows' edges in a few seconds.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import {
  createAttemptGate,
  createMemoryRateLimiter,
  type RateLimiter,
  type RateLimits,
} from '../../src/salesbinder/rate-limits/rate-limiter.ts';
import { createRedisRateLimiter } from '../../src/salesbinder/rate-limits/redis-rate-limiter.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { DEMO_VIEWER_KEY } from '../../src/sandbox/seed.ts';
import { createGuardedTransport } from '../../src/transport/guarded-transport.ts';
import { createHttpTransport } from '../../src/transport/http.ts';
import { bearer } from '../helpers/keys.ts';
import { describeWithRedis, type RedisServer, startRedis } from '../helpers/redis-server.ts';

const WINDOWS = { short: 1_000, long: 6_000 };
/** A "second" of the run, at a tenth of the time. */
const SECOND = 100;
const LIMITS: RateLimits = { perTenSeconds: 15, perMinute: 50, headroom: 1, maxWaitMs: 200 };
const logger = createLogger({ level: 'silent' });

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = createSandbox({
    rateLimits: { perTenSeconds: 15, perMinute: 50, blockSeconds: 60, windowsMs: WINDOWS },
  });
  await sandbox.listen();
});
afterAll(() => sandbox.close());

/** A gateway on the sandbox whose calls pass this limiter. */
function gatewayWith(limiter: RateLimiter): App {
  const config = loadConfig({ SALESBINDER_URL: sandbox.url, NODE_ENV: 'test' });
  const transport = createGuardedTransport(createHttpTransport(config.http), {
    ...config.retry,
    gate: createAttemptGate(limiter),
  });
  return createApp({
    config,
    upstream: { mode: 'single', baseUrl: new URL(sandbox.url) },
    logger,
    transport,
    metrics: false,
  });
}

/** Ten aliased searches, each for a term no one asked before. */
const tenNewSearches = (round: number) =>
  `{ ${Array.from(
    { length: 10 },
    (_, i) => `s${i}: customers(search: "term-${round}-${i}", first: 1) { totalCount }`,
  ).join(' ')} }`;

/** Runs the pattern over the gateways in turn; resolves the searches answered and refused. */
async function aliasedSearchesEverySecond(gateways: App[], seconds: number) {
  sandbox.reset();
  // Half the calls take 60 ms to arrive, half arrive at once: a burst released at a window's edge
  // would arrive inside the window of slower calls before it.
  sandbox.faults.add({ kind: 'delay', delayMs: 60, rate: 0.5 });
  let answered = 0;
  let refused = 0;
  const requests: Promise<void>[] = [];
  for (let round = 0; round < seconds; round++) {
    const gateway = gateways[round % gateways.length] as App;
    requests.push(
      Promise.resolve(
        gateway.yoga.fetch('http://gateway/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: bearer(DEMO_VIEWER_KEY) },
          body: JSON.stringify({ query: tenNewSearches(round) }),
        }),
      ).then(async (response) => {
        const body = (await response.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
        answered += Object.values(body.data ?? {}).filter((v) => v !== null).length;
        refused += body.errors?.length ?? 0;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, SECOND));
  }
  await Promise.all(requests);
  const calls = sandbox.requests.filter((r) => r.path.includes('customers'));
  return { answered, refused, calls: calls.length, tooMany: calls.filter((r) => r.status === 429).length };
}

it('never makes SalesBinder answer 429 to ten aliased new searches a second (in-memory limiter)', async () => {
  const gateway = gatewayWith(createMemoryRateLimiter(LIMITS, Date.now, [], WINDOWS));
  const run = await aliasedSearchesEverySecond([gateway], 40);
  await gateway.close();
  expect(run.tooMany).toBe(0);
  // The account's budget is used, not hoarded: 4 s of 1-s windows hold about 49 calls' worth.
  expect(run.calls).toBeGreaterThanOrEqual(40);
  expect(run.refused).toBeGreaterThan(0);
});

describeWithRedis('with two replicas sharing Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());

  it('never makes SalesBinder answer 429 to ten aliased new searches a second, sent to either replica', async () => {
    const limiters = [0, 1].map(() =>
      createRedisRateLimiter({
        url: redis.url,
        // A loaded machine must not make a replica give up on Redis here: that is another test.
        timeoutMs: 2_000,
        keyPrefix: 'edge',
        fallbackReplicas: 2,
        limits: LIMITS,
        logger,
        windowsMs: WINDOWS,
      }),
    );
    const gateways = limiters.map(gatewayWith);
    const run = await aliasedSearchesEverySecond(gateways, 40);
    await Promise.all([...gateways.map((g) => g.close()), ...limiters.map((l) => l.close())]);
    expect(run.tooMany).toBe(0);
    expect(run.calls).toBeGreaterThanOrEqual(40);
  });
});
