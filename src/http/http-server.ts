/**
 * The Node HTTP server in front of the app: timeouts against slow clients, and a request body
 * cap checked on the declared length before a byte is parsed (cheaper than Yoga's own limit,
 * which wraps every body in a stream transform).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { REQUEST_ID_HEADER, requestIdFrom, withRequestId } from './request-id.ts';

// A name or IPv4 address, or an IPv6 address in brackets, with an optional port (RFC 9110 Host).
const HOST = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** What a client may take of the server (config.ts reads them from the environment: see docs/security.md). */
export interface HttpLimits {
  maxBodyBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** The app as the server sees it: Yoga, which handles Node's requests itself. */
export interface NodeApp {
  yoga(req: IncomingMessage, res: ServerResponse): unknown;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(JSON.stringify({ errors: [{ message }] }));
}

export function createHttpServer(app: NodeApp, limits: HttpLimits): Server {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    // Yoga builds each request's URL from Host; one that cannot be part of a URL was its 500.
    const host = req.headers.host;
    if (host !== undefined && !HOST.test(host))
      return refuse(res, 400, 'The Host header is not a valid host');
    if (req.method === 'POST') {
      const declared = req.headers['content-length'];
      // Without a declared length the body could only be capped by counting it as it streams
      // in; every client of this API sends one, so a body without it is refused instead.
      if (declared === undefined) return refuse(res, 411, 'A POST needs a Content-Length header');
      if (Number(declared) > limits.maxBodyBytes) {
        return refuse(res, 413, `The request body is over ${limits.maxBodyBytes} bytes`);
      }
    }
    return app.yoga(req, res);
  };
  // Each request is handled inside its id, so that every line it causes carries it, Yoga's own too.
  const withId = (req: IncomingMessage, res: ServerResponse) => {
    const offered = req.headers[REQUEST_ID_HEADER];
    return withRequestId(requestIdFrom(typeof offered === 'string' ? offered : null), () =>
      handler(req, res),
    );
  };
  return createServer(
    {
      // The time a client may take to send its headers, and its whole request.
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node looks for clients past those timeouts (its default, 30 s, would let a
      // slow client hold a connection far longer than headersTimeout says).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      maxHeaderSize: 16_384,
    },
    withId,
  );
}
