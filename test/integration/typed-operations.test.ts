/**
 * The example operations (examples/operations/*.graphql) as frontends use them: generated typed
 * documents (client/), sent by the examples in examples/frontend/ (plain fetch, urql,
 * graphql-request and Apollo Client) to a real gateway on the sandbox. The types are checked by `npm run check:types`: a misspelt field or a missing
 * variable in this file, or in the examples, fails to compile.
 */
import { InMemoryCache } from '@apollo/client';
import { print } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  type CustomerDetailsFragment,
  type ListCustomersQuery,
  LoadCustomerDocument,
  type UpdateCustomerMutation,
} from '../../client/graphql.ts';
import type { SaveResult } from '../../examples/frontend/save-result.ts';
import * as withApollo from '../../examples/frontend/with-apollo-client.ts';
import * as withFetch from '../../examples/frontend/with-fetch.ts';
import * as withGraphQLRequest from '../../examples/frontend/with-graphql-request.ts';
import * as withUrql from '../../examples/frontend/with-urql.ts';
import { DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { DEMO_ADMIN_KEY, DEMO_VIEWER_KEY } from '../helpers/keys.ts';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const customerIds = seedCustomers()
  .filter((record) => record.context_id === 2)
  .map((record) => record.id);

let gw: TestGateway;
// Through the test gateway's fetch, so every response is kept for its key-leak check on close.
const viaGateway: typeof fetch = (input, init) => gw.fetch(new URL(String(input)).pathname, init);
const options = (apiKey = DEMO_ADMIN_KEY): withFetch.GatewayOptions => ({
  url: `${gw.url}/graphql`,
  apiKey,
  fetch: viaGateway,
});
const urql = (apiKey = DEMO_ADMIN_KEY) =>
  withUrql.createGatewayClient({ url: `${gw.url}/graphql`, apiKey, fetch: viaGateway });
const graphqlRequest = (apiKey = DEMO_ADMIN_KEY) =>
  withGraphQLRequest.createGatewayClient({ url: `${gw.url}/graphql`, apiKey, fetch: viaGateway });
const apollo = (apiKey = DEMO_ADMIN_KEY, cache?: InMemoryCache) =>
  withApollo.createGatewayClient({
    url: `${gw.url}/graphql`,
    apiKey,
    fetch: viaGateway,
    ...(cache ? { cache } : {}),
  });
/** SalesBinder reads of one account, as the sandbox saw them. */
const readsOf = (id: string) =>
  gw.sandbox.requests.filter((r) => r.method === 'GET' && r.path.includes(`customers/${id}`)).length;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());
beforeEach(() => gw.sandbox.reset());

describe('typed documents', () => {
  it('carry the result type of exactly what the operation selects', () => {
    type Payload = UpdateCustomerMutation['updateCustomer'];
    expectTypeOf<Payload['__typename']>().toEqualTypeOf<
      | 'UpdateCustomerSuccess'
      | 'CustomerInputError'
      | 'CustomerNotFoundError'
      | 'CustomerConflictError'
      | 'SalesBinderAuthError'
      | 'SalesBinderPermissionError'
      | 'SalesBinderRateLimitError'
      | 'SalesBinderUnavailableError'
    >();
    type Node = ListCustomersQuery['customers']['edges'][number]['node'];
    expectTypeOf<Node['name']>().toEqualTypeOf<string>();
    expectTypeOf<Node['officeEmail']>().toEqualTypeOf<string | null>();
    // @ts-expect-error: ListCustomers does not select vatNumber, so the type has no such field.
    expectTypeOf<Node['vatNumber']>().toBeString();
  });

  it('print to the operation text the gateway runs', async () => {
    const { status, body } = await gw.graphql<{ customer: { id: string; name: string } }>(
      print(LoadCustomerDocument),
      { id: DOC_EXAMPLE_ID },
      { authorization: `Bearer ${DEMO_ADMIN_KEY}` },
    );
    expect(status).toBe(200);
    expect(body.data?.customer).toMatchObject({ id: DOC_EXAMPLE_ID, name: expect.any(String) });
  });
});

describe('a frontend with plain fetch', () => {
  it('loads an account with LoadCustomer, and null for an id SalesBinder does not know', async () => {
    const customer = await withFetch.loadCustomer(options(), DOC_EXAMPLE_ID);
    expect(customer).toMatchObject({ id: DOC_EXAMPLE_ID, kind: 'CUSTOMER', archived: false });
    expect(customer?.billingAddress).toHaveProperty('postalCode');
    expect(await withFetch.loadCustomer(options(), UNKNOWN_ID)).toBeNull();
  });

  it('saves an edit and gets the whole updated account back', async () => {
    const loaded = await withFetch.loadCustomer(options(), DOC_EXAMPLE_ID);
    const result = await withFetch.saveCustomer(
      options(),
      DOC_EXAMPLE_ID,
      { name: 'API Renamed Customer', billingAddress: { postalCode: '01234' } },
      loaded?.version,
    );
    expect(result).toMatchObject({
      kind: 'saved',
      message: 'Saved',
      customer: { id: DOC_EXAMPLE_ID, name: 'API Renamed Customer', billingAddress: { postalCode: '01234' } },
    });
  });

  it('throws a GatewayError with the code when the request as a whole fails', async () => {
    const failure = withFetch.loadCustomer(options('not a key'), DOC_EXAMPLE_ID);
    await expect(failure).rejects.toBeInstanceOf(withFetch.GatewayError);
    await expect(failure).rejects.toMatchObject({ codes: ['UNAUTHENTICATED'] });
  });
});

describe('a frontend with urql', () => {
  it('pages through every customer with ListCustomers, following endCursor', async () => {
    const names: string[] = [];
    const ids: string[] = [];
    for await (const customer of withUrql.listAllCustomers(urql(), { kind: 'CUSTOMER', pageSize: 2 })) {
      ids.push(customer.id);
      names.push(customer.name);
    }
    expect(ids.toSorted()).toEqual(customerIds.toSorted());
    expect(new Set(ids).size).toBe(ids.length);
    // One SalesBinder list call per page of two.
    const listCalls = gw.sandbox.requests.filter((r) => r.method === 'GET' && r.path.includes('contextId='));
    expect(listCalls).toHaveLength(Math.ceil(customerIds.length / 2));
  });

  it('loads and saves an account', async () => {
    const client = urql();
    const loaded = await withUrql.loadCustomer(client, DOC_EXAMPLE_ID);
    expect(loaded?.id).toBe(DOC_EXAMPLE_ID);
    const result = await withUrql.saveCustomer(client, DOC_EXAMPLE_ID, { officeFax: null }, loaded?.version);
    expect(result).toMatchObject({ kind: 'saved', customer: { officeFax: null } });
  });
});

describe('a frontend with graphql-request', () => {
  it('loads an account, with the type of exactly what LoadCustomer selects', async () => {
    const customer = await withGraphQLRequest.loadCustomer(graphqlRequest(), DOC_EXAMPLE_ID);
    expectTypeOf(customer).toEqualTypeOf<CustomerDetailsFragment | null>();
    expect(customer).toMatchObject({ id: DOC_EXAMPLE_ID, kind: 'CUSTOMER', customerNumber: 641 });
    expect(await withGraphQLRequest.loadCustomer(graphqlRequest(), UNKNOWN_ID)).toBeNull();
  });

  it('lists a page of accounts and saves an edit', async () => {
    const client = graphqlRequest();
    const page = await withGraphQLRequest.listCustomers(client, { kind: 'CUSTOMER', first: 2 });
    expectTypeOf(page).toEqualTypeOf<ListCustomersQuery['customers']>();
    expect(page.edges).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const result = await withGraphQLRequest.saveCustomer(client, DOC_EXAMPLE_ID, { url: 'example.org' });
    expect(result).toMatchObject({ kind: 'saved', customer: { id: DOC_EXAMPLE_ID, url: 'example.org' } });
  });

  it('throws when the request as a whole fails, with the code', async () => {
    await expect(
      withGraphQLRequest.loadCustomer(graphqlRequest('not a key'), DOC_EXAMPLE_ID),
    ).rejects.toMatchObject({
      response: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] },
    });
  });
});

describe('a frontend with Apollo Client', () => {
  it('gets the message of every failure through `... on SalesBinderError`, with the generated possibleTypes', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const outcome = await withApollo.saveCustomer(apollo(DEMO_VIEWER_KEY), DOC_EXAMPLE_ID, { name: 'X' });
      expect(outcome).toEqual({
        __typename: 'SalesBinderPermissionError',
        message: expect.stringMatching(/\w/),
      });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('loses that message without possibleTypes, with only a development-build warning (the reason they are generated)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const outcome = await withApollo.saveCustomer(
        apollo(DEMO_VIEWER_KEY, new InMemoryCache()),
        DOC_EXAMPLE_ID,
        { name: 'X' },
      );
      expect(outcome).toEqual({ __typename: 'SalesBinderPermissionError' });
      // The gateway did send it: the client's cache dropped it.
      expect(gw.responses.some((body) => /"SalesBinderPermissionError","message":"/.test(body))).toBe(true);
      expect(String(warn.mock.calls.flat())).toMatch(/missing `possibleTypes` entry/);
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps one Customer per id, and an edit updates an account shown before, without asking again', async () => {
    const client = apollo();
    const shown: string[] = [];
    const watched = client
      .watchQuery({ query: LoadCustomerDocument, variables: { id: DOC_EXAMPLE_ID } })
      .subscribe(({ data, dataState }) => {
        if (dataState === 'complete' && data.customer) shown.push(data.customer.name);
      });
    try {
      await expect.poll(() => shown.length).toBe(1);
      const before = shown[0];
      const outcome = await withApollo.saveCustomer(client, DOC_EXAMPLE_ID, { name: 'Renamed by Apollo' });
      expect(outcome.__typename).toBe('UpdateCustomerSuccess');
      await expect.poll(() => shown.at(-1)).toBe('Renamed by Apollo');
      expect(before).not.toBe('Renamed by Apollo');
      // One Customer:<id> entry, updated in place by the edit's answer; SalesBinder was read once.
      expect((client.cache.extract() as Record<string, unknown>)[`Customer:${DOC_EXAMPLE_ID}`]).toMatchObject(
        {
          name: 'Renamed by Apollo',
        },
      );
      expect(readsOf(DOC_EXAMPLE_ID)).toBe(1);
      expect(await withApollo.loadCustomer(client, DOC_EXAMPLE_ID)).toMatchObject({
        name: 'Renamed by Apollo',
      });
      expect(readsOf(DOC_EXAMPLE_ID)).toBe(1);
    } finally {
      watched.unsubscribe();
    }
  });
});

describe('every outcome of UpdateCustomer, handled by the example', () => {
  const save = (changes: Parameters<typeof withFetch.saveCustomer>[2], id = DOC_EXAMPLE_ID, key?: string) =>
    withFetch.saveCustomer(options(key), id, changes);

  it.each<[string, () => Promise<SaveResult>, Partial<SaveResult>]>([
    ['saved', () => save({ url: 'https://example.com' }), { kind: 'saved' }],
    [
      'invalid, every field at once',
      () => save({ name: ' ', officeEmail: 'not an address' }),
      {
        kind: 'invalid',
        fieldErrors: { 'input.name': expect.any(String), 'input.officeEmail': expect.any(String) },
      } as Partial<SaveResult>,
    ],
    ['not found', () => save({ name: 'Nobody' }, UNKNOWN_ID), { kind: 'not-found', id: UNKNOWN_ID }],
    ['sign in again', () => save({ name: 'X' }, DOC_EXAMPLE_ID, 'not a key'), { kind: 'sign-in' }],
    ['forbidden', () => save({ name: 'X' }, DOC_EXAMPLE_ID, DEMO_VIEWER_KEY), { kind: 'forbidden' }],
  ])('%s', async (_, run, expected) => {
    expect(await run()).toMatchObject(expected);
  });

  it('conflict, when someone else saved after the form was loaded', async () => {
    const loaded = await withFetch.loadCustomer(options(), DOC_EXAMPLE_ID);
    const theirs = await withFetch.saveCustomer(options(), DOC_EXAMPLE_ID, { name: 'Theirs' });
    expect(theirs.kind).toBe('saved');
    const mine = await withFetch.saveCustomer(options(), DOC_EXAMPLE_ID, { name: 'Mine' }, loaded?.version);
    expect(mine).toMatchObject({ kind: 'conflict', current: { name: 'Theirs' } });
  });

  it('rate limited, with the seconds to wait', async () => {
    gw.sandbox.faults.add({ kind: 'status', status: 429, retryAfter: 7, times: 1, match: { method: 'PUT' } });
    expect(await save({ name: 'X' })).toMatchObject({ kind: 'rate-limited', retryAfterSeconds: 7 });
  });

  it('unavailable, and whether a retry may help', async () => {
    gw.sandbox.faults.add({ kind: 'status', status: 500, times: 1, match: { method: 'PUT' } });
    expect(await save({ name: 'X' })).toMatchObject({ kind: 'unavailable', retryable: true });
  });
});
