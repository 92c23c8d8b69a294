/** The operations the tests send, as a frontend would write them. */

/** updateCustomer selecting every member of its payload. */
export const UPDATE = /* GraphQL */ `
  mutation Update($id: ID!, $input: UpdateCustomerInput!) {
    updateCustomer(id: $id, input: $input) {
      __typename
      ... on UpdateCustomerSuccess {
        message
        customer {
          id name customerNumber kind officeEmail officePhone officeFax url vatNumber archived createdAt modifiedAt
          billingAddress { line1 line2 city region country postalCode }
          shippingAddress { line1 line2 city region country postalCode }
        }
      }
      ... on CustomerInputError { message fieldErrors { path message } }
      ... on CustomerNotFoundError { message id }
      ... on SalesBinderRateLimitError { message retryAfterSeconds }
      ... on SalesBinderUnavailableError { message retryable }
      ... on SalesBinderError { message }
    }
  }
`;

/** The fields of an account a frontend shows. */
export const CUSTOMER_FIELDS = /* GraphQL */ `
  fragment CustomerFields on Customer {
    id name customerNumber kind officeEmail officePhone officeFax url vatNumber archived createdAt modifiedAt
    billingAddress { line1 line2 city region country postalCode }
    shippingAddress { line1 line2 city region country postalCode }
  }
`;

/** One account by id. */
export const CUSTOMER = /* GraphQL */ `
  query Customer($id: ID!) {
    customer(id: $id) { ...CustomerFields }
  }
  ${CUSTOMER_FIELDS}
`;

/** A page of accounts. */
export const CUSTOMERS = /* GraphQL */ `
  query Customers($kind: AccountKind, $search: String, $first: Int, $after: String) {
    customers(kind: $kind, search: $search, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id name customerNumber kind } }
    }
  }
`;

/** An edit guarded against overwriting someone else's. */
export const UPDATE_IF_UNMODIFIED = /* GraphQL */ `
  mutation UpdateIfUnmodified($id: ID!, $input: UpdateCustomerInput!, $since: DateTime) {
    updateCustomer(id: $id, input: $input, ifUnmodifiedSince: $since) {
      __typename
      ... on UpdateCustomerSuccess { customer { id name modifiedAt } }
      ... on CustomerConflictError { message customer { id name modifiedAt } }
      ... on SalesBinderError { message }
    }
  }
`;

/** An edit guarded by the version the client loaded. */
export const UPDATE_IF_MATCH = /* GraphQL */ `
  mutation UpdateIfMatch($id: ID!, $input: UpdateCustomerInput!, $ifMatch: String, $since: DateTime) {
    updateCustomer(id: $id, input: $input, ifMatch: $ifMatch, ifUnmodifiedSince: $since) {
      __typename
      ... on UpdateCustomerSuccess { customer { id name modifiedAt version } }
      ... on CustomerConflictError { message customer { id name modifiedAt version } }
      ... on CustomerInputError { message fieldErrors { path message } }
      ... on SalesBinderError { message }
    }
  }
`;

/** createCustomer selecting every member of its payload. */
export const CREATE = /* GraphQL */ `
  mutation Create($input: CreateCustomerInput!, $idempotencyKey: String) {
    createCustomer(input: $input, idempotencyKey: $idempotencyKey) {
      __typename
      ... on CreateCustomerSuccess { message customer { ...CustomerFields version } }
      ... on CustomerInputError { message fieldErrors { path message } }
      ... on SalesBinderRateLimitError { message retryAfterSeconds }
      ... on SalesBinderUnavailableError { message retryable }
      ... on SalesBinderError { message }
    }
  }
  ${CUSTOMER_FIELDS}
`;

/** deleteCustomer selecting every member of its payload. */
export const DELETE = /* GraphQL */ `
  mutation Delete($id: ID!, $ifMatch: String, $since: DateTime) {
    deleteCustomer(id: $id, ifMatch: $ifMatch, ifUnmodifiedSince: $since) {
      __typename
      ... on DeleteCustomerSuccess { id message }
      ... on CustomerNotFoundError { message id }
      ... on CustomerConflictError { message customer { id name version } }
      ... on SalesBinderRateLimitError { message retryAfterSeconds }
      ... on SalesBinderUnavailableError { message retryable }
      ... on SalesBinderError { message }
    }
  }
`;
