/**
 * The gateway as the account's guardian: its limiter keeps SalesBinder inside its limits under a
 * burst, a 429 blocks the account locally, and only safe failures are retried.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { CUSTOMER, UPDATE } from '../helpers/operations.ts';
import { type ScriptedUpstream, startScriptedUpstream } from '../helpers/scripted-upstream.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const saved = JSON.stringify({
  message: 'Saved',
  customer: seedCustomers().find((c) => c.id === DOC_EXAMPLE_ID),
});
const ok = (_req: unknown, res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(saved);
const status =
  (code: number, headers: Record<string, string> = {}) =>
  (_req: unknown, res: ServerResponse) =>
    res.writeHead(code, headers).end();

describe('a burst of 100 concurrent edits, with SalesBinder’s limits on', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      sandbox: { rateLimits: { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 } },
      env: { SALESBINDER_RATE_LIMITS: 'on' },
    });
  });
  afterAll(() => gw.close());

  it('never lets SalesBinder see more than its limit, and gives every caller a typed answer', async () => {
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: `Burst ${i}` } }, admin).then((r) => r.body),
      ),
    );
    const elapsed = Date.now() - started;
    const kinds = answers.map((a) => a.data?.updateCustomer?.__typename ?? 'GraphQL error');
    expect(kinds.filter((k) => k === 'UpdateCustomerSuccess')).toHaveLength(14); // 15 less one of headroom
    expect(kinds.filter((k) => k === 'SalesBinderRateLimitError')).toHaveLength(86);
    for (const a of answers) {
      if (a.data?.updateCustomer.__typename === 'SalesBinderRateLimitError') {
        expect(a.data.updateCustomer.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(a.data.updateCustomer.retryAfterSeconds).toBeLessThanOrEqual(10);
      }
    }
    // All of it happened well inside one 10 s window: what SalesBinder saw is what one window holds.
    expect(elapsed).toBeLessThan(10_000);
    expect(gw.sandbox.requests.length).toBeLessThanOrEqual(15);
    expect(gw.sandbox.requests.filter((r) => r.status === 429)).toHaveLength(0);
  });

  it('refuses queries over the rate limits with RATE_LIMITED and retryAfterSeconds', async () => {
    const { body } = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(body.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});

describe('against a scripted SalesBinder', () => {
  let upstream: ScriptedUpstream;
  let gw: TestGateway;
  const edit = () =>
    gw
      .graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'x' } }, admin)
      .then((r) => r.body.data?.updateCustomer);

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    upstream.hits.length = 0;
    gw = await startGateway({
      env: { SALESBINDER_URL: upstream.url, SALESBINDER_RATE_LIMITS: 'on', SALESBINDER_RETRY_BASE_MS: '5' },
    });
    return () => gw.close();
  });

  describe('a 429 blocks the account', () => {
    it('for Retry-After seconds when SalesBinder sends it, with no call while blocked', async () => {
      upstream.answer(status(429, { 'retry-after': '30' }));
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderRateLimitError', retryAfterSeconds: 30 });
      upstream.answer(ok);
      const again = await edit();
      expect(again.__typename).toBe('SalesBinderRateLimitError');
      expect(again.retryAfterSeconds).toBeGreaterThanOrEqual(29);
      expect(again.retryAfterSeconds).toBeLessThanOrEqual(30);
      const query = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      expect(query.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(upstream.hits).toHaveLength(1);
    });

    it('for a minute when SalesBinder sends no Retry-After', async () => {
      upstream.answer(status(429));
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderRateLimitError', retryAfterSeconds: 60 });
      upstream.answer(ok);
      expect((await edit()).retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(upstream.hits).toHaveLength(1);
    });
  });

  describe('retries', () => {
    it.each([502, 503, 504, 522])(
      'retries HTTP %i twice, then answers SalesBinderUnavailableError',
      async (code) => {
        upstream.answer(status(code));
        expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
        expect(upstream.hits).toHaveLength(3);
      },
    );

    it('succeeds when SalesBinder recovers within the retries, sending the same PUT each time', async () => {
      let n = 0;
      upstream.answer((req, res) => (++n < 3 ? status(503)(req, res) : ok(req, res)));
      expect((await edit()).__typename).toBe('UpdateCustomerSuccess');
      expect(upstream.hits).toHaveLength(3);
      expect(
        new Set(upstream.hits.map((h) => `${h.method} ${h.path} ${h.body} ${h.headers.authorization}`)).size,
      ).toBe(1);
    });

    it('retries a connection reset', async () => {
      upstream.answer((req) => req.socket.destroy());
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
      expect(upstream.hits).toHaveLength(3);
    });

    it.each([
      [500, 'SalesBinderUnavailableError'],
      [429, 'SalesBinderRateLimitError'],
      [401, 'SalesBinderAuthError'],
      [404, 'CustomerNotFoundError'],
      [422, 'CustomerInputError'],
    ])('does not retry HTTP %i', async (code, typename) => {
      upstream.answer(status(code));
      expect((await edit()).__typename).toBe(typename);
      expect(upstream.hits).toHaveLength(1);
    });

    it('spends the account’s rate limits on retries too', async () => {
      await gw.close();
      gw = await startGateway({
        env: {
          SALESBINDER_URL: upstream.url,
          SALESBINDER_RATE_LIMITS: 'on',
          SALESBINDER_RATE_LIMIT_10S: '4',
          SALESBINDER_RATE_HEADROOM: '0',
          SALESBINDER_RATE_MAX_WAIT_MS: '0',
          SALESBINDER_RETRY_BASE_MS: '5',
        },
      });
      upstream.answer(status(503));
      await edit(); // three attempts
      await edit(); // one attempt, then no slot left for a retry
      expect(upstream.hits).toHaveLength(4);
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderRateLimitError' });
      expect(upstream.hits).toHaveLength(4);
    });
  });
});
