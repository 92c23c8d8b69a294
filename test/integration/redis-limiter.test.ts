/**
 * Two real gateway processes (`node src/server.ts`, as replicas behind a load balancer run it) on
 * one Redis, in front of one sandbox with SalesBinder's real limits: together they stay inside the
 * account's limits and use all of its windows, a 429 seen by one blocks the account on both, and
 * a Redis outage leaves them answering on a local share until it is back.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { CUSTOMER, UPDATE } from '../helpers/operations.ts';
import { describeWithRedis, type RedisServer, startRedis } from '../helpers/redis-server.ts';

// One sandbox account per test, so that no test inherits another's windows.
const ACCOUNTS = ['burst', 'blocked', 'outage', 'after'];

type Replica = GatewayProcess;
const startReplica = startGatewayProcess;

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary GraphQL results.
async function graphql(replica: Replica, account: string, query: string, variables: object): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${replica.port}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: bearer(DEMO_ADMIN_KEY),
      'x-salesbinder-account': account,
    },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

/** Edits spread over the replicas in turn, all at once; resolves each answer's __typename. */
async function burst(replicas: Replica[], account: string, n: number) {
  const answers = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      graphql(replicas[i % replicas.length] as Replica, account, UPDATE, {
        id: DOC_EXAMPLE_ID,
        input: { name: `Burst ${i}` },
      }),
    ),
  );
  return answers.map((a) => a.data?.updateCustomer ?? { __typename: 'GraphQL error', errors: a.errors });
}

const successes = (answers: Array<{ __typename: string }>) =>
  answers.filter((a) => a.__typename === 'UpdateCustomerSuccess').length;

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithRedis('two gateway replicas sharing one Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let a: Replica;
  let b: Replica;
  const started: Replica[] = [];
  const seen = (account: string) => sandbox.requests.filter((r) => r.account === account);

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = createSandbox({ rateLimits: { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 } });
    const url = await sandbox.listen();
    const env = {
      SALESBINDER_ACCOUNTS: ACCOUNTS.join(','),
      SALESBINDER_ACCOUNT_URL: `${url}/{account}`,
      SALESBINDER_RATE_LIMITS: 'on',
      REDIS_URL: redis.url,
      // Redis given time to answer on a loaded machine: a replica whose command outlasts
      // REDIS_TIMEOUT_MS goes on its local share while the other still spends the shared windows
      // (a case redis-rate-limiter.ts leaves uncovered), which is not what these tests are about.
      REDIS_TIMEOUT_MS: '2000',
    };
    const launch = async () => {
      const replica = await startReplica(env);
      started.push(replica);
      return replica;
    };
    [a, b] = await Promise.all([launch(), launch()]);
  }, 30_000);

  afterAll(async () => {
    for (const replica of started) replica.child.kill('SIGKILL');
    await sandbox?.close();
    await redis?.stop();
  });

  it('never let SalesBinder see more than its limit in any window, and use the whole of its windows between them', async () => {
    const answers = await burst([a, b], 'burst', 40);
    // 15 less one of headroom, between both replicas: not 14 each (a 429), nor 7 each (wasted).
    expect(successes(answers)).toBe(14);
    for (const answer of answers.filter((x) => x.__typename !== 'UpdateCustomerSuccess')) {
      expect(answer).toMatchObject({ __typename: 'SalesBinderRateLimitError' });
      expect(answer.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(answer.retryAfterSeconds).toBeLessThanOrEqual(10);
    }
    const requests = seen('burst');
    expect(requests).toHaveLength(14);
    expect(requests.filter((r) => r.status === 429)).toHaveLength(0);
    for (const r of requests) {
      expect(requests.filter((s) => s.at > r.at - 10_000 && s.at <= r.at).length).toBeLessThanOrEqual(15);
    }
  });

  it('make the other replica refuse the account without calling SalesBinder once one of them got a 429', async () => {
    sandbox.faults.add({
      kind: 'status',
      status: 429,
      retryAfter: 30,
      times: 1,
      match: { path: '/blocked/' },
    });
    const first = await burst([a], 'blocked', 1);
    expect(first[0]).toMatchObject({ __typename: 'SalesBinderRateLimitError', retryAfterSeconds: 30 });
    expect(seen('blocked')).toHaveLength(1);

    const other = await burst([b], 'blocked', 1);
    expect(other[0]?.__typename).toBe('SalesBinderRateLimitError');
    expect(other[0]?.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(other[0]?.retryAfterSeconds).toBeLessThanOrEqual(30);
    const query = await graphql(b, 'blocked', CUSTOMER, { id: DOC_EXAMPLE_ID });
    expect(query.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(seen('blocked')).toHaveLength(1);
  });

  it('answer every call with a typed result on a local share while Redis is down, and share the windows again once it is back', async () => {
    await redis.stop();
    const during = await burst([a, b], 'outage', 20);
    expect(new Set(during.map((x) => x.__typename))).toEqual(
      new Set(['UpdateCustomerSuccess', 'SalesBinderRateLimitError']),
    );
    // Each replica keeps to half of the 14: the account stays inside its limit.
    expect(successes(during)).toBe(14);
    expect(seen('outage').filter((r) => r.status === 429)).toHaveLength(0);
    for (const replica of [a, b]) {
      expect(replica.child.exitCode).toBeNull();
      // Log lines are flushed every 250 ms: wait for it rather than race the flush.
      await expect.poll(() => replica.output.join('')).toMatch(/Redis is unreachable/);
    }

    const recoveries = (r: Replica) => r.output.join('').match(/Redis is back/g)?.length ?? 0;
    const before = [a, b].map(recoveries);
    await redis.start();
    await until(() => [a, b].every((r, i) => recoveries(r) > (before[i] ?? 0)), 8_000);
    // What the replicas spent on their shares was written back: the window is full for both.
    const again = await burst([a, b], 'outage', 4);
    expect(again.map((x) => x.__typename)).toEqual(Array(4).fill('SalesBinderRateLimitError'));
    // Blocks are shared again: a 429 seen by one replica keeps the other from calling.
    sandbox.faults.add({ kind: 'status', status: 429, retryAfter: 30, times: 1, match: { path: '/after/' } });
    expect((await burst([a], 'after', 1))[0]).toMatchObject({ retryAfterSeconds: 30 });
    expect((await burst([b], 'after', 1))[0]?.__typename).toBe('SalesBinderRateLimitError');
    expect(seen('after')).toHaveLength(1);
    expect(seen('outage').filter((r) => r.status === 429)).toHaveLength(0);
  });
});
