/**
 * Every fault the sandbox can play, through the gateway: the typed answer the contract names,
 * how many attempts reached SalesBinder, and a gateway still healthy afterwards.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../src/sandbox/sandbox.ts';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { CUSTOMER, UPDATE } from '../helpers/operations.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };

const MATRIX: Array<[string, Fault, Record<string, unknown>, string, number]> = [
  // name, fault, expected payload, query error code, attempts
  [
    'HTTP 500',
    { kind: 'status', status: 500 },
    { __typename: 'SalesBinderUnavailableError', retryable: true },
    'UPSTREAM_UNAVAILABLE',
    1,
  ],
  [
    'HTTP 502',
    { kind: 'status', status: 502 },
    { __typename: 'SalesBinderUnavailableError', retryable: true },
    'UPSTREAM_UNAVAILABLE',
    3,
  ],
  [
    'HTTP 503',
    { kind: 'status', status: 503 },
    { __typename: 'SalesBinderUnavailableError', retryable: true },
    'UPSTREAM_UNAVAILABLE',
    3,
  ],
  [
    'HTTP 504',
    { kind: 'status', status: 504 },
    { __typename: 'SalesBinderUnavailableError', retryable: true },
    'UPSTREAM_UNAVAILABLE',
    3,
  ],
  [
    'HTTP 522 as an HTML page',
    { kind: 'status', status: 522, html: true },
    { __typename: 'SalesBinderUnavailableError', retryable: true },
    'UPSTREAM_UNAVAILABLE',
    3,
  ],
  [
    'HTTP 429 with Retry-After',
    { kind: 'status', status: 429, retryAfter: 7 },
    { __typename: 'SalesBinderRateLimitError', retryAfterSeconds: 7 },
    'RATE_LIMITED',
    1,
  ],
  ['HTTP 403', { kind: 'status', status: 403 }, { __typename: 'SalesBinderPermissionError' }, 'FORBIDDEN', 1],
  [
    'a stall before the headers',
    { kind: 'stall' },
    { __typename: 'SalesBinderUnavailableError', retryable: true },
    'UPSTREAM_UNAVAILABLE',
    1,
  ],
  [
    'a stall in the body',
    { kind: 'stall', afterHeaders: true },
    { __typename: 'SalesBinderUnavailableError', retryable: true },
    'UPSTREAM_UNAVAILABLE',
    1,
  ],
  [
    'a connection reset',
    { kind: 'reset' },
    { __typename: 'SalesBinderUnavailableError', retryable: true },
    'UPSTREAM_UNAVAILABLE',
    3,
  ],
  [
    'a malformed body',
    { kind: 'malformed' },
    { __typename: 'SalesBinderUnavailableError', retryable: false },
    'UPSTREAM_UNAVAILABLE',
    1,
  ],
  [
    'an oversized body',
    { kind: 'oversized', bytes: 2_097_152 },
    { __typename: 'SalesBinderUnavailableError', retryable: false },
    'UPSTREAM_UNAVAILABLE',
    1,
  ],
  [
    'a redirect',
    { kind: 'redirect' },
    { __typename: 'SalesBinderUnavailableError', retryable: false },
    'UPSTREAM_UNAVAILABLE',
    1,
  ],
  [
    'an HTML maintenance page',
    { kind: 'html' },
    { __typename: 'SalesBinderUnavailableError', retryable: false },
    'UPSTREAM_UNAVAILABLE',
    1,
  ],
];

describe('the fault matrix', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      env: {
        SALESBINDER_HEADERS_TIMEOUT_MS: '300',
        SALESBINDER_BODY_TIMEOUT_MS: '300',
        SALESBINDER_DEADLINE_MS: '3000',
        SALESBINDER_RETRY_BASE_MS: '5',
      },
    });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  it.each(MATRIX)('answers %s with its typed failure', async (_, fault, expected, code, attempts) => {
    gw.sandbox.faults.add(fault);
    const { body } = await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'x' } }, admin);
    expect(body.data?.updateCustomer).toMatchObject(expected);
    expect(gw.sandbox.requests).toHaveLength(attempts);

    const query = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
    expect(query.body.errors?.[0]?.extensions?.code).toBe(code);

    gw.sandbox.faults.clear();
    expect((await gw.fetch('/health')).status).toBe(200);
    const after = await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'healthy' } }, admin);
    expect(after.body.data?.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
  });

  it('rides out two 503s with retries and saves', async () => {
    gw.sandbox.faults.add({ kind: 'status', status: 503, times: 2 });
    const { body } = await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'third time' } }, admin);
    expect(body.data?.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
    expect(gw.sandbox.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('waits out a delay shorter than its timeouts', async () => {
    gw.sandbox.faults.add({ kind: 'delay', delayMs: 150 });
    const { body } = await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'slow' } }, admin);
    expect(body.data?.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
  });

  it('gives up within its deadline when SalesBinder never answers', async () => {
    gw.sandbox.faults.add({ kind: 'delay', delayMs: 60_000 });
    const started = Date.now();
    const { body } = await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'x' } }, admin);
    expect(body.data?.updateCustomer).toMatchObject({
      __typename: 'SalesBinderUnavailableError',
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(3_500);
  });
});
