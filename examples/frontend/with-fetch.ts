/**
 * Typed calls to the gateway with nothing but `fetch`: the generated documents carry their result
 * and variables types (TypedDocumentNode), so `execute` returns exactly what the operation selects
 * and refuses variables the operation does not declare.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import {
  type CustomerDetailsFragment,
  LoadCustomerDocument,
  UpdateCustomerDocument,
  type UpdateCustomerInput,
} from '../../client/graphql.js';
import { type SaveResult, saveResultOf } from './save-result.js';

export interface GatewayOptions {
  /** The gateway's GraphQL endpoint, e.g. `https://api.example.com/graphql`. */
  url: string;
  /** The signed-in user's own SalesBinder API key; the gateway has none of its own. */
  apiKey: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * The request failed as a whole (malformed query, unknown account, SalesBinder down for a read):
 * a GraphQL error, with its `extensions.code` (`UNAUTHENTICATED`, `RATE_LIMITED`, ...).
 * Edits never end here for their expected failures: those are members of the payload.
 */
export class GatewayError extends Error {
  readonly codes: string[];
  constructor(errors: ReadonlyArray<{ message: string; extensions?: { code?: unknown } }>, status: number) {
    super(errors.map((error) => error.message).join('; ') || `The gateway answered HTTP ${status}`);
    this.name = 'GatewayError';
    this.codes = errors.map((error) => String(error.extensions?.code ?? 'UNKNOWN'));
  }
}

export async function execute<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  options: GatewayOptions,
): Promise<TResult> {
  const response = await (options.fetch ?? fetch)(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${options.apiKey}`,
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as {
    data?: TResult | null;
    errors?: Array<{ message: string; extensions?: { code?: unknown } }>;
  };
  if (body.errors?.length || !body.data) throw new GatewayError(body.errors ?? [], response.status);
  return body.data;
}

/** One account, or null when there is none with this id. */
export async function loadCustomer(
  options: GatewayOptions,
  id: string,
): Promise<CustomerDetailsFragment | null> {
  const { customer } = await execute(LoadCustomerDocument, { id }, options);
  return customer;
}

/**
 * Saves the changed fields of a form. Pass the `version` the form was loaded with, so that an
 * edit made by someone else in the meantime comes back as a conflict instead of being overwritten.
 */
export async function saveCustomer(
  options: GatewayOptions,
  id: string,
  changes: UpdateCustomerInput,
  loadedVersion?: string,
): Promise<SaveResult> {
  const { updateCustomer } = await execute(
    UpdateCustomerDocument,
    { id, input: changes, ifMatch: loadedVersion ?? null },
    options,
  );
  return saveResultOf(updateCustomer);
}
