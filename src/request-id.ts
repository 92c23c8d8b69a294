/**
 * Every request has an id: the caller's `X-Request-Id` when it is a plain token, else a new UUID.
 * It is on every log line of the request, on the response, and on each SalesBinder call.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from './logger.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

// It goes into log lines and upstream headers: nothing that could forge or break either.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const ids = new WeakMap<Request, string>();

/** The request's id, the same every time it is asked for the same request. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (id === undefined) {
    const offered = request.headers.get(REQUEST_ID_HEADER);
    id = offered !== null && REQUEST_ID.test(offered) ? offered : randomUUID();
    ids.set(request, id);
  }
  return id;
}

/** The one log line of a request: its id, method, path, status and duration. */
export function logRequest(
  logger: Logger,
  line: { requestId: string; method: string; path: string; status: number; startedAt: number },
): void {
  logger.info(
    {
      requestId: line.requestId,
      method: line.method,
      path: line.path,
      status: line.status,
      ms: Math.round((performance.now() - line.startedAt) * 10) / 10,
    },
    'request',
  );
}
