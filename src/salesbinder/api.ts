/**
 * What the layers above ask of SalesBinder (the GraphQL layer through the request's context, the
 * budget over the calls it makes): one method per endpoint, and the shapes they answer. The
 * client (client.ts) makes the calls; the budget (budget/) implements the same API over memory.
 */
import type { Customer } from '../domain/customer.ts';
import type { WireChanges, WireNewCustomer } from '../domain/customer-changes.ts';
import type { CustomerPage } from '../domain/customer-page.ts';
import type { DeletionPage } from '../domain/deleted-log.ts';
import type { CallPriority } from '../transport/http.ts';

export interface SavedCustomer {
  /** SalesBinder's confirmation, e.g. `Saved`. */
  message: string;
  customer: Customer;
}

export interface DeletedCustomer {
  id: string;
  /** SalesBinder's word, or `Deleted` when its answer carries none. */
  message: string;
}

/** What the GraphQL layer depends on; tests and other transports can provide their own. */
export interface CustomerQuery {
  /** SalesBinder's context: 2 customers, 8 prospects, 10 suppliers. */
  contextId: number;
  /** SalesBinder's `s`: a search term. */
  search?: string | undefined;
  /** 1-based. */
  page: number;
  /** 1 to 200. */
  pageLimit: number;
  /** SalesBinder's `modifiedSince` (epoch seconds): only accounts changed since then, a change feed. */
  modifiedSince?: number | undefined;
}

/** How a caller wants one call made. */
export interface CallOptions {
  /** How much of the account's rate-limit windows the call may use. @default 'read' for reads, 'edit' for edits */
  priority?: CallPriority;
  /** `check`: the read ifUnmodifiedSince compares with (the budget may read anew for it). */
  purpose?: 'check';
}

export interface SalesBinderApi {
  /** `GET customers/{id}`: the account, or SB_NOT_FOUND. */
  getCustomer(id: string, options?: CallOptions): Promise<Customer>;
  /**
   * `GET customers?contextId&s&page&pageLimit`: one page, with SalesBinder's total count. A 404
   * past the first page is an empty page without a count; on the first page it is SB_UNREADABLE.
   */
  listCustomers(query: CustomerQuery, options?: CallOptions): Promise<CustomerPage>;
  /** `PUT customers/{id}`: changes only the given fields; answers the whole updated account. */
  updateCustomer(id: string, changes: WireChanges, options?: CallOptions): Promise<SavedCustomer>;
  /**
   * `GET deleted_log?contextId&deletedSince&page&pageLimit`: the ids of accounts of a kind deleted
   * since then. A 404 past the first page is an empty page.
   */
  listDeletions(query: DeletionQuery, options?: CallOptions): Promise<DeletionPage>;
  /** How many of these accounts would be served without a call now (the budget's memory; absent: none). */
  held?(ids: readonly string[]): Promise<number>;
  /**
   * `POST customers`: never retried once it may have reached SalesBinder; when its answer is lost
   * then, SB_UNREADABLE (not retryable: the account may exist).
   */
  createCustomer(customer: WireNewCustomer, options?: CallOptions): Promise<SavedCustomer>;
  /**
   * `DELETE customers/{id}`: retried like an edit; a 404 after an attempt whose answer was lost
   * is success (that attempt deleted it), a 404 otherwise SB_NOT_FOUND.
   */
  deleteCustomer(id: string, options?: CallOptions): Promise<DeletedCustomer>;
}

/** What the deletion feed is asked. */
export interface DeletionQuery {
  contextId: number;
  /** Epoch seconds. */
  deletedSince: number;
  /** 1-based. */
  page: number;
  /** 1 to 200. */
  pageLimit: number;
}
