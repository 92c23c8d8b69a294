/**
 * The gateway as a Federation v2 subgraph, in a real federated graph: this subgraph and a small
 * orders subgraph that references Customer by id, composed with @apollo/composition and served
 * by Apollo Gateway, all on loopback. The router propagates the caller's Authorization header.
 */
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { ORDERS_SDL, orderedCustomerIds, orders, startOrdersSubgraph } from '../helpers/orders-subgraph.ts';
import { type ScriptedUpstream, startScriptedUpstream } from '../helpers/scripted-upstream.ts';

const customerIds = orderedCustomerIds;

interface RouterContext {
  authorization?: string;
}

async function startRouter(subgraphs: Array<{ name: string; url: string; sdl: string }>) {
  const composed = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<RouterContext>({
        url,
        // What the router must do for this subgraph: pass the caller's key along.
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const server = new ApolloServer<RouterContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) =>
      req.headers.authorization ? { authorization: req.headers.authorization } : {},
  });
  return { url, stop: () => server.stop() };
}

async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

const ORDERS_WITH_CUSTOMERS = '{ orders { id total customer { id name customerNumber kind } } }';

describe('a federated graph with this subgraph and an orders subgraph', () => {
  let gw: TestGateway;
  let ordersSubgraph: Awaited<ReturnType<typeof startOrdersSubgraph>>;
  let router: Awaited<ReturnType<typeof startRouter>>;

  beforeAll(async () => {
    gw = await startGateway();
    ordersSubgraph = await startOrdersSubgraph();
    const sdl = (await post(`${gw.url}/graphql`, '{ _service { sdl } }')).data._service.sdl as string;
    router = await startRouter([
      { name: 'salesbinder', url: `${gw.url}/graphql`, sdl },
      { name: 'orders', url: ordersSubgraph.url, sdl: ORDERS_SDL },
    ]);
  });
  afterAll(async () => {
    await router?.stop();
    await ordersSubgraph?.stop();
    await gw?.close();
  });
  beforeEach(() => gw.sandbox.reset());

  it('serves its printed schema as _service.sdl', async () => {
    const { data } = await post(`${gw.url}/graphql`, '{ _service { sdl } }');
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(data._service.sdl.trim()).toBe(committed.trim());
  });

  it('resolves the accounts orders reference, with the caller’s key, one read per distinct account', async () => {
    const result = await post(router.url, ORDERS_WITH_CUSTOMERS, { authorization: bearer(DEMO_ADMIN_KEY) });
    expect(result.errors).toBeUndefined();
    const seeds = new Map(seedCustomers().map((c) => [c.id, c]));
    expect(result.data.orders).toHaveLength(40);
    for (const order of result.data.orders) {
      const expected = seeds.get(orders.find((o) => o.id === order.id)?.customerId ?? '');
      expect(order.customer).toMatchObject({
        id: expected?.id,
        name: expected?.name,
        customerNumber: expected?.customer_number,
      });
    }
    const reads = gw.sandbox.requests.filter((r) => r.method === 'GET');
    expect(reads).toHaveLength(customerIds.length);
    expect(new Set(reads.map((r) => r.path)).size).toBe(customerIds.length);
    expect(new Set(reads.map((r) => r.headers.authorization))).toEqual(
      new Set([`Basic ${Buffer.from(`${DEMO_ADMIN_KEY}:x`).toString('base64')}`]),
    );
  });

  it('passes the subgraph’s UNAUTHENTICATED through when the caller sends no key, reading nothing', async () => {
    const result = await post(router.url, ORDERS_WITH_CUSTOMERS);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(gw.sandbox.requests).toHaveLength(0);
  });
});

describe('_entities with many representations', () => {
  let upstream: ScriptedUpstream;
  let gw: TestGateway;
  let inFlight = 0;
  let maxInFlight = 0;
  const record = seedCustomers()[0] as Record<string, unknown>;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.answer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const id = /customers\/([^.]+)\.json/.exec(req.url ?? '')?.[1];
      setTimeout(() => {
        inFlight--;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ customer: { ...record, id } }));
      }, 25);
    });
    gw = await startGateway({ env: { SALESBINDER_URL: upstream.url, MAX_CALLS_PER_OPERATION: '25' } });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('reads each distinct id once, at most four at a time', async () => {
    const ids = Array.from(
      { length: 25 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const representations = [...ids, ...ids].map((id) => ({ __typename: 'Customer', id }));
    const { body } = await gw.graphql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } } }',
      { r: representations },
      { authorization: bearer(DEMO_ADMIN_KEY) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities.map((e: { id: string }) => e.id)).toEqual([...ids, ...ids]);
    expect(upstream.hits).toHaveLength(25);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('answers null for a representation whose id is not a SalesBinder id, without a call', async () => {
    upstream.hits.length = 0;
    const { body } = await gw.graphql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id } } }',
      { r: [{ __typename: 'Customer', id: 'nope' }] },
      { authorization: bearer(DEMO_ADMIN_KEY) },
    );
    expect(body.data?._entities).toEqual([null]);
    expect(upstream.hits).toHaveLength(0);
  });
});
