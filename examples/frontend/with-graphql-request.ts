/**
 * The same typed calls with graphql-request: it takes the generated documents (TypedDocumentNode)
 * as they are, infers the result and the variables, and throws a `ClientError` when the answer
 * carries GraphQL errors.
 */
import { GraphQLClient } from 'graphql-request';
import {
  type AccountKind,
  ListCustomersDocument,
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

export function createGatewayClient({ url, apiKey, fetch }: ClientOptions): GraphQLClient {
  return new GraphQLClient(url, {
    headers: { authorization: `Bearer ${apiKey}` },
    ...(fetch ? { fetch } : {}),
  });
}

export async function loadCustomer(client: GraphQLClient, id: string) {
  const { customer } = await client.request(LoadCustomerDocument, { id });
  return customer;
}

export async function listCustomers(
  client: GraphQLClient,
  { kind, first = 20, after }: { kind?: AccountKind; first?: number; after?: string } = {},
) {
  const { customers } = await client.request(ListCustomersDocument, {
    kind: kind ?? null,
    first,
    after: after ?? null,
  });
  return customers;
}

export async function saveCustomer(
  client: GraphQLClient,
  id: string,
  changes: UpdateCustomerInput,
  loadedVersion?: string,
): Promise<SaveResult> {
  const { updateCustomer } = await client.request(UpdateCustomerDocument, {
    id,
    input: changes,
    ifMatch: loadedVersion ?? null,
  });
  return saveResultOf(updateCustomer);
}
