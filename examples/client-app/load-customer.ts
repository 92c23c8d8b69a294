// A frontend's code against the installed package: the typed document, its result type, the
// possibleTypes map and the manifest, all from `@salesbinder-gateway/client`. Type-checked with
// NodeNext and with bundler resolution (tsconfig.*.json), run against a gateway by run.mjs.
import {
  LoadCustomerDocument,
  type LoadCustomerQuery,
  type LoadCustomerQueryVariables,
  possibleTypes,
} from '@salesbinder-gateway/client';
import manifest from '@salesbinder-gateway/client/persisted-documents.json' with { type: 'json' };
import { print } from 'graphql';

export async function loadCustomer(
  url: string,
  apiKey: string,
  variables: LoadCustomerQueryVariables,
): Promise<LoadCustomerQuery['customer']> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: print(LoadCustomerDocument), variables }),
  });
  const { data } = (await response.json()) as { data: LoadCustomerQuery };
  return data.customer;
}

/** Every failure type an edit can answer with, as Apollo Client's cache must know them. */
export const failures: readonly string[] = possibleTypes.SalesBinderError;

/** The persisted documents a gateway with TRUSTED_DOCUMENTS would accept from this app. */
export const documentIds: readonly string[] = Object.keys(manifest);
