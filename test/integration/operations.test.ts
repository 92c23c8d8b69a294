/**
 * What operators get: Prometheus metrics on their own listener, request ids end to end, one log
 * line per request and per SalesBinder call, OpenTelemetry spans (checked with an in-memory
 * exporter), readiness that reflects blocked accounts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tracer } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { createTestClock } from '../helpers/clock.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY, findLeaks } from '../helpers/keys.ts';
import { CUSTOMER, UPDATE } from '../helpers/operations.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };

/** The value of one sample of the exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.split(' ').at(-1));
  }
  return undefined;
}

/** The exposition, read from the gateway's metrics listener. */
async function scrapeOf(gw: TestGateway): Promise<string> {
  const response = await fetch(`${gw.metricsUrl}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/text\/plain/);
  return response.text();
}

describe('metrics', () => {
  let gw: TestGateway;
  const scrape = () => scrapeOf(gw);
  beforeAll(async () => {
    gw = await startGateway({ env: { SALESBINDER_RETRY_BASE_MS: '1' } });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  it('counts GraphQL operations by name, type and outcome, and edits by payload member', async () => {
    await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'Metered' } }, admin);
    await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: ' ' } }, admin);
    // A name SalesBinder has seen served is a label from then on, whoever sends it.
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, {});
    const text = await scrape();
    expect(
      sample(text, 'graphql_operations_total', {
        operation_name: 'Update',
        operation_type: 'mutation',
        outcome: 'success',
      }),
    ).toBe(2);
    expect(
      sample(text, 'graphql_operations_total', {
        operation_name: 'Customer',
        operation_type: 'query',
        outcome: 'error',
      }),
    ).toBe(1);
    expect(sample(text, 'graphql_update_customer_results_total', { type: 'UpdateCustomerSuccess' })).toBe(1);
    expect(sample(text, 'graphql_update_customer_results_total', { type: 'CustomerInputError' })).toBe(1);
    expect(sample(text, 'graphql_operation_duration_seconds_count', { operation_type: 'mutation' })).toBe(2);
  });

  it('counts SalesBinder calls by endpoint, status class and outcome, with latency and retries', async () => {
    gw.sandbox.faults.add({ kind: 'status', status: 503, times: 1 });
    await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'Retried' } }, admin);
    await gw.graphql(CUSTOMER, { id: '00000000-0000-4000-8000-000000000000' }, admin);
    const text = await scrape();
    expect(
      sample(text, 'salesbinder_requests_total', {
        endpoint: 'customers.edit',
        status_class: '5xx',
        outcome: 'http_error',
      }),
    ).toBe(1);
    expect(
      sample(text, 'salesbinder_requests_total', {
        endpoint: 'customers.edit',
        status_class: '2xx',
        outcome: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'salesbinder_requests_total', { endpoint: 'customers.view', status_class: '4xx' }),
    ).toBe(1);
    expect(sample(text, 'salesbinder_retries_total', { endpoint: 'customers.edit' })).toBe(1);
    expect(
      sample(text, 'salesbinder_request_duration_seconds_count', { endpoint: 'customers.edit' }),
    ).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
  });

  it('serves /metrics on its own listener only: the API port answers 404, as for any unknown path', async () => {
    expect((await fetch(`${gw.metricsUrl}/metrics`)).status).toBe(200);
    expect((await gw.fetch('/metrics')).status).toBe(404);
    expect((await fetch(`${gw.metricsUrl}/graphql`)).status).toBe(404);
  });

  it('can be turned off', async () => {
    const quiet = await startGateway({ env: { METRICS: 'off' } });
    try {
      expect(quiet.metricsUrl).toBeUndefined();
      expect((await quiet.fetch('/metrics')).status).toBe(404);
    } finally {
      await quiet.close();
    }
  });
});

describe('operation names as labels', () => {
  const names = (text: string) =>
    new Set([...text.matchAll(/^graphql_operations_total\{operation_name="([^"]*)"/gm)].map((m) => m[1]));

  it('does not let 200+ names from a caller without a working key stop a real operation from counting under its own name', async () => {
    const gw = await startGateway();
    try {
      for (let i = 0; i < 205; i++) await gw.graphql(`query Q${i} { __typename }`);
      for (let i = 0; i < 5; i++)
        await gw.graphql(
          `query K${i}($id: ID!) { customer(id: $id) { id } }`,
          { id: DOC_EXAMPLE_ID },
          {
            authorization: bearer('madeUpKey000000000000000000000000000000'),
          },
        );
      await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'Counted' } }, admin);
      const text = await scrapeOf(gw);
      expect(sample(text, 'graphql_operations_total', { operation_name: 'Update', outcome: 'success' })).toBe(
        1,
      );
      expect(sample(text, 'graphql_operations_total', { operation_name: 'other' })).toBe(205);
      expect([...names(text)].filter((n) => /^[QK]\d/.test(n ?? ''))).toEqual([]);
    } finally {
      await gw.close();
    }
  });

  it('takes at most 10 names from each key SalesBinder accepted and 200 in all, and never evicts one', async () => {
    const gw = await startGateway();
    try {
      const read = (name: string, key = DEMO_ADMIN_KEY) =>
        gw.graphql(
          `query ${name}($id: ID!) { customer(id: $id) { id } }`,
          { id: DOC_EXAMPLE_ID },
          { authorization: bearer(key) },
        );
      // One valid key (a view-only one would do) cannot fill the set by itself.
      for (let i = 0; i < 15; i++) await read(`R${i}`);
      let text = await scrapeOf(gw);
      expect([...names(text)].filter((n) => /^R\d/.test(n ?? ''))).toHaveLength(10);
      expect(sample(text, 'graphql_operations_total', { operation_name: 'other' })).toBe(5);
      // Twenty more people with ten names each: 200 in all, then no more.
      for (let k = 0; k < 20; k++) {
        const key = gw.sandbox.keys.add({ modify: false });
        for (let i = 0; i < 10; i++) await read(`S${k}x${i}`, key);
      }
      await read('R0');
      await gw.graphql('query { __typename }');
      text = await scrapeOf(gw);
      expect([...names(text)].filter((n) => /^[RS]\d/.test(n ?? ''))).toHaveLength(200);
      expect(sample(text, 'graphql_operations_total', { operation_name: 'R0' })).toBe(2);
      expect(sample(text, 'graphql_operations_total', { operation_name: 'other' })).toBe(15);
      expect(sample(text, 'graphql_operations_total', { operation_name: 'anonymous' })).toBe(1);
    } finally {
      await gw.close();
    }
  });

  it('takes names only from the manifest when trusted documents are on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbgw-'));
    const manifest = join(dir, 'persisted-documents.json');
    const hash = createHash('sha256').update(UPDATE).digest('hex');
    writeFileSync(manifest, JSON.stringify({ [hash]: UPDATE }));
    const secret = 'router-secret-0123456789abcdef';
    const gw = await startGateway({ env: { TRUSTED_DOCUMENTS: manifest, SUBGRAPH_SECRET: secret } });
    try {
      const post = (body: unknown, headers: Record<string, string> = {}) =>
        gw.fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...admin, ...headers },
          body: JSON.stringify(body),
        });
      await post({ documentId: hash, variables: { id: DOC_EXAMPLE_ID, input: { name: 'Trusted' } } });
      // The router may send any operation, under any name: it counts as `other`.
      await post(
        {
          query: 'query FromTheRouter($id: ID!) { customer(id: $id) { id } }',
          variables: { id: DOC_EXAMPLE_ID },
        },
        { 'x-subgraph-secret': secret },
      );
      const text = await scrapeOf(gw);
      expect(sample(text, 'graphql_operations_total', { operation_name: 'Update' })).toBe(1);
      expect(sample(text, 'graphql_operations_total', { operation_name: 'other' })).toBe(1);
      expect(names(text).has('FromTheRouter')).toBe(false);
    } finally {
      await gw.close();
    }
  });
});

describe('the limiter, seen by operators', () => {
  let gw: TestGateway;
  const clock = createTestClock();
  beforeAll(async () => {
    gw = await startGateway({
      now: clock.now,
      env: {
        SALESBINDER_RATE_LIMITS: 'on',
        SALESBINDER_RATE_LIMIT_10S: '3',
        SALESBINDER_RATE_HEADROOM: '0',
        SALESBINDER_RATE_MAX_WAIT_MS: '0',
      },
    });
  });
  afterAll(() => gw.close());

  it('counts refusals (cause rate_limit), the calls in each window, and open blocks, and turns readiness 503 while the only account is blocked', async () => {
    for (let i = 0; i < 4; i++)
      await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: `n${i}` } }, admin);
    let text = await scrapeOf(gw);
    expect(sample(text, 'salesbinder_limiter_refusals_total', { reason: 'rate_limit' })).toBe(1);
    expect(sample(text, 'salesbinder_refusals_total', { cause: 'rate_limit' })).toBe(1);
    // The window the refusal found full: its three calls, under the limiter's name (no longer the budget's).
    expect(sample(text, 'salesbinder_rate_limit_calls', { window: '10s' })).toBe(3);
    expect(text).not.toContain('salesbinder_budget_calls');
    expect(sample(text, 'salesbinder_blocked_accounts')).toBe(0);
    expect((await gw.fetch('/ready')).status).toBe(200);

    await gw.app.limiter?.block(gw.sandbox.url, 1);
    text = await scrapeOf(gw);
    expect(sample(text, 'salesbinder_blocked_accounts')).toBe(1);
    expect((await gw.fetch('/ready')).status).toBe(503);
    expect((await gw.fetch('/health')).status).toBe(200);
    clock.advance(1_000);
    expect((await gw.fetch('/ready')).status).toBe(200);
  });
});

describe('request ids and logs', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { LOG_LEVEL: 'info' } });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  const json = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const post = (query: string, requestId?: string, variables?: Record<string, unknown>): RequestInit => ({
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...admin,
      ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
    },
    body: JSON.stringify({ query, variables }),
  });

  it('takes the caller’s X-Request-Id, echoes it, sends it to SalesBinder and puts it on every log line', async () => {
    const before = gw.logs.length;
    const { headers } = await gw.graphql(
      UPDATE,
      { id: DOC_EXAMPLE_ID, input: { name: 'Traced' } },
      { ...admin, 'x-request-id': 'req-42.abc' },
    );
    expect(headers.get('x-request-id')).toBe('req-42.abc');
    expect(gw.sandbox.requests[0]?.headers['x-request-id']).toBe('req-42.abc');
    const lines = json(gw.logs.slice(before)).filter((l) => l.requestId === 'req-42.abc');
    const upstream = lines.find(
      (l) => (l.upstream as Record<string, unknown> | undefined)?.endpoint === 'customers.edit',
    );
    expect(upstream?.upstream).toMatchObject({ method: 'PUT', status: 200 });
    expect(typeof (upstream?.upstream as { ms?: unknown } | undefined)?.ms).toBe('number');
    const request = lines.find((l) => l.msg === 'request');
    expect(request).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
    expect(typeof request?.ms).toBe('number');
  });

  it('names the operation in the request line, bounded however long the name', async () => {
    const before = gw.logs.length;
    await gw.fetch('/graphql', post('query LoadOne { __typename }', 'named-1'));
    await gw.fetch('/graphql', post('{ __typename }', 'named-2'));
    await gw.fetch('/graphql', post(`query ${'N'.repeat(5_000)} { __typename }`, 'named-3'));
    const requests = json(gw.logs.slice(before)).filter((l) => l.msg === 'request');
    const of = (id: string) => requests.find((l) => l.requestId === id)?.operation;
    expect(of('named-1')).toBe('query LoadOne');
    expect(of('named-2')).toBe('query (anonymous)');
    expect(of('named-3')).toBe(`query ${'N'.repeat(100)}`);
  });

  it('keeps search terms out of the logs, as out of traces', async () => {
    const before = gw.logs.length;
    const term = 'Wonderland Person';
    await gw.fetch(
      '/graphql',
      post('query($s: String) { customers(search: $s, first: 5) { totalCount } }', 'search-1', { s: term }),
    );
    expect(gw.sandbox.requests.some((r) => r.path.includes('s=Wonderland'))).toBe(true);
    const lines = gw.logs.slice(before);
    expect(lines.join('\n')).not.toContain('Wonderland');
    const upstream = json(lines).find((l) => l.upstream)?.upstream as { path?: string } | undefined;
    expect(upstream?.path).toMatch(/customers\.json\?contextId=2&page=1&pageLimit=5$/);
  });

  it('makes an id when the caller sends none, or one that could forge a log line', async () => {
    for (const offered of [undefined, 'bad id with spaces', '"}{"level":60', 'x'.repeat(200)]) {
      const { headers } = await gw.graphql(
        '{ __typename }',
        {},
        offered === undefined ? {} : { 'x-request-id': offered },
      );
      expect(headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('writes JSON lines, one per request, and never a key', async () => {
    const before = gw.logs.length;
    await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
    const lines = json(gw.logs.slice(before));
    expect(lines.filter((l) => l.msg === 'request')).toHaveLength(1);
    expect(lines.filter((l) => l.upstream)).toHaveLength(1);
    expect(findLeaks(gw.logs)).toEqual([]);
  });

  it('logs a client’s mistakes at info with the request id, never as an unexpected error', async () => {
    const before = gw.logs.length;
    const mistakes: Array<[string, Promise<Response>]> = [
      ['first 0', gw.fetch('/graphql', post('{ customers(first: 0) { totalCount } }', 'mistake-1'))],
      ['first 500', gw.fetch('/graphql', post('{ customers(first: 500) { totalCount } }', 'mistake-2'))],
      ['bad cursor', gw.fetch('/graphql', post('{ customers(after: "bogus") { totalCount } }', 'mistake-3'))],
      [
        'no entity',
        gw.fetch('/graphql', post('{ _entities(representations: [[]]) { __typename } }', 'mistake-4')),
      ],
      [
        'GET variables',
        gw.fetch(`/graphql?query=${encodeURIComponent('{ __typename }')}&variables=%7Bx`, {
          headers: { ...admin, 'x-request-id': 'mistake-5' },
        }),
      ],
    ];
    for (const [what, answer] of mistakes) {
      const { errors } = await (await answer).json();
      expect(errors?.[0]?.extensions?.code, what).toMatch(/^BAD_(USER_INPUT|REQUEST)$/);
    }
    const lines = json(gw.logs.slice(before));
    expect(lines.filter((l) => Number(l.level) >= 40)).toEqual([]);
    for (let i = 1; i <= 5; i++) {
      const answered = lines.find((l) => l.requestId === `mistake-${i}` && l.msg === 'answered with errors');
      expect(answered).toMatchObject({ level: 30 });
    }
  });

  it('puts the request id on every line a request causes, Yoga’s own included', async () => {
    const fresh = await startGateway();
    try {
      const requests: Array<[string, RequestInit]> = [
        [
          '/graphql',
          post(`query One($id: ID!) { customer(id: $id) { id } }`, undefined, { id: DOC_EXAMPLE_ID }),
        ],
        ['/graphql', post(UPDATE, undefined, { id: DOC_EXAMPLE_ID, input: { name: 'Logged' } })],
        ['/graphql', post('{ customers(first: 0) { totalCount } }')],
        ['/graphql', post('{ _entities(representations: [[]]) { __typename } }')],
        ['/graphql', post('{ nope }')],
        ['/graphql', post('{ customers { ')],
        [
          '/graphql',
          { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: '{"query":' },
        ],
        [`/graphql?query=${encodeURIComponent('{ __typename }')}&variables=%7Bx`, { headers: admin }],
        ['/graphql', { headers: { accept: 'text/html' } }],
        ['/nowhere', {}],
      ];
      const ids = new Set<string>();
      for (const [path, init] of requests) {
        const response = await fresh.fetch(path, init);
        ids.add(response.headers.get('x-request-id') ?? 'none');
      }
      const lines = json(fresh.logs);
      expect(lines.length).toBeGreaterThan(requests.length);
      for (const line of lines) expect(ids.has(String(line.requestId)), JSON.stringify(line)).toBe(true);
      expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('logs an unexpected failure once, at error level, with the request id, and answers only "Unexpected error."', async () => {
    // A tracer that breaks: a failure of the gateway itself, not of the client or SalesBinder.
    const broken = {
      startSpan() {
        throw new TypeError('the tracer broke');
      },
    } as unknown as Tracer;
    const failing = await startGateway({ tracer: broken, env: { NODE_ENV: 'production' } });
    try {
      const response = await failing.fetch('/graphql', post('{ __typename }', 'broken-1'));
      const text = await response.text();
      expect(JSON.parse(text).errors).toEqual([
        { message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ]);
      expect(text).not.toContain('tracer broke');
      const errors = json(failing.logs).filter((l) => Number(l.level) >= 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        requestId: 'broken-1',
        msg: 'unexpected error in the gateway',
        err: { type: 'TypeError', message: 'the tracer broke' },
      });
    } finally {
      await failing.close();
    }
  });

  it('writes a line or two for a request however many of its calls are refused, with the count of refused calls', async () => {
    // A 100 KB _entities of 1,200 made-up ids with a made-up key (the call bound raised so that the
    // budget's refusals are what stops them): it wrote 1,352 lines.
    const flood = await startGateway({ env: { BUDGET: 'on', MAX_CALLS_PER_OPERATION: '5000' } });
    try {
      const ids = Array.from(
        { length: 1_200 },
        (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      );
      const before = flood.logs.length;
      const response = await flood.fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: bearer('madeUpKey000000000000000000000000000000'),
          'x-request-id': 'flood',
        },
        body: JSON.stringify({
          query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }',
          variables: { r: ids.map((id) => ({ __typename: 'Customer', id })) },
        }),
      });
      await response.text();
      const lines = flood.logs.slice(before);
      expect(lines.length).toBeLessThanOrEqual(6);
      expect(lines.join('').length).toBeLessThan(4_000);
      const request = json(lines).find((l) => l.msg === 'request' && l.requestId === 'flood');
      // Who sent it, as operators may see it: 8 characters of the key's hash, never the key.
      expect(request?.caller).toMatch(/^[A-Za-z0-9_-]{8}$/);
      const refused = (request?.refused ?? {}) as Record<string, number>;
      expect(Object.values(refused).reduce((a, b) => a + b, 0)).toBeGreaterThan(1_000);
      const answered = json(lines).find((l) => l.msg === 'answered with errors');
      expect(answered?.errors).toBe(1_200);
      expect(answered?.paths).toHaveLength(5);
    } finally {
      await flood.close();
    }
  });

  it('logs no line for probes', async () => {
    const before = gw.logs.length;
    await gw.fetch('/health');
    await gw.fetch('/ready');
    await scrapeOf(gw);
    expect(json(gw.logs.slice(before)).filter((l) => l.msg === 'request')).toHaveLength(0);
  });
});

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ tracer: provider.getTracer('test') });
  });
  afterAll(async () => {
    await gw.close();
    await provider.shutdown();
  });

  it('makes a span for the operation and a child span per SalesBinder call, with no key in them', async () => {
    exporter.reset();
    await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'Spanned' } }, admin);
    const spans = exporter.getFinishedSpans();
    const operation = spans.find((s) => s.name === 'mutation Update');
    const call = spans.find((s) => s.name === 'SalesBinder customers.edit');
    expect(operation?.attributes).toMatchObject({
      'graphql.operation.type': 'mutation',
      'graphql.operation.name': 'Update',
    });
    expect(call?.attributes).toMatchObject({
      'http.request.method': 'PUT',
      'http.response.status_code': 200,
      'url.path': `/api/2.0/customers/${DOC_EXAMPLE_ID}.json`,
      'salesbinder.endpoint': 'customers.edit',
    });
    expect(call?.parentSpanContext?.spanId).toBe(operation?.spanContext().spanId);
    expect(call?.spanContext().traceId).toBe(operation?.spanContext().traceId);
    expect(
      findLeaks(
        spans.map((s) => JSON.stringify({ name: s.name, attributes: s.attributes, events: s.events })),
      ),
    ).toEqual([]);
  });

  it('marks a failed SalesBinder call as an error with its code', async () => {
    exporter.reset();
    await gw.graphql(UPDATE, { id: '00000000-0000-4000-8000-000000000000', input: { name: 'x' } }, admin);
    const call = exporter.getFinishedSpans().find((s) => s.name === 'SalesBinder customers.edit');
    expect(call?.status.code).toBe(2);
    expect(call?.attributes).toMatchObject({
      'error.type': 'SB_NOT_FOUND',
      'http.response.status_code': 404,
    });
  });
});
