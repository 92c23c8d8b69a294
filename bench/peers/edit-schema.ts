/** What both GraphQL peers serve: the benchmark's mutation, and SalesBinder's record as it comes. */

export const EDIT_SDL = `#graphql
  type Customer { id: ID! name: String! customerNumber: Int officeEmail: String createdAt: String! modifiedAt: String! }
  type UpdateCustomerSuccess { message: String! customer: Customer! }
  type SalesBinderUnavailableError { message: String! }
  union UpdateCustomerPayload = UpdateCustomerSuccess | SalesBinderUnavailableError
  input UpdateCustomerInput { name: String }
  type Query { ok: Boolean }
  type Mutation { updateCustomer(id: ID!, input: UpdateCustomerInput!): UpdateCustomerPayload! }
`;

/** The part of SalesBinder's customer record the peers read. */
export interface WireCustomer {
  id: string;
  name: string;
  customer_number: number;
  office_email: string;
  created: string;
  modified: string;
}
