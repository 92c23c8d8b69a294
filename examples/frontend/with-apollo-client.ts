/**
 * The same typed calls with Apollo Client (`@apollo/client`'s core; its React hooks use the same
 * client). Its cache normalises every object with an `id` (here `Customer:<id>`), so an edit's
 * answer updates each query that showed that account, without asking again.
 *
 * The one setting it cannot do without here is `possibleTypes`: the payload of `updateCustomer` is
 * a union and its failures implement the `SalesBinderError` interface. Without the generated map
 * the cache cannot tell that `SalesBinderPermissionError` is a `SalesBinderError`, and silently
 * drops every field selected through `... on SalesBinderError` (the types still say it is there).
 */
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import {
  LoadCustomerDocument,
  SaveCustomerDocument,
  type SaveCustomerMutation,
  type UpdateCustomerInput,
} from '../../client/graphql.js';
import generated from '../../client/possible-types.js';

export interface ClientOptions {
  url: string;
  /** The signed-in user's own SalesBinder API key. */
  apiKey: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default createCache() */
  cache?: InMemoryCache;
}

export function createCache(): InMemoryCache {
  return new InMemoryCache({ possibleTypes: generated.possibleTypes });
}

export function createGatewayClient({ url, apiKey, fetch, cache = createCache() }: ClientOptions) {
  return new ApolloClient({
    link: new HttpLink({
      uri: url,
      headers: { authorization: `Bearer ${apiKey}` },
      ...(fetch ? { fetch } : {}),
    }),
    cache,
  });
}

export async function loadCustomer(client: ApolloClient, id: string) {
  const { data } = await client.query({ query: LoadCustomerDocument, variables: { id } });
  return data?.customer ?? null;
}

/** What a form does with the answer; a failure's `message` is there for every failure. */
export type SaveOutcome = SaveCustomerMutation['updateCustomer'];

export async function saveCustomer(
  client: ApolloClient,
  id: string,
  changes: UpdateCustomerInput,
  loadedVersion?: string,
): Promise<SaveOutcome> {
  const { data } = await client.mutate({
    mutation: SaveCustomerDocument,
    variables: { id, input: changes, ifMatch: loadedVersion ?? null },
  });
  if (!data) throw new Error('The gateway sent no data');
  return data.updateCustomer;
}
