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
