/**
 * The peer a team would write instead: Apollo Server 5 with @apollo/datasource-rest, written the
 * way its documentation shows, for the same mutation over the same SalesBinder endpoint.
 */
import { Buffer } from 'node:buffer';
import { type AugmentedRequest, RESTDataSource } from '@apollo/datasource-rest';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { EDIT_SDL, type WireCustomer } from './edit-schema.ts';

class SalesBinderAPI extends RESTDataSource {
  override baseURL = `${process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4010'}/api/2.0/`;
  private readonly key: string;
  constructor(key: string) {
    super();
    this.key = key;
  }
  override willSendRequest(_path: string, request: AugmentedRequest) {
    request.headers.authorization = `Basic ${Buffer.from(`${this.key}:x`).toString('base64')}`;
  }
  async updateCustomer(id: string, input: { name?: string }) {
    return this.put<{ message: string; customer: WireCustomer }>(`customers/${encodeURIComponent(id)}.json`, {
      body: { customer: input },
    });
  }
}

const typeDefs = EDIT_SDL;

interface ContextValue {
  dataSources: { salesbinder: SalesBinderAPI };
}

const resolvers = {
  UpdateCustomerPayload: {
    __resolveType: (value: object) =>
      'customer' in value ? 'UpdateCustomerSuccess' : 'SalesBinderUnavailableError',
  },
  Customer: {
    customerNumber: (c: WireCustomer) => c.customer_number,
    officeEmail: (c: WireCustomer) => c.office_email || null,
    createdAt: (c: WireCustomer) => new Date(c.created).toISOString(),
    modifiedAt: (c: WireCustomer) => new Date(c.modified).toISOString(),
  },
  Mutation: {
    updateCustomer: async (
      _: unknown,
      { id, input }: { id: string; input: { name?: string } },
      { dataSources }: ContextValue,
    ) => {
      try {
        return await dataSources.salesbinder.updateCustomer(id, input);
      } catch (error) {
        return { message: (error as Error).message };
      }
    },
  },
};

const server = new ApolloServer<ContextValue>({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' },
  context: async ({ req }) => ({
    dataSources: {
      salesbinder: new SalesBinderAPI((req.headers.authorization ?? '').replace(/^Bearer /, '')),
    },
  }),
});
console.log(JSON.stringify({ listening: Number(new URL(url).port) }));
