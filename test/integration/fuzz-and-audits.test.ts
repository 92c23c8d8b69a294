/**
 * Whatever a client sends, the gateway answers JSON and never a 5xx or a crash (fast-check over
 * documents, variables and raw bodies); and it passes the GraphQL-over-HTTP audits of the
 * `graphql-http` reference package.
 */
import fc from 'fast-check';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_OPERATION } from '../../src/app.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';

const TOKENS = [
  '{',
  '}',
  '(',
  ')',
  ':',
  '...',
  '$id',
  '$input',
  'query',
  'mutation',
  'fragment',
  'on',
  'Customer',
  'Query',
  'customer',
  'customers',
  'updateCustomer',
  'id',
  'name',
  'input',
  'first',
  'after',
  'edges',
  'node',
  'billingAddress',
  'city',
  '__typename',
  '__schema',
  '_entities',
  '_service',
  'sdl',
  '@include(if: true)',
  '"19d367c8-97c7-409f-bf67-2ad543493648"',
  '"x"',
  '1',
  '-1',
  '1e999',
  'null',
  'true',
  '[',
  ']',
  '=',
  '!',
  '#',
  'ID',
  'String',
  'Int',
];

/** Documents near the grammar: token soup, and the documented example with a character changed. */
const documents = fc.oneof(
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(' ')),
  fc
    .tuple(fc.nat(EXAMPLE_OPERATION.length), fc.string({ maxLength: 3 }), fc.nat(3))
    .map(([at, insert, cut]) => EXAMPLE_OPERATION.slice(0, at) + insert + EXAMPLE_OPERATION.slice(at + cut)),
  fc.string({ maxLength: 200 }),
);

const bodies = fc.oneof(
  fc
    .record(
      {
        query: fc.oneof(documents, fc.jsonValue()),
        variables: fc.oneof(
          fc.jsonValue(),
          fc.record({ id: fc.oneof(fc.string(), fc.jsonValue()), input: fc.jsonValue() }),
        ),
        operationName: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue()),
        extensions: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((b) => JSON.stringify(b)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
);

const requests = fc.record({
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH'),
  contentType: fc.constantFrom(
    'application/json',
    'application/graphql-response+json',
    'application/json; charset=utf-16',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/graphql',
    '',
  ),
  accept: fc.constantFrom(
    'application/json',
    'application/graphql-response+json',
    '*/*',
    'text/html',
    'text/event-stream',
    '',
  ),
  body: bodies,
  query: documents,
  authorization: fc.constantFrom(bearer(DEMO_ADMIN_KEY), 'Bearer x', '', 'Basic !!!'),
});

describe('fuzzing the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { GRAPHIQL: 'false' } });
  });
  afterAll(() => gw.close());

  it('answers every request with JSON and never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(requests, async ({ method, contentType, accept, body, query, authorization }) => {
        const headers: Record<string, string> = {};
        if (contentType) headers['content-type'] = contentType;
        if (accept) headers.accept = accept;
        if (authorization) headers.authorization = authorization;
        const withBody = method !== 'GET';
        const path = withBody ? '/graphql' : `/graphql?query=${encodeURIComponent(query)}`;
        const response = await fetch(`${gw.url}${path}`, { method, headers, ...(withBody ? { body } : {}) });
        const text = await response.text();
        expect(response.status, text).toBeLessThan(500);
        if (text !== '') expect(() => JSON.parse(text), text).not.toThrow();
      }),
      { numRuns: 300, seed: 20261127 },
    );
    expect((await gw.fetch('/health')).status).toBe(200);
  });
});

describe('the GraphQL-over-HTTP audits (graphql-http)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { GRAPHIQL: 'false' } });
  });
  afterAll(() => gw.close());

  it('passes every MUST and every SHOULD', async () => {
    // The caller's key goes on every request, as any client of this API sends it (and as the
    // CSRF check wants for a GET).
    const fetchFn = (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', bearer(DEMO_ADMIN_KEY));
      return fetch(input, { ...init, headers });
    };
    const audits = serverAudits({ url: `${gw.url}/graphql`, fetchFn });
    const results = await Promise.all(
      audits.map(async (audit) => ({ name: audit.name, result: await audit.fn() })),
    );
    const failedMusts = results.filter((r) => r.name.startsWith('MUST') && r.result.status !== 'ok');
    expect(failedMusts.map((r) => `${r.name}: ${'reason' in r.result ? r.result.reason : ''}`)).toEqual([]);
    // And every SHOULD too: none is skipped.
    const shoulds = results
      .filter((r) => !r.name.startsWith('MUST') && r.result.status !== 'ok')
      .map((r) => r.name);
    expect(shoulds).toEqual([]);
    expect(results.length).toBeGreaterThan(30);
  });
});
