/**
 * One call for everyone who needs the same read at once. On this replica, a map of the calls
 * under way; across replicas sharing Redis, a lock in the store (memory.ts has none: `free`).
 * Whoever asks while the call is under way, here or on another replica, waits for it and then
 * does what `afterWaiting` says (read memory under the usual rules, and call only if they do not
 * let it have the answer).
 */
import type { StoreFallback } from './store/fallback.ts';

/** How often a caller waiting for another replica's call looks whether it has ended. */
const FLIGHT_POLL_MS = 50;

export type FlightLocks = Pick<StoreFallback, 'lock' | 'isLocked' | 'unlock'>;

export interface Flight<T> {
  /** Whose memory the call fills, and what it fetches: the same read has the same pair. */
  scope: string;
  name: string;
  /** The store's locks, seen by every replica. */
  locks: FlightLocks;
  call: () => Promise<T>;
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
  /** The longest a caller waits for another replica's call before it calls itself. */
  waitMs: number;
}

export function createSingleFlight({ now, waitMs }: SingleFlightOptions): SingleFlight {
  /** Calls under way on this replica, by scope and name. */
  const flights = new Map<string, Promise<unknown>>();
  const keyOf = (scope: string, name: string) => `${scope}\0${name}`;

  async function acrossReplicas<T>({ scope, name, locks, call, afterWaiting }: Flight<T>): Promise<T> {
    const lock = await locks.lock(scope, name);
    if (lock === 'taken') {
      // Another replica is making this very call: wait for it, then read what it remembered.
      const until = now() + waitMs;
      while (now() < until && (await locks.isLocked(scope, name))) {
        await new Promise((resolve) => setTimeout(resolve, FLIGHT_POLL_MS));
      }
      return afterWaiting();
    }
    try {
      return await call();
    } finally {
      if (lock === 'held') await locks.unlock(scope, name);
    }
  }

  return {
    async run(flight) {
      const key = keyOf(flight.scope, flight.name);
      const running = flights.get(key);
      if (running !== undefined) {
        await running.catch(() => {});
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
