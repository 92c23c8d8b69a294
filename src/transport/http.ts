/**
 * The only door to the network: one undici Agent (a keep-alive pool per origin) with every
 * bound undici leaves open by default set explicitly. It knows HTTP, not SalesBinder.
 */
import { Agent } from 'undici';

export interface HttpTransportOptions {
  /** Time to open a TCP/TLS connection. @default 5000 */
  connectTimeoutMs: number;
  /** Time from sending the request to the end of the response headers. @default 10000 */
  headersTimeoutMs: number;
  /** Longest silence while the body arrives. @default 10000 */
  bodyTimeoutMs: number;
  /** Whole-call deadline, so a body dripping one byte at a time cannot hold a request open. @default 15000 */
  deadlineMs: number;
  /** Largest response body accepted; a larger one is cut off and fails. @default 1048576 */
  maxResponseBytes: number;
  /** Connections kept per origin. @default 16 */
  connectionsPerOrigin: number;
  /** Distinct origins the pool may hold (one per SalesBinder account). @default 64 */
  maxOrigins: number;
}

export const DEFAULT_HTTP_OPTIONS: HttpTransportOptions = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  deadlineMs: 15_000,
  maxResponseBytes: 1_048_576,
  connectionsPerOrigin: 16,
  maxOrigins: 64,
};

/**
 * Whom a call serves: an edit, a person's read, a read for a key SalesBinder has not accepted yet,
 * or work done ahead of need. The transport only carries it to the gate that admits each attempt
 * (guarded-transport.ts); what share of the account's windows each may take is SalesBinder's
 * account policy (salesbinder/rate-limits).
 */
export type CallPriority = 'edit' | 'read' | 'newcomer' | 'background';

export interface HttpRequest {
  /** Whose rate limits the call spends: the SalesBinder account (its origin and path prefix). */
  account: string;
  /** A low-cardinality name of what is called, for metrics and traces, e.g. `customers.edit`. */
  endpoint: string;
  /** e.g. `https://acme.salesbinder.com`: scheme, host and port only. */
  origin: string;
  /** Absolute path with query string, already encoded. */
  path: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  /** This attempt's deadline; the transport's `deadlineMs` when absent. */
  timeoutMs?: number;
  /** How much of the account's rate-limit windows the call may use. @default 'edit' */
  priority?: CallPriority;
  /** Who the call is for, opaque (never a key): the gate may give each caller a share of the windows. */
  caller?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /**
   * Set by the retries (guarded-transport.ts) when this answer came after an earlier attempt that
   * may have reached SalesBinder and whose answer was lost: a DELETE's 404 then means it worked.
   */
  afterLostAnswer?: boolean;
}

export type TransportFailure = 'timeout' | 'connection' | 'too-large' | 'protocol';

/** A request that produced no complete HTTP answer. */
export class TransportError extends Error {
  override name = 'TransportError';
  readonly kind: TransportFailure;
  /**
   * True only when the request surely never left: no connection could be made (refused, no such
   * host, no route, connect timeout). Otherwise it may have reached SalesBinder, which matters for
   * a request that is not idempotent (a POST).
   */
  readonly notSent: boolean;
  constructor(kind: TransportFailure, message: string, options?: { cause?: unknown; notSent?: boolean }) {
    super(message, options);
    this.kind = kind;
    this.notSent = options?.notSent ?? false;
  }
}

/** Failures that happen before a connection exists, so before any byte of the request is sent. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export interface HttpTransport {
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

const FAILURE_OF_CODE: Readonly<Record<string, TransportFailure>> = {
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_ABORTED: 'timeout',
  ABORT_ERR: 'timeout',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'too-large',
  UND_ERR_HEADERS_OVERFLOW: 'too-large',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol',
};

function classify(error: unknown, deadlineHit: boolean): TransportError {
  if (deadlineHit) return new TransportError('timeout', 'the call ran past its deadline', { cause: error });
  const code = (error as { code?: unknown } | null)?.code;
  const kind =
    (typeof code === 'string' && FAILURE_OF_CODE[code]) ||
    (code?.toString().startsWith('HPE_') ? 'protocol' : 'connection');
  return new TransportError(kind, `${kind} failure${typeof code === 'string' ? ` (${code})` : ''}`, {
    cause: error,
    notSent: typeof code === 'string' && NOT_SENT_CODES.has(code),
  });
}

export function createHttpTransport(options: Partial<HttpTransportOptions> = {}): HttpTransport {
  const o = { ...DEFAULT_HTTP_OPTIONS, ...options };
  const agent = new Agent({
    connect: { timeout: o.connectTimeoutMs },
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
    maxResponseSize: o.maxResponseBytes,
    connections: o.connectionsPerOrigin,
    maxOrigins: o.maxOrigins,
    keepAliveTimeout: 4_000,
  });

  return {
    async request({ origin, path, method, headers, body, timeoutMs }) {
      const controller = new AbortController();
      let deadlineHit = false;
      const timer = setTimeout(() => {
        deadlineHit = true;
        controller.abort();
      }, timeoutMs ?? o.deadlineMs);
      try {
        // undici's `request` never follows redirects (no redirect interceptor is installed):
        // a 3xx comes back as a status for the caller to refuse.
        const response = await agent.request({
          origin,
          path,
          method,
          headers,
          body,
          signal: controller.signal,
        });
        const text = await response.body.text();
        return { status: response.statusCode, headers: response.headers, body: text };
      } catch (error) {
        throw classify(error, deadlineHit);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => agent.close(),
  };
}
