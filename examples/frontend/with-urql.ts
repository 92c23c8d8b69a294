/**
 * The same typed calls with urql (`@urql/core`, what urql's React, Vue and Svelte bindings use
 * underneath): pass a generated document and urql infers the result and the variables.
 */
import { Client, fetchExchange } from '@urql/core';
import {
  type AccountKind,
  ListCustomersDocument,
  type ListCustomersQuery,
  LoadCustomerDocument,
  UpdateCustomerDocument,
  type UpdateCustomerInput,
} from '../../client/graphql.js';
import { type SaveResult, saveResultOf } from './save-result.js';

export interface ClientOptions {
  url: string;
  /** The signed-in user's own SalesBinder API key. */
  apiKey: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

export function createGatewayClient({ url, apiKey, fetch }: ClientOptions): Client {
  return new Client({
    url,
    // No cacheExchange: accounts change in SalesBinder behind the client's back; ask every time.
    exchanges: [fetchExchange],
    requestPolicy: 'network-only',
    // urql sends queries as GET by default; POST with a JSON body passes every CSRF guard.
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${apiKey}` } }),
    ...(fetch ? { fetch } : {}),
  });
}

type CustomerPage = ListCustomersQuery['customers'];

/** Every account of a kind, page after page, following `pageInfo.endCursor`. */
export async function* listAllCustomers(
  client: Client,
  { kind, search, pageSize = 50 }: { kind?: AccountKind; search?: string; pageSize?: number } = {},
): AsyncGenerator<CustomerPage['edges'][number]['node']> {
  const page = async (after: string | null): Promise<CustomerPage> => {
    const result = await client
      .query(ListCustomersDocument, { kind: kind ?? null, search: search ?? null, first: pageSize, after })
      .toPromise();
    if (result.error) throw result.error;
    if (!result.data) throw new Error('The gateway sent no data');
    return result.data.customers;
  };
  let after: string | null = null;
  do {
    const { edges, pageInfo } = await page(after);
    for (const edge of edges) yield edge.node;
    after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
  } while (after !== null);
}

export async function loadCustomer(client: Client, id: string) {
  const result = await client.query(LoadCustomerDocument, { id }).toPromise();
  if (result.error) throw result.error;
  return result.data?.customer ?? null;
}

export async function saveCustomer(
  client: Client,
  id: string,
  changes: UpdateCustomerInput,
  loadedVersion?: string,
): Promise<SaveResult> {
  const result = await client
    .mutation(UpdateCustomerDocument, { id, input: changes, ifMatch: loadedVersion ?? null })
    .toPromise();
  // Only a failed request lands here (network, malformed query); every outcome of the edit
  // itself is a member of the payload.
  if (result.error) throw result.error;
  if (!result.data) throw new Error('The gateway sent no data');
  return saveResultOf(result.data.updateCustomer);
}
