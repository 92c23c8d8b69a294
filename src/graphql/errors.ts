/**
 * The edge where SalesBinder failures become GraphQL: union members for the mutation's payload,
 * GraphQL errors with the contract's `extensions.code` for queries.
 */
import { inputPathOfWireField } from '../domain/customer-changes.ts';
import { AccountError, SalesBinderError } from '../salesbinder/errors.ts';
import { IdempotencyKeyReusedError } from '../salesbinder/idempotency.ts';
import { builder } from './builder.ts';
import {
  CustomerConflictError,
  CustomerInputError,
  CustomerNotFoundError,
  SalesBinderAuthError,
  SalesBinderPermissionError,
  SalesBinderRateLimitError,
  SalesBinderUnavailableError,
} from './payload-errors.ts';
import { queryErrorFrom } from './query-errors.ts';
import { CustomerRef } from './types/customer.ts';

const SalesBinderErrorInterface = builder.interfaceRef<Error>('SalesBinderError').implement({
  description: 'Every typed failure implements this.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What happened, in plain words.' }),
  }),
});

const CustomerFieldError = builder
  .objectRef<{ path: readonly string[]; message: string }>('CustomerFieldError')
  .implement({
    description: 'One input field that broke a rule.',
    fields: (t) => ({
      path: t.stringList({
        description:
          'Path of the offending GraphQL input field, e.g. ["input", "billingAddress", "postalCode"]; ["input"] when the rule concerns the input as a whole.',
        resolve: (e) => [...e.path],
      }),
      message: t.exposeString('message', { description: 'The rule it broke.' }),
    }),
  });

builder.objectType(CustomerInputError, {
  name: 'CustomerInputError',
  description:
    'The input broke a rule: either the gateway caught it (nothing was sent) or SalesBinder rejected it. Every offending field is listed at once.',
  interfaces: [SalesBinderErrorInterface],
  fields: (t) => ({
    fieldErrors: t.field({
      type: [CustomerFieldError],
      description: 'One entry per offending field.',
      resolve: (e) => e.fieldErrors,
    }),
  }),
});

builder.objectType(CustomerNotFoundError, {
  name: 'CustomerNotFoundError',
  description: 'SalesBinder has no account with this id (or the key may not see it).',
  interfaces: [SalesBinderErrorInterface],
  fields: (t) => ({ id: t.exposeID('id', { description: 'The id that was asked for.' }) }),
});

builder.objectType(CustomerConflictError, {
  name: 'CustomerConflictError',
  description:
    'The account changed after ifUnmodifiedSince, or its version is not ifMatch; `customer` is its current state. Nothing was written.',
  interfaces: [SalesBinderErrorInterface],
  fields: (t) => ({
    customer: t.field({
      type: CustomerRef,
      description: 'The account as it is now.',
      resolve: (e) => e.customer,
    }),
  }),
});

builder.objectType(SalesBinderAuthError, {
  name: 'SalesBinderAuthError',
  description: 'No API key was given, or SalesBinder rejected it. Nothing was changed.',
  interfaces: [SalesBinderErrorInterface],
});

builder.objectType(SalesBinderPermissionError, {
  name: 'SalesBinderPermissionError',
  description: "The key's user lacks the permission SalesBinder requires (View / Modify Customers).",
  interfaces: [SalesBinderErrorInterface],
});

builder.objectType(SalesBinderRateLimitError, {
  name: 'SalesBinderRateLimitError',
  description: "SalesBinder's rate limit was reached, or would be: try again after retryAfterSeconds.",
  interfaces: [SalesBinderErrorInterface],
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
      description: 'Whole seconds to wait before the same call can succeed.',
    }),
  }),
});

builder.objectType(SalesBinderUnavailableError, {
  name: 'SalesBinderUnavailableError',
  description: 'SalesBinder could not be reached, timed out, failed (5xx) or answered something unreadable.',
  interfaces: [SalesBinderErrorInterface],
  fields: (t) => ({
    retryable: t.exposeBoolean('retryable', {
      description:
        'true when the same call may succeed later (timeout, connection failure, 5xx); false when SalesBinder answered something unusable.',
    }),
  }),
});

/** The failure members of UpdateCustomerPayload: every typed failure. */
export const PAYLOAD_ERROR_TYPES = [
  CustomerInputError,
  CustomerNotFoundError,
  CustomerConflictError,
  SalesBinderAuthError,
  SalesBinderPermissionError,
  SalesBinderRateLimitError,
  SalesBinderUnavailableError,
] as const;

/** The failure members of CreateCustomerPayload: a new account has no id to be unknown or to conflict. */
export const CREATE_PAYLOAD_ERROR_TYPES = [
  CustomerInputError,
  SalesBinderAuthError,
  SalesBinderPermissionError,
  SalesBinderRateLimitError,
  SalesBinderUnavailableError,
] as const;

/** The failure members of DeleteCustomerPayload: a delete has no input to break a rule. */
export const DELETE_PAYLOAD_ERROR_TYPES = [
  CustomerNotFoundError,
  CustomerConflictError,
  SalesBinderAuthError,
  SalesBinderPermissionError,
  SalesBinderRateLimitError,
  SalesBinderUnavailableError,
] as const;

type PayloadErrorType = (typeof PAYLOAD_ERROR_TYPES)[number];

/**
 * The payload member for a SalesBinder failure, among `members` (the payload's failure types);
 * anything else is rethrown (and masked by Yoga). A failure with no member of its own in that
 * payload (SalesBinder rejecting a delete's values with a 422, say) is SalesBinder answering
 * something unusable: SalesBinderUnavailableError, not retryable, with its words.
 */
export function payloadErrorFrom(
  error: unknown,
  id: string,
  members: readonly PayloadErrorType[] = PAYLOAD_ERROR_TYPES,
): Error {
  const member = memberOf(error, id);
  return members.some((type) => member instanceof type)
    ? member
    : new SalesBinderUnavailableError(member.message, false);
}

function memberOf(error: unknown, id: string): Error {
  // An account the gateway does not serve is a request-level problem, not an outcome of the edit.
  if (error instanceof AccountError) throw queryErrorFrom(error);
  if (error instanceof IdempotencyKeyReusedError)
    return new CustomerInputError(error.message, [{ path: ['idempotencyKey'], message: error.message }]);
  if (!(error instanceof SalesBinderError)) throw error;
  switch (error.code) {
    case 'SB_AUTH':
      return new SalesBinderAuthError(error.message);
    case 'SB_FORBIDDEN':
      return new SalesBinderPermissionError(error.message);
    case 'SB_NOT_FOUND':
      return new CustomerNotFoundError(error.message, id);
    case 'SB_INVALID':
      return new CustomerInputError(
        error.message,
        error.fieldErrors.length === 0
          ? [
              {
                path: ['input'],
                message: error.upstreamMessage ?? 'SalesBinder rejected the values without naming a field',
              },
            ]
          : error.fieldErrors.map((f) => ({ path: inputPathOfWireField(f.field), message: f.message })),
      );
    case 'SB_RATE_LIMITED':
      return new SalesBinderRateLimitError(error.message, error.retryAfterSeconds);
    case 'SB_UNAVAILABLE':
    case 'SB_UNREADABLE':
      return new SalesBinderUnavailableError(error.message, error.retryable);
  }
}
