/**
 * What a resolver or plugin may ask of the request it serves. context.ts builds it per request;
 * it is declared here, where it is used, so that the GraphQL layer depends on nothing above it.
 */
import type { Context as OtelContext, Tracer } from '@opentelemetry/api';
import type DataLoader from 'dataloader';
import type { Customer } from '../domain/customer.ts';
import type { WireNewCustomer } from '../domain/customer-changes.ts';
import type { Logger } from '../observability/logger.ts';
import type { SalesBinderApi, SavedCustomer } from '../salesbinder/api.ts';

export interface GatewayContext {
  requestId: string;
  log: Logger;
  /**
   * The SalesBinder API for this caller. Throws SalesBinderError SB_AUTH when the request has no
   * usable key, and AccountError when it names no configured account; in both cases nothing is sent.
   */
  salesbinder(): SalesBinderApi;
  /**
   * Creates an account; with an idempotency key, at most once per key, account and API key
   * within 24 hours (salesbinder/idempotency.ts). Rejects like `salesbinder()`, and with
   * IdempotencyKeyReusedError for a key used with another input.
   */
  createCustomer(customer: WireNewCustomer, idempotencyKey: string | undefined): Promise<SavedCustomer>;
  /**
   * This request's account reader: `customer`, `_entities` and edits share it, so one request
   * reads an account at most once. Resolves null for an unknown id; rejects with the
   * SalesBinderError (or AccountError) that prevented the read. Never outlives the request.
   */
  customerLoader(): DataLoader<string, Customer | null>;
  /**
   * The account as ifUnmodifiedSince compares with it: as this request's loader reads it (through
   * the budget's memory, at most its freshness bound old), or read anew when
   * BUDGET_CONDITIONAL_EDITS=fresh. Null for an unknown id.
   */
  customerForCheck(id: string): Promise<Customer | null>;
  /**
   * Called when an operation starts with tracing on: SalesBinder calls become child spans of
   * `parent`. (A setter, not a property: Yoga copies the context object, so state set on the copy
   * would not reach the closures here.)
   */
  setTracing(tracing: { tracer: Tracer; parent: OtelContext }): void;
  /** Told which member of its payload a mutation (updateCustomer, createCustomer, deleteCustomer) ended in. */
  onPayload?: ((mutation: string, type: string) => void) | undefined;
  /** Whether SalesBinder has answered a call of this request with success (so the key is real). */
  keyAccepted(): boolean;
  /** The hash of the caller's key once SalesBinder accepted it in this request; never the key. */
  acceptedKeyHash(): string | undefined;
  /**
   * Who the caller is, for operators: the first 8 characters of its key's hash (key-trust.ts),
   * once the request used its key; never the key.
   */
  callerId(): string | undefined;
  /** Calls of this request refused here without asking SalesBinder, by cause (for its one log line). */
  refusedCalls(): Readonly<Record<string, number>>;
}
