/**
 * A small orders subgraph (Apollo Server + @apollo/subgraph) for the federation tests: 40 orders
 * over the first 10 accounts of the sandbox's seed, each account referenced four times. It adds
 * `Customer.orders`, so that an operation can go from this gateway to the orders subgraph and back.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { seedCustomers } from '../../src/sandbox/seed.ts';

export const orderedCustomerIds = seedCustomers()
  .slice(0, 10)
  .map((c) => c.id);

export const orders = Array.from({ length: 40 }, (_, i) => ({
  id: `order-${i}`,
  total: 10 + i,
  customerId: orderedCustomerIds[i % orderedCustomerIds.length] as string,
}));

export const ORDERS_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Order @key(fields: "id") {
    id: ID!
    total: Float!
    customer: Customer!
  }

  type Customer @key(fields: "id") {
    id: ID!
    orders: [Order!]!
  }

  type Query {
    orders: [Order!]!
  }
`;

export interface OrdersSubgraph {
  url: string;
  stop(): Promise<void>;
}

export async function startOrdersSubgraph(): Promise<OrdersSubgraph> {
  const server = new ApolloServer({
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    schema: buildSubgraphSchema({
      typeDefs: parse(ORDERS_SDL),
      resolvers: {
        Query: { orders: () => orders },
        Order: {
          customer: (order: { customerId: string }) => ({ __typename: 'Customer', id: order.customerId }),
        },
        Customer: {
          __resolveReference: (customer: { id: string }) => customer,
          orders: (customer: { id: string }) => orders.filter((order) => order.customerId === customer.id),
        },
      },
    }),
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}
