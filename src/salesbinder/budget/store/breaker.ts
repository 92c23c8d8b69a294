/**
 * A circuit breaker in front of the budget's Redis: the first command that fails (a timeout, a
 * lost connection) opens it, and for `openMs` every command is skipped at once, as if Redis had
 * answered "nothing known", instead of each waiting its own timeout (a slow Redis made every read
 * wait several timeouts in a row). Then one command goes through as a probe (half-open): its
 * success closes the breaker, its failure opens it again. The rate limiter does the same for its
 * own connection (rate-limits/redis-rate-limiter.ts, its degraded mode and probe).
 */

/** A command the breaker did not let through: Redis was not asked. */
export class StoreSkipped extends Error {
  override name = 'StoreSkipped';
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface Breaker {
  /** Runs the command unless the breaker is open (then rejects with StoreSkipped at once). */
  run<T>(command: () => Promise<T>): Promise<T>;
  state(): BreakerState;
}

export function createBreaker({ now, openMs }: { now: () => number; openMs: number }): Breaker {
  let openUntil = 0;
  let probing = false;
  const isOpen = () => openUntil > 0;
  return {
    async run(command) {
      let probe = false;
      if (isOpen()) {
        if (now() < openUntil || probing) throw new StoreSkipped('the budget store is skipped for a moment');
        probing = true;
        probe = true;
      }
      try {
        const result = await command();
        openUntil = 0;
        return result;
      } catch (error) {
        openUntil = now() + openMs;
        throw error;
      } finally {
        if (probe) probing = false;
      }
    },
    state: () => (!isOpen() ? 'closed' : now() < openUntil || probing ? 'open' : 'half-open'),
  };
}
