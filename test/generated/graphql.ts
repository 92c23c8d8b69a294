/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Which of SalesBinder's three account contexts an account belongs to. */
export type AccountKind =
  /** A customer (SalesBinder context_id 2). */
  | 'CUSTOMER'
  /** A prospect (SalesBinder context_id 8). */
  | 'PROSPECT'
  /** A supplier (SalesBinder context_id 10). */
  | 'SUPPLIER';

/** Parts of an address to change. A part left out is not touched; a part set to null is cleared. Values are sent verbatim (no trimming), at most 255 characters each. */
export type AddressInput = {
  /** City. */
  city?: string | null | undefined;
  /** Country. */
  country?: string | null | undefined;
  /** First line (street, suite). */
  line1?: string | null | undefined;
  /** Second line. */
  line2?: string | null | undefined;
  /** Postal or ZIP code, sent verbatim (01234 stays 01234). */
  postalCode?: string | null | undefined;
  /** Province, state or region. */
  region?: string | null | undefined;
};

/** What to change. A field left out is not touched. A field set to null is cleared (sent to SalesBinder as an empty string), except `name`, which cannot be cleared. At least one field must be given. Values are sent verbatim, at most 255 characters each. */
export type UpdateCustomerInput = {
  /** Billing address parts to change; null clears all six parts. */
  billingAddress?: AddressInput | null | undefined;
  /** Business name; may not be null or blank. */
  name?: string | null | undefined;
  /** Office e-mail: an address HTML's <input type="email"> accepts, or null to clear. */
  officeEmail?: string | null | undefined;
  /** Office fax number. */
  officeFax?: string | null | undefined;
  /** Office phone number (SalesBinder field office_phone). */
  officePhone?: string | null | undefined;
  /** Shipping address parts to change; null clears all six parts. */
  shippingAddress?: AddressInput | null | undefined;
  /** Company website address. */
  url?: string | null | undefined;
};

export type UpdateMutationVariables = Exact<{
  id: string | number;
  input: UpdateCustomerInput;
}>;


export type UpdateMutation = { updateCustomer:
    | { __typename: 'CustomerConflictError', message: string }
    | { __typename: 'CustomerInputError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
    | { __typename: 'CustomerNotFoundError', message: string, id: string }
    | { __typename: 'SalesBinderAuthError', message: string }
    | { __typename: 'SalesBinderPermissionError', message: string }
    | { __typename: 'SalesBinderRateLimitError', message: string, retryAfterSeconds: number }
    | { __typename: 'SalesBinderUnavailableError', message: string, retryable: boolean }
    | { __typename: 'UpdateCustomerSuccess', message: string, customer: { id: string, name: string, customerNumber: number | null, kind: AccountKind | null, officeEmail: string | null, officePhone: string | null, officeFax: string | null, url: string | null, vatNumber: string | null, archived: boolean, createdAt: string, modifiedAt: string, billingAddress: { line1: string | null, line2: string | null, city: string | null, region: string | null, country: string | null, postalCode: string | null }, shippingAddress: { line1: string | null, line2: string | null, city: string | null, region: string | null, country: string | null, postalCode: string | null } } }
   };


export const UpdateDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Update"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateCustomerInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateCustomer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateCustomerSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"customerNumber"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"officeEmail"}},{"kind":"Field","name":{"kind":"Name","value":"officePhone"}},{"kind":"Field","name":{"kind":"Name","value":"officeFax"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"vatNumber"}},{"kind":"Field","name":{"kind":"Name","value":"archived"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"modifiedAt"}},{"kind":"Field","name":{"kind":"Name","value":"billingAddress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"line1"}},{"kind":"Field","name":{"kind":"Name","value":"line2"}},{"kind":"Field","name":{"kind":"Name","value":"city"}},{"kind":"Field","name":{"kind":"Name","value":"region"}},{"kind":"Field","name":{"kind":"Name","value":"country"}},{"kind":"Field","name":{"kind":"Name","value":"postalCode"}}]}},{"kind":"Field","name":{"kind":"Name","value":"shippingAddress"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"line1"}},{"kind":"Field","name":{"kind":"Name","value":"line2"}},{"kind":"Field","name":{"kind":"Name","value":"city"}},{"kind":"Field","name":{"kind":"Name","value":"region"}},{"kind":"Field","name":{"kind":"Name","value":"country"}},{"kind":"Field","name":{"kind":"Name","value":"postalCode"}}]}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CustomerInputError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"fieldErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CustomerNotFoundError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SalesBinderRateLimitError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"retryAfterSeconds"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SalesBinderUnavailableError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"retryable"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SalesBinderError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<UpdateMutation, UpdateMutationVariables>;