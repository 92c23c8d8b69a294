/**
 * One call for everyone who needs the same read at once. On this replica, a map of the calls
 * under way; across replicas sharing Redis, a lock in the store (memory.ts has none: `free`).
 * Whoever asks while the call is under way, here or on another replica, waits for it and then
 * does what `afterWaiting` says (read memory under the usual rules, and call only if they do not
 * let it have the answer).
 *
 * When the call fails because of SalesBinder, not because of its caller's key (SalesBinder
 * unavailable, or its 429 block), every waiter gets that failure instead of making a call of its
 * own: a failure that would have been N calls (a 503 storm) stays one. Across replicas the
 * failure is left in the lock's place for a moment. A waiter waits at most as long as one call may
 * take (`waitMs`, SalesBinder's call deadline); if the call is still under way then, it fails as a
 * call that did not answer in time would, rather than begin a call of its own past its deadline.
 *
 * A caller that takes the lock across replicas looks at memory once more before it calls: the
 * same call on another replica may have ended, and left its answer there, between this caller's
 * first look (before `run`) and its lock.
 */
import { SalesBinderError } from '../errors.ts';
import type { StoreFallback } from './store/fallback.ts';

/** How often a caller waiting for another replica's call looks whether it has ended. */
const FLIGHT_POLL_MS = 50;

export type FlightLocks = Pick<StoreFallback, 'lock' | 'lockState' | 'unlock'>;

export interface Flight<T> {
  /** Whose memory the call fills, and what it fetches: the same read has the same pair. */
  scope: string;
  name: string;
  /** The store's locks, seen by every replica. */
  locks: FlightLocks;
  call: () => Promise<T>;
  /** What memory holds for this read, if anything: looked at again once the lock is taken. */
  remembered?: () => Promise<T | undefined>;
  /** What a caller does once the same call, made by someone else, has ended. */
  afterWaiting: () => Promise<T>;
}

export interface SingleFlight {
  run<T>(flight: Flight<T>): Promise<T>;
  /** Whether this replica is making that call now. */
  isRunning(scope: string, name: string): boolean;
}

export interface SingleFlightOptions {
  now: () => number;
  /** The longest a caller waits for another replica's call: the longest one call may take. */
  waitMs: number;
}

/** A failure of SalesBinder's, the same for whoever had made the call: shared with the waiters. */
function sharedFailure(error: unknown): SalesBinderError | undefined {
  if (!(error instanceof SalesBinderError)) return undefined;
  return error.code === 'SB_UNAVAILABLE' || (error.code === 'SB_RATE_LIMITED' && error.status === 429)
    ? error
    : undefined;
}

/** The lock's form of a shared failure (`code:status:retryAfter`), and back. */
function failureText(error: SalesBinderError): string {
  return [error.code, error.status ?? '', error.retryAfterSeconds].join(':');
}

function failureFrom(text: string): SalesBinderError {
  const [code = '', status = '', retryAfter = ''] = text.split(':');
  const rateLimited = code === 'SB_RATE_LIMITED';
  return new SalesBinderError(
    rateLimited ? 'SB_RATE_LIMITED' : 'SB_UNAVAILABLE',
    rateLimited
      ? "SalesBinder's rate limit was reached"
      : 'SalesBinder failed for the same read asked at once on another replica',
    {
      ...(status !== '' && { status: Number(status) }),
      ...(rateLimited && retryAfter !== '' && { retryAfterSeconds: Number(retryAfter) }),
    },
  );
}

export function createSingleFlight({ now, waitMs }: SingleFlightOptions): SingleFlight {
  /** Calls under way on this replica, by scope and name. */
  const flights = new Map<string, Promise<unknown>>();
  const keyOf = (scope: string, name: string) => `${scope}\0${name}`;

  async function acrossReplicas<T>({
    scope,
    name,
    locks,
    call,
    remembered,
    afterWaiting,
  }: Flight<T>): Promise<T> {
    const lock = await locks.lock(scope, name);
    if (lock === 'taken') {
      // Another replica is making this very call: wait for it, then read what it remembered.
      const until = now() + waitMs;
      for (;;) {
        const state = await locks.lockState(scope, name);
        if (state === 'free') return afterWaiting();
        if (state !== 'held') throw failureFrom(state.slice('failed:'.length));
        if (now() >= until) {
          throw new SalesBinderError('SB_UNAVAILABLE', 'SalesBinder did not answer in time');
        }
        await new Promise((resolve) => setTimeout(resolve, FLIGHT_POLL_MS));
      }
    }
    let failure: SalesBinderError | undefined;
    try {
      if (lock === 'held' && remembered) {
        const served = await remembered();
        if (served !== undefined) return served;
      }
      return await call();
    } catch (error) {
      failure = sharedFailure(error);
      throw error;
    } finally {
      if (lock === 'held') await locks.unlock(scope, name, failure && failureText(failure));
    }
  }

  return {
    async run(flight) {
      const key = keyOf(flight.scope, flight.name);
      const running = flights.get(key);
      if (running !== undefined) {
        const failed = sharedFailure(
          await running.then(
            () => undefined,
            (error: unknown) => error,
          ),
        );
        if (failed) throw failed;
        return flight.afterWaiting();
      }
      const leading = acrossReplicas(flight);
      flights.set(key, leading);
      try {
        return await leading;
      } finally {
        if (flights.get(key) === leading) flights.delete(key);
      }
    },
    isRunning: (scope, name) => flights.has(keyOf(scope, name)),
  };
}
