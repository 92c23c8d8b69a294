/**
 * Every outcome of `updateCustomer`, turned into what a form does next. The switch is exhaustive
 * over the payload's `__typename`: when the gateway adds a payload member and the types are
 * regenerated, this file stops compiling until the new member is handled.
 *
 * In your app, the generated module is your own codegen output (e.g. `src/gql/graphql.ts`).
 */
import type { CustomerDetailsFragment, UpdateCustomerMutation } from '../../client/graphql.js';

export type UpdateCustomerPayload = UpdateCustomerMutation['updateCustomer'];

export type SaveResult =
  /** Saved: show `customer`, it is the account as SalesBinder now has it. */
  | { kind: 'saved'; message: string; customer: CustomerDetailsFragment }
  /** Show each message beside its field; the key is the input path, e.g. `input.billingAddress.city`. */
  | { kind: 'invalid'; message: string; fieldErrors: Record<string, string> }
  /** The account is gone (or this user may not see it): leave the form. */
  | { kind: 'not-found'; message: string; id: string }
  /** Someone else saved first: nothing was written; offer to reload `current` or to save over it. */
  | { kind: 'conflict'; message: string; current: CustomerDetailsFragment }
  /** The key is missing or wrong: ask the user to sign in again. */
  | { kind: 'sign-in'; message: string }
  /** The user's SalesBinder role may not edit accounts. */
  | { kind: 'forbidden'; message: string }
  /** SalesBinder's rate limit: the same save may succeed after `retryAfterSeconds`. */
  | { kind: 'rate-limited'; message: string; retryAfterSeconds: number }
  /** SalesBinder is down or answered nonsense; offer a retry only when `retryable`. */
  | { kind: 'unavailable'; message: string; retryable: boolean };

export function saveResultOf(payload: UpdateCustomerPayload): SaveResult {
  switch (payload.__typename) {
    case 'UpdateCustomerSuccess':
      return { kind: 'saved', message: payload.message, customer: payload.customer };
    case 'CustomerInputError':
      return {
        kind: 'invalid',
        message: payload.message,
        fieldErrors: Object.fromEntries(
          payload.fieldErrors.map((error) => [error.path.join('.'), error.message]),
        ),
      };
    case 'CustomerNotFoundError':
      return { kind: 'not-found', message: payload.message, id: payload.id };
    case 'CustomerConflictError':
      return { kind: 'conflict', message: payload.message, current: payload.customer };
    case 'SalesBinderAuthError':
      return { kind: 'sign-in', message: payload.message };
    case 'SalesBinderPermissionError':
      return { kind: 'forbidden', message: payload.message };
    case 'SalesBinderRateLimitError':
      return { kind: 'rate-limited', message: payload.message, retryAfterSeconds: payload.retryAfterSeconds };
    case 'SalesBinderUnavailableError':
      return { kind: 'unavailable', message: payload.message, retryable: payload.retryable };
    default:
      return unhandled(payload);
  }
}

/** Compiles only when every member above is handled (`payload` is then `never`). */
function unhandled(payload: never): never {
  throw new Error(`Unhandled updateCustomer outcome: ${JSON.stringify(payload)}`);
}
