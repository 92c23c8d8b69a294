/**
 * customer, customers and edits that lose nothing, against the real sandbox; SalesBinder's list
 * quirks and failures against a scripted upstream. Every test counts the calls SalesBinder saw.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cursorOf } from '../../src/domain/customer-page.ts';
import { DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';
import { createTestClock } from '../helpers/clock.ts';
import { type GraphQLResponse, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, CANARY_KEY, DEMO_ADMIN_KEY, DEMO_VIEWER_KEY } from '../helpers/keys.ts';
import { CUSTOMER, CUSTOMER_FIELDS, CUSTOMERS, UPDATE_IF_UNMODIFIED } from '../helpers/operations.ts';
import { type ScriptedUpstream, startScriptedUpstream } from '../helpers/scripted-upstream.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const seeds = seedCustomers();
const idsOfContext = (contextId: number) =>
  seeds
    .filter((c) => c.context_id === contextId)
    .sort((a, b) => a.customer_number - b.customer_number)
    .map((c) => c.id);

describe('reads on the sandbox', () => {
  let gw: TestGateway;
  const gets = () => gw.sandbox.requests.filter((r) => r.method === 'GET');
  const puts = () => gw.sandbox.requests.filter((r) => r.method === 'PUT');

  const clock = createTestClock();
  beforeAll(async () => {
    gw = await startGateway({ now: clock.now });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  describe('customer(id)', () => {
    it('returns the account, read with the caller’s key', async () => {
      const { body } = await gw.graphql(
        CUSTOMER,
        { id: DOC_EXAMPLE_ID },
        { authorization: bearer(DEMO_VIEWER_KEY) },
      );
      expect(body.data?.customer).toMatchObject({
        id: DOC_EXAMPLE_ID,
        name: 'Acme Company',
        customerNumber: 641,
        kind: 'CUSTOMER',
        officeFax: null,
        createdAt: '2016-11-11T01:13:09.000Z',
      });
      expect(gets().map((r) => r.path)).toEqual([`/api/2.0/customers/${DOC_EXAMPLE_ID}.json`]);
    });

    it('is null for an id SalesBinder does not know', async () => {
      const { body } = await gw.graphql(CUSTOMER, { id: UNKNOWN_ID }, admin);
      expect(body).toEqual({ data: { customer: null } });
      expect(gets().map((r) => r.status)).toEqual([404]);
    });

    it('is null for an id that is not a SalesBinder id, without asking SalesBinder', async () => {
      const { body } = await gw.graphql(CUSTOMER, { id: '../customers' }, admin);
      expect(body).toEqual({ data: { customer: null } });
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it('reads an account once per request, however often the request asks for it', async () => {
      const { body } = await gw.graphql(
        `query Twice($id: ID!, $other: ID!) {
          a: customer(id: $id) { ...CustomerFields }
          b: customer(id: $id) { name }
          c: customer(id: $other) { name }
          d: customer(id: $other) { id }
        }
        ${CUSTOMER_FIELDS}`,
        { id: DOC_EXAMPLE_ID, other: idsOfContext(8)[0] },
        admin,
      );
      expect(body.data?.a.name).toBe('Acme Company');
      expect(body.data?.b.name).toBe('Acme Company');
      expect(gets()).toHaveLength(2);
    });

    it.each([
      ['no key', {}, 'UNAUTHENTICATED', 0],
      ['a malformed key', { authorization: 'Bearer !' }, 'UNAUTHENTICATED', 0],
      ['a key SalesBinder rejects', { authorization: bearer(CANARY_KEY) }, 'UNAUTHENTICATED', 1],
    ])('reports %s as the GraphQL error %s', async (_, headers, code, calls) => {
      const { body } = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, headers as Record<string, string>);
      expect(body.data?.customer ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe(code);
      expect(gw.sandbox.requests).toHaveLength(calls);
    });
  });

  describe('customers', () => {
    it('lists customers by default, 20 at a time, with SalesBinder’s count', async () => {
      const { body } = await gw.graphql(CUSTOMERS, {}, admin);
      const ids = idsOfContext(2);
      expect(body.data?.customers.totalCount).toBe(ids.length);
      expect(body.data?.customers.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(ids);
      expect(body.data?.customers.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
      expect(gets().map((r) => r.path)).toEqual(['/api/2.0/customers.json?contextId=2&page=1&pageLimit=20']);
    });

    it.each([
      ['PROSPECT', 8],
      ['SUPPLIER', 10],
      ['CUSTOMER', 2],
    ])('lists %s accounts (contextId %i)', async (kind, contextId) => {
      const { body } = await gw.graphql(CUSTOMERS, { kind }, admin);
      const nodes = body.data?.customers.edges.map((e: { node: { id: string; kind: string } }) => e.node);
      expect(nodes.map((n: { id: string }) => n.id)).toEqual(idsOfContext(contextId));
      expect(new Set(nodes.map((n: { kind: string }) => n.kind))).toEqual(new Set([kind]));
      expect(gets()[0]?.path).toContain(`contextId=${contextId}`);
    });

    it('pages through every account with endCursor, one SalesBinder page per GraphQL page', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        // biome-ignore lint/suspicious/noExplicitAny: a GraphQL result
        const response: GraphQLResponse<any> = await gw.graphql(CUSTOMERS, { first: 2, after }, admin);
        const connection = response.body.data?.customers;
        seen.push(...connection.edges.map((e: { node: { id: string } }) => e.node.id));
        expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
        expect(connection.totalCount).toBe(idsOfContext(2).length);
        pages++;
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen).toEqual(idsOfContext(2));
      expect(pages).toBe(Math.ceil(idsOfContext(2).length / 2));
      expect(gets()).toHaveLength(pages);
    });

    it('continues after any edge’s cursor, even when the window straddles SalesBinder’s pages', async () => {
      const all = (await gw.graphql(CUSTOMERS, { first: 20 }, admin)).body.data?.customers.edges;
      gw.sandbox.reset();
      const { body } = await gw.graphql(CUSTOMERS, { first: 3, after: all[1].cursor }, admin);
      expect(body.data?.customers.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(
        idsOfContext(2).slice(2, 5),
      );
      expect(gets()).toHaveLength(1);
    });

    it('passes the search term to SalesBinder as s', async () => {
      const { body } = await gw.graphql(CUSTOMERS, { search: 'acme' }, admin);
      expect(body.data?.customers.edges.map((e: { node: { name: string } }) => e.node.name)).toContain(
        'Acme Company',
      );
      expect(gets()[0]?.path).toBe('/api/2.0/customers.json?contextId=2&page=1&pageLimit=20&s=acme');
    });

    it('answers an empty page for a search without matches', async () => {
      const { body } = await gw.graphql(CUSTOMERS, { search: 'no-such-account-anywhere' }, admin);
      expect(body.data?.customers).toEqual({
        totalCount: 0,
        edges: [],
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      });
    });

    it.each([
      ['first: 0', { first: 0 }],
      ['first: 201', { first: 201 }],
      ['first: null', { first: null }],
      ['a cursor it did not make', { after: 'b2Zmc2V0OjEw' }],
      ['a cursor that is not base64', { after: '!!' }],
    ])('refuses %s with BAD_USER_INPUT, without asking SalesBinder', async (_, variables) => {
      const { body } = await gw.graphql(CUSTOMERS, variables, admin);
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it('accepts 200 per page', async () => {
      const { body } = await gw.graphql(CUSTOMERS, { first: 200 }, admin);
      expect(body.errors).toBeUndefined();
      expect(gets()[0]?.path).toContain('pageLimit=200');
    });
  });

  describe('updateCustomer with ifUnmodifiedSince', () => {
    const modifiedNow = async () =>
      (await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin)).body.data?.customer.modifiedAt as string;

    it('writes when the account has not changed since, after one read', async () => {
      const since = await modifiedNow();
      gw.sandbox.reset();
      const { body } = await gw.graphql(
        UPDATE_IF_UNMODIFIED,
        { id: DOC_EXAMPLE_ID, input: { name: 'Guarded' }, since },
        admin,
      );
      expect(body.data?.updateCustomer).toMatchObject({
        __typename: 'UpdateCustomerSuccess',
        customer: { name: 'Guarded' },
      });
      expect(gw.sandbox.requests.map((r) => r.method)).toEqual(['GET', 'PUT']);
    });

    it('accepts the instant in any RFC 3339 offset', async () => {
      const { body } = await gw.graphql(
        UPDATE_IF_UNMODIFIED,
        { id: DOC_EXAMPLE_ID, input: { name: 'Offset' }, since: '2016-11-10T17:13:09-08:00' },
        admin,
      );
      expect(body.data?.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
    });

    it('writes nothing and returns the current account when it changed after that instant', async () => {
      const { body } = await gw.graphql(
        UPDATE_IF_UNMODIFIED,
        { id: DOC_EXAMPLE_ID, input: { name: 'Lost update' }, since: '2016-11-11T01:13:08Z' },
        admin,
      );
      expect(body.data?.updateCustomer).toMatchObject({
        __typename: 'CustomerConflictError',
        customer: { id: DOC_EXAMPLE_ID, name: 'Acme Company', modifiedAt: '2016-11-11T01:13:09.000Z' },
      });
      expect(puts()).toHaveLength(0);
      expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.name).toBe('Acme Company');
    });

    it('catches the second of two edits made from the same stale read', async () => {
      const since = await modifiedNow();
      clock.advance(1_000); // SalesBinder's `modified` has whole seconds
      const first = await gw.graphql(
        UPDATE_IF_UNMODIFIED,
        { id: DOC_EXAMPLE_ID, input: { name: 'First' }, since },
        admin,
      );
      const second = await gw.graphql(
        UPDATE_IF_UNMODIFIED,
        { id: DOC_EXAMPLE_ID, input: { name: 'Second' }, since },
        admin,
      );
      expect(first.body.data?.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
      expect(second.body.data?.updateCustomer).toMatchObject({
        __typename: 'CustomerConflictError',
        customer: { name: 'First' },
      });
      expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.name).toBe('First');
    });

    it('returns CustomerNotFoundError for an unknown account, writing nothing', async () => {
      const { body } = await gw.graphql(
        UPDATE_IF_UNMODIFIED,
        { id: UNKNOWN_ID, input: { name: 'x' }, since: '2020-01-01T00:00:00Z' },
        admin,
      );
      expect(body.data?.updateCustomer.__typename).toBe('CustomerNotFoundError');
      expect(puts()).toHaveLength(0);
    });

    it('makes no extra read for a plain edit', async () => {
      await gw.graphql(UPDATE_IF_UNMODIFIED, { id: DOC_EXAMPLE_ID, input: { name: 'Plain' } }, admin);
      expect(gw.sandbox.requests.map((r) => r.method)).toEqual(['PUT']);
    });

    it('primes the request with the edited account: a later check in the same request reads nothing', async () => {
      const { body } = await gw.graphql(
        `mutation Both($id: ID!) {
          a: updateCustomer(id: $id, input: { name: "One" }) { __typename }
          b: updateCustomer(id: $id, input: { name: "Two" }, ifUnmodifiedSince: "2016-01-01T00:00:00Z") {
            __typename ... on CustomerConflictError { customer { name } }
          }
        }`,
        { id: DOC_EXAMPLE_ID },
        admin,
      );
      expect(body.data?.b).toEqual({ __typename: 'CustomerConflictError', customer: { name: 'One' } });
      expect(gw.sandbox.requests.map((r) => r.method)).toEqual(['PUT']);
    });
  });
});

describe('reads against recorded SalesBinder shapes and failures', () => {
  let upstream: ScriptedUpstream;
  let gw: TestGateway;
  const record = (i: number) => ({
    ...seeds[0],
    id: `00000000-0000-4000-8000-00000000000${i}`,
    name: `R${i}`,
  });
  const list = (envelope: unknown) => (_req: unknown, res: import('node:http').ServerResponse) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(envelope));

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await startGateway({ env: { SALESBINDER_URL: upstream.url } });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.hits.length = 0;
  });

  const names = async (variables: Record<string, unknown> = { first: 3 }) => {
    const { body } = await gw.graphql(CUSTOMERS, variables, admin);
    return body.data?.customers;
  };

  it.each([
    [
      'each record in its own inner array, counts as strings',
      { count: '7', page: '1', pages: '3', customers: [[record(1)], [record(2)], [record(3)]] },
    ],
    [
      'all records in one inner array',
      { count: '7', page: '1', pages: '3', customers: [[record(1), record(2), record(3)]] },
    ],
    ['records unevenly nested', { count: '7', page: '1', customers: [[record(1), record(2)], [record(3)]] }],
    [
      'a flat array and numeric counts',
      { count: 7, page: 1, pages: 3, customers: [record(1), record(2), record(3)] },
    ],
  ])('reads %s', async (_, envelope) => {
    upstream.answer(list(envelope));
    const connection = await names();
    expect(connection.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['R1', 'R2', 'R3']);
    expect(connection.totalCount).toBe(7);
    expect(connection.pageInfo.hasNextPage).toBe(true);
  });

  it('treats a missing pages and a short last page as the end', async () => {
    upstream.answer(list({ count: '2', page: '1', customers: [[record(1)], [record(2)]] }));
    const connection = await names();
    expect(connection.totalCount).toBe(2);
    expect(connection.pageInfo.hasNextPage).toBe(false);
  });

  it('reports a 404 for the first page of a list as UPSTREAM_UNAVAILABLE, not retryable', async () => {
    upstream.answer((_req, res) => res.writeHead(404).end());
    const { body } = await gw.graphql(CUSTOMERS, { first: 3 }, admin);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', retryable: false });
    expect(upstream.hits).toHaveLength(1);
  });

  /** SalesBinder's list of `records`, paged as asked; past the last page a 404. */
  const pagedList = (records: unknown[], count = String(records.length)) =>
    ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const page = Number(query.get('page'));
      const limit = Number(query.get('pageLimit'));
      const onPage = records.slice((page - 1) * limit, page * limit);
      if (page > 1 && onPage.length === 0) return void res.writeHead(404).end();
      list({ count, page: String(page), customers: onPage.map((r) => [r]) })(req, res);
    }) as Parameters<ScriptedUpstream['answer']>[0];

  it('answers an empty page past the last page with the count SalesBinder gives, never one made up', async () => {
    // Four accounts; the client's cursor says six were there: page 3 of 3 answers 404.
    upstream.answer(pagedList([record(1), record(2), record(3), record(4)]));
    const connection = await names({ first: 3, after: cursorOf(5) });
    expect(connection).toEqual({
      edges: [],
      totalCount: 4,
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
    });
    expect(upstream.hits.map((h) => h.path)).toEqual([
      '/api/2.0/customers.json?contextId=2&page=3&pageLimit=3',
      '/api/2.0/customers.json?contextId=2&page=1&pageLimit=3',
    ]);
  });

  it('never says there is a next page without a cursor to reach it (count "12", no records)', async () => {
    upstream.answer(list({ count: '12', page: '1', customers: [] }));
    const connection = await names({ first: 3 });
    expect(connection.edges).toEqual([]);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: false, endCursor: null });
    // SalesBinder's count stays its word; the page says there is nothing to page on to.
    expect(connection.totalCount).toBe(12);
  });

  it('reads times without an offset as UTC rather than failing every read', async () => {
    const noOffset = { ...record(1), created: '2016-11-11 01:13:09', modified: '2024-05-06 07:08:09' };
    upstream.answer(list({ count: '1', page: '1', customers: [[noOffset]] }));
    const { body } = await gw.graphql(
      'query { customers(first: 3) { totalCount edges { node { name createdAt modifiedAt } } } }',
      {},
      admin,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.customers).toEqual({
      totalCount: 1,
      edges: [
        {
          node: { name: 'R1', createdAt: '2016-11-11T01:13:09.000Z', modifiedAt: '2024-05-06T07:08:09.000Z' },
        },
      ],
    });
  });

  it.each([
    [403, {}, 'FORBIDDEN'],
    [401, {}, 'UNAUTHENTICATED'],
    [503, {}, 'UPSTREAM_UNAVAILABLE'],
    [200, { 'x-bad': '1' }, 'UPSTREAM_UNAVAILABLE'],
  ])('reports HTTP %i as %s', async (status, headers, code) => {
    upstream.answer((_req, res) => res.writeHead(status, headers).end(status === 200 ? '<html>' : ''));
    const { body } = await gw.graphql(CUSTOMERS, {}, admin);
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
    expect(body.errors?.[0]?.message).not.toMatch(/html/i);
  });

  it('reports a 429 as RATE_LIMITED with retryAfterSeconds', async () => {
    upstream.answer((_req, res) => res.writeHead(429, { 'retry-after': '42' }).end());
    const { body } = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 42 });
  });

  it('leaves out a record it cannot read, serves the rest, and pages on past it without repeating or skipping', async () => {
    const odd = { ...record(2), modified: undefined };
    upstream.answer(pagedList([record(1), odd, record(3), record(4)]));
    const first = await names({ first: 2 });
    expect(first.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['R1']);
    expect(first.totalCount).toBe(4);
    // The cursor of the odd record's place: the next page starts after it.
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, endCursor: cursorOf(1) });
    const second = await names({ first: 2, after: first.pageInfo.endCursor });
    expect(second.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['R3', 'R4']);
    expect(second.edges.map((e: { cursor: string }) => e.cursor)).toEqual([cursorOf(2), cursorOf(3)]);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, endCursor: cursorOf(3) });
    expect(gw.logs.filter((line) => line.includes('without id, name, created or modified'))).toHaveLength(1);
    const metrics = await (await fetch(`${gw.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/salesbinder_odd_records_total\{endpoint="customers.list"\} 1\b/);
  });

  it('fails alone the view of a record it cannot read, as UPSTREAM_UNAVAILABLE', async () => {
    upstream.answer(list({ customer: { ...record(1), modified: undefined } }));
    const { body } = await gw.graphql(CUSTOMER, { id: record(1).id }, admin);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: false });
  });

  it('still refuses a list none of whose several records is an account (another shape altogether)', async () => {
    upstream.answer(list({ count: '2', customers: [[{ id: 'x' }, { id: 'y' }]] }));
    const { body } = await gw.graphql(CUSTOMERS, {}, admin);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: false });
  });
});
