/**
 * The failure members of `UpdateCustomerPayload`, as classes the errors plugin matches with
 * instanceof. Kept apart from their GraphQL types (errors.ts) because the builder's validation
 * hook creates CustomerInputError before any type is defined.
 */
import { GraphQLError } from 'graphql';
import type { Customer } from '../domain/customer.ts';

export interface FieldError {
  path: string[];
  message: string;
}

/**
 * A GraphQLError as well as a payload member: the mutation's union catches it by class, while on
 * a query field (which has no union) the same validation failure surfaces as the error
 * `BAD_USER_INPUT` that the contract asks for, unmasked.
 */
export class CustomerInputError extends GraphQLError {
  override name = 'CustomerInputError';
  readonly fieldErrors: readonly FieldError[];
  constructor(message: string, fieldErrors: FieldError[]) {
    super(message, { extensions: { code: 'BAD_USER_INPUT', fieldErrors } });
    this.fieldErrors = fieldErrors;
  }
}

export class CustomerNotFoundError extends Error {
  override name = 'CustomerNotFoundError';
  readonly id: string;
  constructor(message: string, id: string) {
    super(message);
    this.id = id;
  }
}

export class CustomerConflictError extends Error {
  override name = 'CustomerConflictError';
  readonly customer: Customer;
  constructor(message: string, customer: Customer) {
    super(message);
    this.customer = customer;
  }
}

export class SalesBinderAuthError extends Error {
  override name = 'SalesBinderAuthError';
}

export class SalesBinderPermissionError extends Error {
  override name = 'SalesBinderPermissionError';
}

export class SalesBinderRateLimitError extends Error {
  override name = 'SalesBinderRateLimitError';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class SalesBinderUnavailableError extends Error {
  override name = 'SalesBinderUnavailableError';
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

/** One entry per offending path (the first rule it broke), in the order they were found. */
export function inputErrorFromIssues(
  issues: ReadonlyArray<{ path: readonly string[]; message: string }>,
): CustomerInputError {
  const byPath = new Map<string, FieldError>();
  for (const { path, message } of issues) {
    const key = JSON.stringify(path);
    if (!byPath.has(key)) byPath.set(key, { path: [...path], message });
  }
  const fieldErrors = [...byPath.values()];
  return new CustomerInputError(
    fieldErrors.length === 1 ? 'The input breaks a rule' : `The input breaks ${fieldErrors.length} rules`,
    fieldErrors,
  );
}
