/**
 * SalesBinder as its published samples show it answering (salesbinder-api.md): records as its
 * View and List pages print them (no `context_id`, no `archived`), 404s on lists, rejections that
 * name no field, and a page other than the one asked for. The shapes, not the samples' data: the
 * sandbox plays each one it can (its page-shaped accounts, its 404 past the last page, its status
 * faults in each error form), in both wire formats; a scripted upstream plays the rest.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cursorOf } from '../../src/domain/customer-page.ts';
import { type Payload, serialize } from '../../src/sandbox/formats.ts';
import { DOC_EXAMPLE_ID, PAGE_SHAPED_IDS, seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { UPDATE } from '../helpers/operations.ts';
import { type ScriptedUpstream, startScriptedUpstream } from '../helpers/scripted-upstream.ts';
import { CONTENT_TYPE, FORMATS, type Format } from '../helpers/wire.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const seeds = seedCustomers();
const pageShaped = seeds.filter((record) => PAGE_SHAPED_IDS.has(record.id));
const KIND_OF = { 2: 'CUSTOMER', 8: 'PROSPECT', 10: 'SUPPLIER' } as const;
const kindOf = (contextId: number) => KIND_OF[contextId as keyof typeof KIND_OF];
const ofContext = (contextId: number) =>
  seeds.filter((r) => r.context_id === contextId).sort((a, b) => a.customer_number - b.customer_number);

const FIELDS = 'id name kind archived vatNumber customerNumber createdAt';
const CUSTOMER = `query ($id: ID!) { customer(id: $id) { ${FIELDS} } }`;
const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { ${FIELDS} } } }`;
const CUSTOMERS = `query ($kind: AccountKind, $first: Int, $after: String, $search: String) {
  customers(kind: $kind, first: $first, after: $after, search: $search) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { ${FIELDS} } }
  }
}`;

interface Node {
  id: string;
  kind: string | null;
  archived: boolean | null;
  vatNumber: string | null;
}

describe.each(FORMATS)('records as SalesBinder’s View and List pages print them, over %s', (format) => {
  let gw: TestGateway;
  const lists = () => gw.sandbox.requests.filter((r) => r.path.startsWith(`/api/2.0/customers.${format}?`));

  beforeAll(async () => {
    gw = await startGateway({ env: { SALESBINDER_FORMAT: format } });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  it('answers kind, archived and vatNumber null for an account whose View answer does not say them', async () => {
    for (const record of pageShaped) {
      const { body } = await gw.graphql(CUSTOMER, { id: record.id }, admin);
      expect(body.errors).toBeUndefined();
      expect(body.data?.customer).toEqual({
        id: record.id,
        name: record.name,
        kind: null,
        archived: null,
        vatNumber: null,
        customerNumber: record.customer_number,
        createdAt: new Date(record.created).toISOString(),
      });
    }
    // The sandbox did print them without those fields, and the whole record for the others.
    const viewed = gw.sandbox.requests.map((r) => r.path);
    expect(viewed).toEqual(pageShaped.map((r) => `/api/2.0/customers/${r.id}.${format}`));
  });

  it('answers what a whole record says: kind, archived and vatNumber', async () => {
    const archived = seeds.find((r) => r.archived && !PAGE_SHAPED_IDS.has(r.id));
    const withVat = seeds.find((r) => r.vat_number !== '' && !PAGE_SHAPED_IDS.has(r.id));
    for (const record of [seeds.find((r) => r.id === DOC_EXAMPLE_ID), archived, withVat]) {
      const { body } = await gw.graphql(CUSTOMER, { id: record?.id }, admin);
      expect(body.data?.customer).toMatchObject({
        kind: kindOf(record?.context_id ?? 0),
        archived: record?.archived,
        vatNumber: record?.vat_number || null,
      });
    }
  });

  it.each([2, 8, 10])(
    'gives every account listed with contextId=%i that kind, whether its record says it or not',
    async (contextId) => {
      const { body } = await gw.graphql(CUSTOMERS, { kind: kindOf(contextId), first: 50 }, admin);
      const nodes: Node[] = body.data?.customers.edges.map((e: { node: Node }) => e.node);
      expect(nodes.map((n) => n.id)).toEqual(ofContext(contextId).map((r) => r.id));
      expect(nodes.every((n) => n.kind === kindOf(contextId))).toBe(true);
      for (const node of nodes) {
        const record = seeds.find((r) => r.id === node.id);
        // What the List answer left out stays unknown; what it said is kept.
        expect(node.archived).toBe(PAGE_SHAPED_IDS.has(node.id) ? null : record?.archived);
      }
      expect(nodes.some((n) => PAGE_SHAPED_IDS.has(n.id))).toBe(true);
      expect(lists()).toHaveLength(1);
    },
  );

  it('answers _entities for page-shaped accounts as customer(id) does, beside whole ones', async () => {
    const ids = [pageShaped[0]?.id, DOC_EXAMPLE_ID, pageShaped[3]?.id];
    const { body } = await gw.graphql(
      ENTITIES,
      { r: ids.map((id) => ({ __typename: 'Customer', id })) },
      admin,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities.map((e: Node) => [e.id, e.kind, e.archived])).toEqual([
      [ids[0], null, null],
      [DOC_EXAMPLE_ID, 'CUSTOMER', false],
      [ids[2], null, null],
    ]);
  });

  describe('404s on lists', () => {
    it('answers an empty page for the 404 SalesBinder gives past the last page', async () => {
      const total = ofContext(2).length;
      // A cursor on the last account, with a page size that ends there: the next window is page 2.
      const { body } = await gw.graphql(CUSTOMERS, { first: total, after: cursorOf(total - 1) }, admin);
      expect(body.errors).toBeUndefined();
      expect(body.data?.customers).toEqual({
        // The 404 says no count (it need not be right after the last account): page 1 says it.
        totalCount: total,
        pageInfo: { hasNextPage: false, hasPreviousPage: true, endCursor: null },
        edges: [],
      });
      expect(lists().map((r) => [r.status, new URL(r.path, 'http://x').searchParams.get('page')])).toEqual([
        [404, '2'],
        [200, '1'],
      ]);
    });

    it('still answers page 1 of a search without matches as an empty page (SalesBinder says 200, count 0)', async () => {
      const { body } = await gw.graphql(CUSTOMERS, { search: 'nothing-like-this' }, admin);
      expect(body.data?.customers).toMatchObject({ totalCount: 0, edges: [] });
      expect(lists().map((r) => r.status)).toEqual([200]);
    });

    it('reports a 404 for the first page as UPSTREAM_UNAVAILABLE, not retryable, never as no accounts', async () => {
      gw.sandbox.faults.add({ kind: 'status', status: 404, match: { path: `customers.${format}?` } });
      const { body } = await gw.graphql(CUSTOMERS, {}, admin);
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', retryable: false });
      expect(body.errors?.[0]?.message).toMatch(/404.*URL/);
      expect(lists().map((r) => r.status)).toEqual([404]);
      // Not a cache of "no accounts" either: the next request asks again.
      gw.sandbox.faults.clear();
      expect((await gw.graphql(CUSTOMERS, {}, admin)).body.data?.customers.totalCount).toBe(
        ofContext(2).length,
      );
    });
  });

  describe('rejections that name no field', () => {
    const TEXT = 'Name cannot be left blank';
    const edit = () =>
      gw
        .graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'Valid here' } }, admin)
        .then((r) => r.body.data?.updateCustomer);

    it.each([
      [400, 'message'],
      [422, 'message'],
      [400, 'v1'],
      [422, 'v1'],
    ] as const)(
      'keeps SalesBinder\'s own text of a %i in the %s form, at path ["input"]',
      async (status, form) => {
        gw.sandbox.faults.add({ kind: 'status', status, form, message: TEXT, match: { method: 'PUT' } });
        expect(await edit()).toEqual({
          __typename: 'CustomerInputError',
          message: `SalesBinder rejected the values: ${TEXT}`,
          fieldErrors: [{ path: ['input'], message: TEXT }],
        });
        expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.name).toBe('Acme Company');
      },
    );

    it('maps a field SalesBinder names in its CakePHP form back to the input, with its text', async () => {
      gw.sandbox.faults.add({
        kind: 'status',
        status: 422,
        form: 'fields',
        field: 'billing_city',
        message: TEXT,
      });
      expect(await edit()).toEqual({
        __typename: 'CustomerInputError',
        message: 'SalesBinder rejected the values',
        fieldErrors: [{ path: ['input', 'billingAddress', 'city'], message: TEXT }],
      });
    });

    it('bounds the text it keeps, whitespace folded, and never passes the body on', async () => {
      const long = `${'Too\n\tlong '.repeat(500)}END`;
      gw.sandbox.faults.add({ kind: 'status', status: 422, form: 'v1', message: long });
      const payload = await edit();
      const [fieldError] = payload.fieldErrors;
      expect([...fieldError.message]).toHaveLength(300);
      expect(fieldError.message).toMatch(/^Too long Too long .*…$/);
      expect(JSON.stringify(payload)).not.toContain('"Error"');
      expect(JSON.stringify(payload)).not.toContain('END');
    });

    it.each([
      ['message', `SalesBinder rejected the values: ${TEXT}`],
      ['v1', `SalesBinder rejected the values: ${TEXT}`],
      ['fields', `SalesBinder rejected the values: s: ${TEXT}`],
    ] as const)(
      'gives a query BAD_USER_INPUT with the text of a rejection in the %s form',
      async (form, message) => {
        gw.sandbox.faults.add({ kind: 'status', status: 400, form, field: 's', message: TEXT });
        const { body } = await gw.graphql(CUSTOMERS, { search: 'x' }, admin);
        expect(body.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
      },
    );
  });
});

describe.each(FORMATS)('a list answer for another page than the one asked for, over %s', (format) => {
  let upstream: ScriptedUpstream;
  let gw: TestGateway;
  const [one, two] = ofContext(2);
  const listPage = (page: unknown) => {
    const envelope = { count: '5', page, pages: '3' };
    const payload =
      format === 'json'
        ? { ...envelope, customers: [[one], [two]] }
        : { ...envelope, customers: { customer: [one, two] } };
    return (_req: unknown, res: ServerResponse) =>
      res
        .writeHead(200, { 'content-type': CONTENT_TYPE[format] })
        .end(serialize(payload as unknown as Payload, format as Format));
  };
  const secondPage = () => gw.graphql(CUSTOMERS, { first: 2, after: cursorOf(1) }, admin);

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await startGateway({ env: { SALESBINDER_URL: upstream.url, SALESBINDER_FORMAT: format } });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.hits.length = 0;
  });

  it('reports it as UPSTREAM_UNAVAILABLE, not retryable, and shows none of its accounts', async () => {
    upstream.answer(listPage('1'));
    const { body } = await secondPage();
    expect(body.data).toBeNull();
    expect(body.errors?.[0]).toMatchObject({
      message: 'SalesBinder answered another page than the one asked for',
      extensions: { code: 'UPSTREAM_UNAVAILABLE', retryable: false },
    });
    expect(JSON.stringify(body)).not.toContain(one?.name);
    expect(upstream.hits.map((h) => h.path)).toEqual([
      `/api/2.0/customers.${format}?contextId=2&page=2&pageLimit=2`,
    ]);
  });

  it('reads the page asked for, and one that does not name its page, as data', async () => {
    for (const page of ['2', undefined]) {
      upstream.answer(listPage(page));
      const { body } = await secondPage();
      expect(body.data?.customers.edges.map((e: { node: Node }) => e.node.id)).toEqual([one?.id, two?.id]);
    }
  });
});
