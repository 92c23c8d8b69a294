/**
 * Every request has an id: the caller's `X-Request-Id` when it is a plain token, else a new UUID.
 * It is on every log line of the request, on the response, and on each SalesBinder call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

// It goes into log lines and upstream headers: nothing that could forge or break either.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const ids = new WeakMap<Request, string>();

/** The caller's id when it is a plain token, else a new one. */
export function requestIdFrom(offered: string | null | undefined): string {
  return typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
}

// The id of the request being handled, for lines written by code that is not given the request
// (Yoga's own logging): the HTTP server runs each request's handling inside it.
const current = new AsyncLocalStorage<string>();

/** Runs `handle` as the handling of the request with this id. */
export function withRequestId<T>(id: string, handle: () => T): T {
  return current.run(id, handle);
}

/** The id of the request whose handling is running, if any. */
export function currentRequestId(): string | undefined {
  return current.getStore();
}

/** The request's id, the same every time it is asked for the same request. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (id === undefined) {
    id = currentRequestId() ?? requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
    ids.set(request, id);
  }
  return id;
}

/** The one log line of a request: its id, method, path, status and duration. */
export function logRequest(
  logger: Logger,
  line: {
    requestId: string;
    method: string;
    path: string;
    /** `query LoadCustomer`, `mutation (anonymous)`: what ran, when an operation did. */
    operation?: string;
    /** The caller's key as operators may see it: 8 characters of its hash. */
    caller?: string;
    /** Calls refused without asking SalesBinder, by cause: counted here, not logged one by one. */
    refused?: Readonly<Record<string, number>>;
    status: number;
    startedAt: number;
  },
): void {
  logger.info(
    {
      requestId: line.requestId,
      method: line.method,
      path: line.path,
      ...(line.operation ? { operation: line.operation } : {}),
      ...(line.caller ? { caller: line.caller } : {}),
      ...(line.refused ? { refused: line.refused } : {}),
      status: line.status,
      ms: Math.round((performance.now() - line.startedAt) * 10) / 10,
    },
    'request',
  );
}
