/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment CustomerDetails on Customer {\n  id\n  customerNumber\n  kind\n  name\n  officeEmail\n  officePhone\n  officeFax\n  url\n  vatNumber\n  archived\n  billingAddress {\n    line1\n    line2\n    city\n    region\n    country\n    postalCode\n  }\n  shippingAddress {\n    line1\n    line2\n    city\n    region\n    country\n    postalCode\n  }\n  createdAt\n  modifiedAt\n}\n\nquery LoadCustomer($id: ID!) {\n  customer(id: $id) {\n    ...CustomerDetails\n  }\n}": typeof types.CustomerDetailsFragmentDoc,
    "query ListCustomers($kind: AccountKind, $search: String, $first: Int, $after: String) {\n  customers(kind: $kind, search: $search, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        customerNumber\n        kind\n        name\n        officeEmail\n        modifiedAt\n      }\n    }\n  }\n}": typeof types.ListCustomersDocument,
    "mutation SaveCustomer($id: ID!, $input: UpdateCustomerInput!, $ifUnmodifiedSince: DateTime) {\n  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $ifUnmodifiedSince) {\n    __typename\n    ... on UpdateCustomerSuccess {\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on CustomerInputError {\n      fieldErrors {\n        path\n        message\n      }\n    }\n    ... on CustomerConflictError {\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on SalesBinderError {\n      message\n    }\n  }\n}": typeof types.SaveCustomerDocument,
    "mutation UpdateCustomer($id: ID!, $input: UpdateCustomerInput!, $ifUnmodifiedSince: DateTime) {\n  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $ifUnmodifiedSince) {\n    __typename\n    ... on UpdateCustomerSuccess {\n      message\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on CustomerInputError {\n      message\n      fieldErrors {\n        path\n        message\n      }\n    }\n    ... on CustomerNotFoundError {\n      message\n      id\n    }\n    ... on CustomerConflictError {\n      message\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on SalesBinderAuthError {\n      message\n    }\n    ... on SalesBinderPermissionError {\n      message\n    }\n    ... on SalesBinderRateLimitError {\n      message\n      retryAfterSeconds\n    }\n    ... on SalesBinderUnavailableError {\n      message\n      retryable\n    }\n  }\n}": typeof types.UpdateCustomerDocument,
};
const documents: Documents = {
    "fragment CustomerDetails on Customer {\n  id\n  customerNumber\n  kind\n  name\n  officeEmail\n  officePhone\n  officeFax\n  url\n  vatNumber\n  archived\n  billingAddress {\n    line1\n    line2\n    city\n    region\n    country\n    postalCode\n  }\n  shippingAddress {\n    line1\n    line2\n    city\n    region\n    country\n    postalCode\n  }\n  createdAt\n  modifiedAt\n}\n\nquery LoadCustomer($id: ID!) {\n  customer(id: $id) {\n    ...CustomerDetails\n  }\n}": types.CustomerDetailsFragmentDoc,
    "query ListCustomers($kind: AccountKind, $search: String, $first: Int, $after: String) {\n  customers(kind: $kind, search: $search, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        customerNumber\n        kind\n        name\n        officeEmail\n        modifiedAt\n      }\n    }\n  }\n}": types.ListCustomersDocument,
    "mutation SaveCustomer($id: ID!, $input: UpdateCustomerInput!, $ifUnmodifiedSince: DateTime) {\n  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $ifUnmodifiedSince) {\n    __typename\n    ... on UpdateCustomerSuccess {\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on CustomerInputError {\n      fieldErrors {\n        path\n        message\n      }\n    }\n    ... on CustomerConflictError {\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on SalesBinderError {\n      message\n    }\n  }\n}": types.SaveCustomerDocument,
    "mutation UpdateCustomer($id: ID!, $input: UpdateCustomerInput!, $ifUnmodifiedSince: DateTime) {\n  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $ifUnmodifiedSince) {\n    __typename\n    ... on UpdateCustomerSuccess {\n      message\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on CustomerInputError {\n      message\n      fieldErrors {\n        path\n        message\n      }\n    }\n    ... on CustomerNotFoundError {\n      message\n      id\n    }\n    ... on CustomerConflictError {\n      message\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on SalesBinderAuthError {\n      message\n    }\n    ... on SalesBinderPermissionError {\n      message\n    }\n    ... on SalesBinderRateLimitError {\n      message\n      retryAfterSeconds\n    }\n    ... on SalesBinderUnavailableError {\n      message\n      retryable\n    }\n  }\n}": types.UpdateCustomerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment CustomerDetails on Customer {\n  id\n  customerNumber\n  kind\n  name\n  officeEmail\n  officePhone\n  officeFax\n  url\n  vatNumber\n  archived\n  billingAddress {\n    line1\n    line2\n    city\n    region\n    country\n    postalCode\n  }\n  shippingAddress {\n    line1\n    line2\n    city\n    region\n    country\n    postalCode\n  }\n  createdAt\n  modifiedAt\n}\n\nquery LoadCustomer($id: ID!) {\n  customer(id: $id) {\n    ...CustomerDetails\n  }\n}"): (typeof documents)["fragment CustomerDetails on Customer {\n  id\n  customerNumber\n  kind\n  name\n  officeEmail\n  officePhone\n  officeFax\n  url\n  vatNumber\n  archived\n  billingAddress {\n    line1\n    line2\n    city\n    region\n    country\n    postalCode\n  }\n  shippingAddress {\n    line1\n    line2\n    city\n    region\n    country\n    postalCode\n  }\n  createdAt\n  modifiedAt\n}\n\nquery LoadCustomer($id: ID!) {\n  customer(id: $id) {\n    ...CustomerDetails\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ListCustomers($kind: AccountKind, $search: String, $first: Int, $after: String) {\n  customers(kind: $kind, search: $search, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        customerNumber\n        kind\n        name\n        officeEmail\n        modifiedAt\n      }\n    }\n  }\n}"): (typeof documents)["query ListCustomers($kind: AccountKind, $search: String, $first: Int, $after: String) {\n  customers(kind: $kind, search: $search, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        customerNumber\n        kind\n        name\n        officeEmail\n        modifiedAt\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SaveCustomer($id: ID!, $input: UpdateCustomerInput!, $ifUnmodifiedSince: DateTime) {\n  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $ifUnmodifiedSince) {\n    __typename\n    ... on UpdateCustomerSuccess {\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on CustomerInputError {\n      fieldErrors {\n        path\n        message\n      }\n    }\n    ... on CustomerConflictError {\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on SalesBinderError {\n      message\n    }\n  }\n}"): (typeof documents)["mutation SaveCustomer($id: ID!, $input: UpdateCustomerInput!, $ifUnmodifiedSince: DateTime) {\n  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $ifUnmodifiedSince) {\n    __typename\n    ... on UpdateCustomerSuccess {\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on CustomerInputError {\n      fieldErrors {\n        path\n        message\n      }\n    }\n    ... on CustomerConflictError {\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on SalesBinderError {\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateCustomer($id: ID!, $input: UpdateCustomerInput!, $ifUnmodifiedSince: DateTime) {\n  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $ifUnmodifiedSince) {\n    __typename\n    ... on UpdateCustomerSuccess {\n      message\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on CustomerInputError {\n      message\n      fieldErrors {\n        path\n        message\n      }\n    }\n    ... on CustomerNotFoundError {\n      message\n      id\n    }\n    ... on CustomerConflictError {\n      message\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on SalesBinderAuthError {\n      message\n    }\n    ... on SalesBinderPermissionError {\n      message\n    }\n    ... on SalesBinderRateLimitError {\n      message\n      retryAfterSeconds\n    }\n    ... on SalesBinderUnavailableError {\n      message\n      retryable\n    }\n  }\n}"): (typeof documents)["mutation UpdateCustomer($id: ID!, $input: UpdateCustomerInput!, $ifUnmodifiedSince: DateTime) {\n  updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $ifUnmodifiedSince) {\n    __typename\n    ... on UpdateCustomerSuccess {\n      message\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on CustomerInputError {\n      message\n      fieldErrors {\n        path\n        message\n      }\n    }\n    ... on CustomerNotFoundError {\n      message\n      id\n    }\n    ... on CustomerConflictError {\n      message\n      customer {\n        ...CustomerDetails\n      }\n    }\n    ... on SalesBinderAuthError {\n      message\n    }\n    ... on SalesBinderPermissionError {\n      message\n    }\n    ... on SalesBinderRateLimitError {\n      message\n      retryAfterSeconds\n    }\n    ... on SalesBinderUnavailableError {\n      message\n      retryable\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;