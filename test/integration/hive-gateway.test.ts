/**
 * Hive Gateway (from npm, in-process) in front of this subgraph, run with SUBGRAPH_SECRET, and the
 * orders subgraph; composed with @theguild/federation-composition, as Hive's own tooling does. The
 * router's settings are examples/federation/gateway.config.ts, the file the federation guide shows.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { ORDERS_SDL, orderedCustomerIds, orders, startOrdersSubgraph } from '../helpers/orders-subgraph.ts';

const SECRET = 'hive-router-secret-0123456789';
const SUBGRAPH_SDL = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');

interface Router {
  url: string;
  close(): Promise<void>;
}

/** The example config, read with the environment the router process would have. */
async function exampleConfig(env: { SUBGRAPH_SECRET?: string }) {
  vi.resetModules();
  vi.stubEnv('SUBGRAPH_SECRET', env.SUBGRAPH_SECRET);
  try {
    return (await import('../../examples/federation/gateway.config.ts')).gatewayConfig;
  } finally {
    vi.unstubAllEnvs();
  }
}

async function startHiveGateway(
  subgraphs: Array<{ name: string; url: string; sdl: string }>,
  env: { SUBGRAPH_SECRET?: string },
): Promise<Router> {
  const composed = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const config = await exampleConfig(env);
  const runtime: GatewayRuntime = createGatewayRuntime({
    supergraph: composed.supergraphSdl,
    ...(config.propagateHeaders ? { propagateHeaders: config.propagateHeaders } : {}),
    logging: false,
  });
  const server: Server = createServer(runtime);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await runtime.dispose();
    },
  };
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: bearer(DEMO_ADMIN_KEY) },
    body: JSON.stringify({ query, variables }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary results.
  return (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> };
}

/** This subgraph (in front of its sandbox), the orders subgraph, and Hive Gateway over both. */
async function startGraph(gatewayEnv: Record<string, string>, routerEnv: Record<string, string>) {
  const gw = await startGateway({ env: gatewayEnv });
  const ordersSubgraph = await startOrdersSubgraph();
  const router = await startHiveGateway(
    [
      { name: 'salesbinder', url: `${gw.url}/graphql`, sdl: SUBGRAPH_SDL },
      { name: 'orders', url: ordersSubgraph.url, sdl: ORDERS_SDL },
    ],
    routerEnv,
  );
  return {
    gw,
    router,
    async close() {
      await router.close();
      await ordersSubgraph.stop();
      await gw.close();
    },
  };
}

const ORDERS_WITH_CUSTOMERS = '{ orders { id total customer { id name customerNumber } } }';
const BASIC = `Basic ${Buffer.from(`${DEMO_ADMIN_KEY}:x`).toString('base64')}`;

describe('Hive Gateway with the example config, in front of this subgraph with SUBGRAPH_SECRET', () => {
  let graph: Awaited<ReturnType<typeof startGraph>>;
  let gw: TestGateway;
  let router: Router;
  const reads = () => gw.sandbox.requests.filter((r) => r.method === 'GET');

  beforeAll(async () => {
    // BUDGET=off: every SalesBinder read is counted here, none answered from what the gateway
    // remembers across requests.
    graph = await startGraph({ SUBGRAPH_SECRET: SECRET, BUDGET: 'off' }, { SUBGRAPH_SECRET: SECRET });
    ({ gw, router } = graph);
  });
  afterAll(() => graph?.close());
  beforeEach(() => gw.sandbox.reset());

  it('resolves the accounts orders reference through _entities, with the caller’s key, one read per distinct account', async () => {
    const result = await post(router.url, ORDERS_WITH_CUSTOMERS);
    expect(result.errors).toBeUndefined();
    const seeds = new Map(seedCustomers().map((c) => [c.id, c]));
    expect(result.data.orders).toHaveLength(orders.length);
    for (const order of result.data.orders) {
      const expected = seeds.get(orders.find((o) => o.id === order.id)?.customerId ?? '');
      expect(order.customer).toMatchObject({ id: expected?.id, name: expected?.name });
    }
    expect(reads()).toHaveLength(orderedCustomerIds.length);
    expect(new Set(reads().map((r) => r.headers.authorization))).toEqual(new Set([BASIC]));
  });

  it('reads an account twice when an operation leaves this subgraph and comes back for it', async () => {
    const id = orderedCustomerIds[0] as string;
    const result = await post(
      router.url,
      'query ($id: ID!) { customer(id: $id) { name orders { total customer { id officeEmail } } } }',
      { id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.customer.orders).toHaveLength(4);
    // The first hop reads it for `customer`; the second is another request to this subgraph
    // (`_entities` for Order.customer), with a loader of its own: the four references are one
    // read there, but not the same read as the first hop's.
    const readsOfIt = reads().filter((r) => r.path.includes(id));
    expect(readsOfIt).toHaveLength(2);
  });
});

describe('Hive Gateway in front of this subgraph with the budget on (the default)', () => {
  let graph: Awaited<ReturnType<typeof startGraph>>;
  let gw: TestGateway;
  let router: Router;

  beforeAll(async () => {
    graph = await startGraph({ SUBGRAPH_SECRET: SECRET, BUDGET: 'on' }, { SUBGRAPH_SECRET: SECRET });
    ({ gw, router } = graph);
  });
  afterAll(() => graph?.close());

  it('reads an account once when an operation leaves this subgraph and comes back for it', async () => {
    const id = orderedCustomerIds[0] as string;
    const result = await post(
      router.url,
      'query ($id: ID!) { customer(id: $id) { name orders { total customer { id officeEmail } } } }',
      { id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.customer.orders).toHaveLength(4);
    // The second hop's `_entities` is answered from what the first hop's read left in memory.
    expect(gw.sandbox.requests.filter((r) => r.path.includes(id))).toHaveLength(1);
  });
});

describe('a router that does not send the subgraph secret', () => {
  let graph: Awaited<ReturnType<typeof startGraph>>;
  let gw: TestGateway;
  let router: Router;

  beforeAll(async () => {
    graph = await startGraph({ SUBGRAPH_SECRET: SECRET }, {});
    ({ gw, router } = graph);
  });
  afterAll(() => graph?.close());

  it('gets FORBIDDEN on every entity fetch, and SalesBinder is not asked', async () => {
    const result = await post(router.url, ORDERS_WITH_CUSTOMERS);
    expect(result.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    expect(gw.sandbox.requests).toHaveLength(0);
  });
});
