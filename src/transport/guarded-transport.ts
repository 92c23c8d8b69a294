/**
 * What stands between every caller and SalesBinder: the account's gate before each attempt, a
 * block after any 429, one deadline over all attempts, and retries only where they are safe and
 * useful.
 *
 * Retried: connection failures and 502/503/504/522 (a proxy or SalesBinder's edge saying the
 * origin is away). Not retried: 500 (the origin ran and failed: the same call will likely fail
 * again), 4xx, 429 (never retry into a block), timeouts (the deadline is spent). A PUT may be
 * retried because it is idempotent: it sets the same fields to the same values, so sending it
 * twice leaves the account as sending it once (only `modified` moves); a DELETE too (the second
 * finds nothing: a 404, which the answer flags with `afterLostAnswer`). A POST is not idempotent
 * (each creates an account): it is retried only when the failure proves it never left (no
 * connection could be made), never once it may have reached SalesBinder.
 */
import {
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  TransportError,
  type TransportFailure,
} from './http.ts';

/**
 * What decides whether an attempt may be sent now; SalesBinder's account policy implements it
 * (salesbinder/rate-limits). The question is asked here, in the retry loop, because SalesBinder
 * counts every attempt, a retry too, and the wait for an answer spends the call's one deadline;
 * the answer is the policy's business, which the transport does not know.
 */
export interface AttemptGate {
  /**
   * Resolves when the attempt may go (at once, or after a wait of at most `timeLeftMs`, the
   * call's deadline, which it may not outlive), or with the refusal when it may not: a refusal of
   * the first attempt is thrown to the caller as it is, a retry's ends the retries with the last
   * failure. Rejects only on a fault of the gate itself.
   */
  admit(request: HttpRequest, timeLeftMs: number): Promise<Error | AdmittedAttempt>;
  /** SalesBinder answered 429 and blocks the account for this long; resolves once the block holds for every later call. */
  block(request: HttpRequest, seconds: number): Promise<void>;
}

/**
 * An attempt let through. SalesBinder counts a call when it arrives, which the gate cannot see:
 * an answer proves the call has arrived; without one, it may arrive until its deadline.
 */
export interface AdmittedAttempt {
  /** SalesBinder answered (any status, a 429 too). */
  answered(): void;
}

export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  retries: number;
  /** Backoff base: attempt n waits a random time in [0, base × 2^n) ("full jitter"). @default 100 */
  baseDelayMs: number;
  /** One deadline over all attempts, waits and backoffs of a call. @default 15000 */
  deadlineMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = { retries: 2, baseDelayMs: 100, deadlineMs: 15_000 };

const RETRYABLE_STATUSES = new Set([502, 503, 504, 522]);
/** Answers from a proxy in front of SalesBinder that may have passed the request on before failing. */
const MAY_HAVE_REACHED_STATUSES = new Set([502, 504, 522]);

/** Seconds to wait after a 429 that says nothing: SalesBinder blocks an account for a minute. */
const DEFAULT_BLOCK_SECONDS = 60;

/** `Retry-After` as seconds or an HTTP date; SalesBinder promises none, so a minute by default. */
export function retryAfterSeconds(header: string | string[] | undefined, now = Date.now()): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return DEFAULT_BLOCK_SECONDS;
  if (/^\d+$/.test(value.trim())) return Math.max(1, Number(value.trim()));
  const at = Date.parse(value);
  return Number.isNaN(at) ? DEFAULT_BLOCK_SECONDS : Math.max(1, Math.ceil((at - now) / 1000));
}

/** What the guard reports as it works, for metrics. */
export interface UpstreamObserver {
  /** One attempt ended: with an HTTP status, or with a transport failure. */
  attempt(
    endpoint: string,
    status: number | undefined,
    failure: TransportFailure | undefined,
    seconds: number,
  ): void;
  retry(endpoint: string): void;
}

export interface GuardedTransportOptions extends RetryOptions {
  /** Told of every attempt and retry. */
  observer?: UpstreamObserver | undefined;
  /** Absent: every attempt goes at once (only for benchmarks against a sandbox with limits off). */
  gate: AttemptGate | undefined;
  /** For tests: the jitter source. @default Math.random */
  random?: () => number;
}

export function createGuardedTransport(
  inner: HttpTransport,
  options: GuardedTransportOptions,
): HttpTransport {
  const { gate, retries, baseDelayMs, deadlineMs, random = Math.random, observer } = options;

  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const deadline = Date.now() + deadlineMs;
      // The first attempt may be refused outright (the caller is told to come back later).
      let admitted = await gate?.admit(request, deadlineMs);
      if (admitted instanceof Error) throw admitted;
      const idempotent = request.method !== 'POST';
      // Whether an earlier attempt may have reached SalesBinder without its answer reaching us.
      let lost = false;
      for (let attempt = 0; ; attempt++) {
        let failure: HttpResponse | TransportError;
        const started = performance.now();
        try {
          const response = await inner.request({ ...request, timeoutMs: Math.max(1, deadline - Date.now()) });
          admitted?.answered();
          observer?.attempt(
            request.endpoint,
            response.status,
            undefined,
            (performance.now() - started) / 1000,
          );
          // Awaited so that, with Redis, the other replicas see the block before this caller does.
          if (response.status === 429)
            await gate?.block(request, retryAfterSeconds(response.headers['retry-after']));
          if (!RETRYABLE_STATUSES.has(response.status) || !idempotent)
            return lost ? { ...response, afterLostAnswer: true } : response;
          failure = response;
          lost ||= MAY_HAVE_REACHED_STATUSES.has(response.status);
        } catch (error) {
          if (error instanceof TransportError) {
            observer?.attempt(request.endpoint, undefined, error.kind, (performance.now() - started) / 1000);
          }
          if (!(error instanceof TransportError && error.kind === 'connection')) throw error;
          if (!idempotent && !error.notSent) throw error;
          failure = error;
          lost ||= !error.notSent;
        }
        if (attempt >= retries || !(await waitForRetry(attempt, deadline))) return fail(failure);
        observer?.retry(request.endpoint);
      }

      function fail(failure: HttpResponse | TransportError): HttpResponse {
        if (failure instanceof TransportError) throw failure;
        return failure;
      }

      /** Backs off, then is admitted for the retry; false when the deadline or the gate says no. */
      async function waitForRetry(attempt: number, deadlineAt: number): Promise<boolean> {
        const delay = random() * baseDelayMs * 2 ** (attempt + 1);
        if (Date.now() + delay >= deadlineAt) return false;
        await new Promise((resolve) => setTimeout(resolve, delay));
        const next = await gate?.admit(request, Math.max(0, deadlineAt - Date.now()));
        if (next instanceof Error) return false;
        admitted = next;
        return Date.now() < deadlineAt;
      }
    },
    close: () => inner.close(),
  };
}
