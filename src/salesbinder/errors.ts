/**
 * Every way a SalesBinder call can fail, as one error class with a stable code (in the manner
 * of undici's UND_ERR_* codes). The client throws only these; the GraphQL layer alone decides
 * what each becomes for a client. Messages are plain words: never a key, never a raw body.
 */

export type SalesBinderErrorCode =
  /** No key, a malformed key, or SalesBinder answered 401. */
  | 'SB_AUTH'
  /** 403: the key's user lacks the permission. */
  | 'SB_FORBIDDEN'
  /** 404: no account with this id. */
  | 'SB_NOT_FOUND'
  /** 400/422: SalesBinder rejected the values. */
  | 'SB_INVALID'
  /** 429, or a call the gateway refused so as not to exceed SalesBinder's limits. */
  | 'SB_RATE_LIMITED'
  /** Timeout, connection failure or 5xx: worth trying again later. */
  | 'SB_UNAVAILABLE'
  /** An answer that cannot be used: unparsable, unsafe, too large, a redirect or an unexpected status. */
  | 'SB_UNREADABLE';

export interface WireFieldError {
  /** SalesBinder's field name, e.g. `billing_city`. */
  field: string;
  /** SalesBinder's own rule text for that field. */
  message: string;
}

export interface SalesBinderErrorDetails {
  status?: number;
  retryAfterSeconds?: number;
  fieldErrors?: WireFieldError[];
  upstreamMessage?: string;
  /** A write whose answer was lost after it may have reached SalesBinder: it may have happened. */
  mayHaveWritten?: boolean;
  cause?: unknown;
}

export class SalesBinderError extends Error {
  override name = 'SalesBinderError';
  readonly code: SalesBinderErrorCode;
  /** The HTTP status SalesBinder answered with, when it answered. */
  readonly status: number | undefined;
  /** Only for SB_RATE_LIMITED: whole seconds until a call may succeed. */
  readonly retryAfterSeconds: number;
  /** Only for SB_INVALID: the fields SalesBinder named, possibly none. */
  readonly fieldErrors: readonly WireFieldError[];
  /** Only for SB_INVALID: SalesBinder's own words when it named no field (bounded, never its raw body). */
  readonly upstreamMessage: string | undefined;
  /** A write whose answer was lost after it may have reached SalesBinder: it may have happened. */
  readonly mayHaveWritten: boolean;

  constructor(code: SalesBinderErrorCode, message: string, details: SalesBinderErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.retryAfterSeconds = details.retryAfterSeconds ?? 0;
    this.fieldErrors = details.fieldErrors ?? [];
    this.upstreamMessage = details.upstreamMessage;
    this.mayHaveWritten = details.mayHaveWritten ?? false;
  }

  /** Whether the same call may succeed later without any change. */
  get retryable(): boolean {
    return this.code === 'SB_UNAVAILABLE';
  }
}

/**
 * Not a call's failure but a request's: it named no SalesBinder account this gateway serves
 * (X-SalesBinder-Account), so no client was made and nothing was sent.
 */
export class AccountError extends Error {
  override name = 'AccountError';
}
