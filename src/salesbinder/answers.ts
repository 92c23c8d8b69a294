/**
 * Reading SalesBinder's answers: a status becomes a failure (or lets a 2xx through), a body an
 * envelope, a transport's failure a SalesBinderError. What was asked is the client's business
 * (client.ts); what the answer means is decided here, in one place for every endpoint.
 */
import { type Customer, customerFromWire, MalformedRecordError } from '../domain/customer.ts';
import { WrongPageError } from '../domain/customer-page.ts';
import { UnreadableBodyError, type WireCodec } from '../transport/codec.ts';
import { retryAfterSeconds } from '../transport/guarded-transport.ts';
import { type HttpResponse, TransportError } from '../transport/http.ts';
import { SalesBinderError } from './errors.ts';
import { RateLimitRefusal } from './rate-limits/rate-limiter.ts';
import { decodeAny, rejectionOf } from './rejections.ts';

export type Envelope = Record<string, unknown>;

/** The envelope of a 2xx answer; SB_UNREADABLE when it is not an object. */
export function envelopeOf({ status, body }: HttpResponse, codec: WireCodec): Envelope {
  let envelope: unknown;
  try {
    envelope = codec.decode(body);
  } catch (error) {
    throw new SalesBinderError('SB_UNREADABLE', 'SalesBinder answered something that could not be read', {
      cause: error,
    });
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    throw new SalesBinderError('SB_UNREADABLE', 'SalesBinder answered something other than a record', {
      status,
    });
  }
  return envelope as Envelope;
}

/** The envelope of a 2xx answer whose body is not documented (a DELETE's): empty when unreadable. */
export function envelopeOrNothing(response: HttpResponse, codec: WireCodec): Envelope {
  try {
    return envelopeOf(response, codec);
  } catch {
    return {};
  }
}

/**
 * What a create's failure means: a POST is never retried once it may have reached SalesBinder, so
 * a failure after sending (a timeout, a reset, a 5xx, a 2xx that cannot be read) leaves the
 * account possibly created, which no retry may assume otherwise: SB_UNREADABLE, not retryable.
 * Only a failure before sending (no connection could be made) stays retryable.
 */
export function failureOfCreate(error: unknown): unknown {
  if (!(error instanceof SalesBinderError)) return error;
  if (error.code !== 'SB_UNAVAILABLE' && error.code !== 'SB_UNREADABLE') return error;
  if (error.cause instanceof TransportError && error.cause.notSent) return error;
  // A redirect or a 4xx (a 404 for a wrong URL) says SalesBinder refused it: nothing was created.
  const status = error.status;
  if (status !== undefined && status >= 300 && status < 500) return error;
  return new SalesBinderError(
    'SB_UNREADABLE',
    `${error.message}, after the create may have reached it: the account may have been created. Look for it before creating it again, or repeat the call with the same idempotencyKey`,
    { ...(status !== undefined && { status }), mayHaveWritten: true, cause: error },
  );
}

/** SalesBinder's own word in a 2xx answer (`Saved`, `Deleted`), or `fallback` when it gave none. */
export function messageOf(envelope: Envelope, fallback: string): string {
  return typeof envelope.message === 'string' && envelope.message !== '' ? envelope.message : fallback;
}

/** What a non-2xx answer means; `endpoint` tells a list's 404 (a wrong URL) from a record's (no such id). */
export function failureOfStatus(
  { status, headers, body }: HttpResponse,
  codec: WireCodec,
  endpoint: string,
): SalesBinderError {
  switch (status) {
    case 401:
      return new SalesBinderError('SB_AUTH', 'SalesBinder rejected the API key', { status });
    case 403:
      return new SalesBinderError(
        'SB_FORBIDDEN',
        "The API key's user lacks the SalesBinder permission this needs (View / Modify Customers)",
        { status },
      );
    case 404:
      // A list has no id to be unknown: its 404 says the URL leads nowhere SalesBinder serves.
      // Nor has a create: its 404 says the same.
      return endpoint === 'customers.list' || endpoint === 'customers.create'
        ? new SalesBinderError(
            'SB_UNREADABLE',
            `SalesBinder answered 404 for ${endpoint === 'customers.list' ? 'the list of accounts' : 'a new account'}: the SalesBinder URL (host or path) is most likely wrong`,
            { status },
          )
        : new SalesBinderError('SB_NOT_FOUND', 'SalesBinder has no account with this id', { status });
    case 400:
    case 422: {
      const { fieldErrors, text } = rejectionOf(decodeAny(body, codec));
      return new SalesBinderError(
        'SB_INVALID',
        text === undefined ? 'SalesBinder rejected the values' : `SalesBinder rejected the values: ${text}`,
        { status, fieldErrors, ...(text !== undefined && { upstreamMessage: text }) },
      );
    }
    case 429:
      return new SalesBinderError('SB_RATE_LIMITED', "SalesBinder's rate limit was reached", {
        status,
        retryAfterSeconds: retryAfterSeconds(headers['retry-after']),
      });
  }
  if (status >= 500) {
    return new SalesBinderError('SB_UNAVAILABLE', `SalesBinder failed (HTTP ${status})`, { status });
  }
  return new SalesBinderError(
    'SB_UNREADABLE',
    `SalesBinder answered with an unexpected status (HTTP ${status})`,
    {
      status,
    },
  );
}

/** What a call that produced no answer (or a refused one) means. */
export function failureOfTransport(error: unknown): SalesBinderError {
  if (error instanceof SalesBinderError) return error;
  if (error instanceof RateLimitRefusal) {
    return new SalesBinderError('SB_RATE_LIMITED', error.message, {
      retryAfterSeconds: error.retryAfterSeconds,
    });
  }
  if (error instanceof TransportError) {
    switch (error.kind) {
      case 'timeout':
        return new SalesBinderError('SB_UNAVAILABLE', 'SalesBinder did not answer in time', { cause: error });
      case 'connection':
        return new SalesBinderError('SB_UNAVAILABLE', 'SalesBinder could not be reached', { cause: error });
      case 'too-large':
        return new SalesBinderError('SB_UNREADABLE', 'SalesBinder answered with a body over the size limit', {
          cause: error,
        });
      case 'protocol':
        return new SalesBinderError('SB_UNREADABLE', 'SalesBinder answered with broken HTTP', {
          cause: error,
        });
    }
  }
  if (error instanceof UnreadableBodyError) {
    return new SalesBinderError('SB_UNREADABLE', 'SalesBinder answered something that could not be read', {
      cause: error,
    });
  }
  return new SalesBinderError('SB_UNAVAILABLE', 'SalesBinder could not be reached', { cause: error });
}

/** An answer's Date header (RFC 9110: whole seconds), as epoch ms. */
export function dateOf(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const at = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/** The account an envelope carries (`{"customer": {...}}`); SB_UNREADABLE when it carries none. */
export function recordOf(envelope: Envelope): Customer {
  try {
    return customerFromWire(envelope.customer);
  } catch (error) {
    throw unreadable(error);
  }
}

/** A domain reader's refusal as SB_UNREADABLE; anything else as it was. */
export function unreadable(error: unknown): unknown {
  if (error instanceof WrongPageError) {
    return new SalesBinderError('SB_UNREADABLE', 'SalesBinder answered another page than the one asked for', {
      cause: error,
    });
  }
  return error instanceof MalformedRecordError
    ? new SalesBinderError('SB_UNREADABLE', 'SalesBinder answered without the expected account records', {
        cause: error,
      })
    : error;
}
