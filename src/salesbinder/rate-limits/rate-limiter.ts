/**
 * SalesBinder allows 15 calls per 10 s and 50 per minute per account; breaking either blocks the
 * account for a minute, and repeated breaches can disable its API access. This limiter keeps
 * every account inside both windows, whoever the callers are: a call waits for a slot (briefly)
 * or is refused here, and never reaches SalesBinder to break the limit.
 *
 * Each call reserves its slot when it asks, in FIFO order, so concurrent callers can never
 * overbook a window: the reservation times are a sorted log per account, and a new one is placed
 * at the earliest instant at which both windows ending there still have room.
 */
import type { AttemptGate } from '../../transport/guarded-transport.ts';
import type { CallPriority } from '../../transport/http.ts';

export interface RateLimits {
  /** Calls SalesBinder allows per 10 s. @default 15 */
  perTenSeconds: number;
  /** Calls SalesBinder allows per 60 s. @default 50 */
  perMinute: number;
  /** Calls kept in reserve in each window, for clocks that disagree and other clients of the account. @default 1 */
  headroom: number;
  /** Longest a call waits for a slot before it is refused. @default 2000 */
  maxWaitMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  perTenSeconds: 15,
  perMinute: 50,
  headroom: 1,
  maxWaitMs: 2_000,
};

/**
 * The share of each window a call of this priority must leave free: an edit may take every slot;
 * a read must leave a little for edits; a call for a key SalesBinder has not accepted yet must
 * leave a good part for keys it has; background work (keeping remembered answers fresh ahead of
 * need) must leave room for everyone, and never waits.
 */
const RESERVED_SHARE: Readonly<Record<CallPriority, number>> = {
  edit: 0,
  read: 0.07,
  newcomer: 0.07,
  background: 0.2,
};

/**
 * Besides leaving their reserve, calls for keys SalesBinder has not accepted yet share a slice
 * of their own: a log per account (`newcomersOf(account)`) that holds at most these shares of the
 * windows, however many sources they come from (which of them gets it is the newcomers' credits'
 * business). A team's morning needs about 20 first calls a minute, in bursts.
 */
const NEWCOMERS_SLICE = { short: 0.6, long: 0.6 };

/**
 * How much longer than `maxWaitMs` a call of this priority may wait for a slot: a person's very
 * first screen may take a few seconds more rather than be refused; background work never waits.
 */
const WAIT_FACTOR: Readonly<Record<LogPriority, number>> = {
  edit: 1,
  read: 1,
  newcomer: 2,
  slice: 2,
  background: 0,
};

/** The log the newcomers' slice of an account is kept in. */
const newcomersOf = (account: string): string => `${account} (newcomers)`;

/** A call's priority, or `slice` for its place in the newcomers' own log. */
export type LogPriority = CallPriority | 'slice';

/** How many calls of the windows' `perShort` and `perLong` a call of this priority may see taken before it. */
export function capsFor(
  priority: LogPriority,
  perShort: number,
  perLong: number,
): { short: number; long: number; waitFactor: number } {
  const waitFactor = WAIT_FACTOR[priority];
  if (priority === 'slice') {
    return {
      short: Math.max(1, Math.floor(perShort * NEWCOMERS_SLICE.short)),
      long: Math.max(1, Math.floor(perLong * NEWCOMERS_SLICE.long)),
      waitFactor,
    };
  }
  const share = RESERVED_SHARE[priority];
  return {
    short: Math.max(1, perShort - Math.ceil(perShort * share)),
    long: Math.max(1, perLong - Math.ceil(perLong * share)),
    waitFactor,
  };
}

/** The call was not sent: it would have broken SalesBinder's limits, or the account is blocked. */
export class RateLimitRefusal extends Error {
  override name = 'RateLimitRefusal';
  readonly retryAfterSeconds: number;
  readonly reason: 'rate_limit' | 'blocked';
  constructor(reason: 'rate_limit' | 'blocked', retryAfterSeconds: number) {
    super(
      reason === 'blocked'
        ? 'SalesBinder blocked this account after a 429; calls wait until the block ends'
        : "The call was held back: it would exceed SalesBinder's rate limit for this account",
    );
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** How much of an account's rate limits is spent: calls granted in each window, now. */
export interface AccountUsage {
  account: string;
  tenSeconds: number;
  minute: number;
}

/** Which store holds the windows, and whether it is standing in for an unreachable one. */
export interface LimiterHealth {
  backend: 'memory' | 'redis';
  /** True while Redis is unreachable and each replica limits itself to its local share. */
  degraded: boolean;
}

/**
 * Asynchronous throughout because the state may live in Redis (see redis-rate-limiter.ts);
 * no method rejects with anything but RateLimitRefusal.
 */
export interface RateLimiter {
  /**
   * Resolves when the call may go (at once, or after at most `maxWaitMs`, or less when the call
   * has less time left than that; background calls never wait); rejects with RateLimitRefusal.
   * @default priority 'edit'
   */
  acquire(account: string, timeLeftMs?: number, priority?: LogPriority): Promise<void>;
  /** Opens a block after SalesBinder's 429: every call for the account fails fast until it ends. */
  block(account: string, seconds: number): Promise<void>;
  /** Seconds until the account's block ends; 0 when it is not blocked. */
  blockedFor(account: string): Promise<number>;
  /** Accounts currently blocked (with Redis: among those this replica has served). */
  blockedAccounts(): Promise<string[]>;
  /** Calls granted in the last 10 s and 60 s, per account this replica has served (with Redis: by every replica). */
  usage(): Promise<AccountUsage[]>;
  /** For readiness and metrics. */
  health(): LimiterHealth;
  /** Releases connections and timers; the limiter is not used afterwards. */
  close(): Promise<void>;
}

interface AccountState {
  /** Reservation instants (ms), sorted, none older than a minute. */
  log: number[];
  blockedUntil: number;
}

/** SalesBinder's two sliding windows, in ms. */
export const TEN_SECONDS = 10_000;
export const MINUTE = 60_000;

/** Whole seconds a caller is told to wait: never 0, which would invite an immediate retry. */
export const retrySeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

export function createMemoryRateLimiter(
  limits: RateLimits = DEFAULT_RATE_LIMITS,
  now: () => number = Date.now,
  /**
   * Reservation instants (ms, sorted) already spent per account, which this limiter counts as
   * its own: the Redis limiter's fallback starts from the shared windows it last saw.
   */
  history: Iterable<readonly [string, readonly number[]]> = [],
): RateLimiter {
  const perTen = Math.max(1, limits.perTenSeconds - limits.headroom);
  const perMinute = Math.max(1, limits.perMinute - limits.headroom);
  const accounts = new Map<string, AccountState>();
  for (const [account, log] of history) accounts.set(account, { log: [...log], blockedUntil: 0 });

  const stateOf = (account: string): AccountState => {
    let state = accounts.get(account);
    if (!state) {
      state = { log: [], blockedUntil: 0 };
      accounts.set(account, state);
    }
    return state;
  };

  const secondsUntil = (at: number, from: number) => retrySeconds(at - from);

  /** The earliest instant ≥ from at which one more call fits both windows' caps (log is sorted). */
  const nextSlot = (log: readonly number[], from: number, caps: { short: number; long: number }): number => {
    let at = Math.max(from, log.at(-1) ?? from);
    const tenth = log[log.length - caps.short];
    if (tenth !== undefined) at = Math.max(at, tenth + TEN_SECONDS);
    const sixtieth = log[log.length - caps.long];
    if (sixtieth !== undefined) at = Math.max(at, sixtieth + MINUTE);
    return at;
  };

  return {
    async acquire(account, timeLeftMs = Number.POSITIVE_INFINITY, priority = 'edit') {
      const caps = capsFor(priority, perTen, perMinute);
      const maxWaitMs = Math.min(limits.maxWaitMs * caps.waitFactor, timeLeftMs);
      const state = stateOf(account);
      const t = now();
      if (state.blockedUntil > t) throw new RateLimitRefusal('blocked', secondsUntil(state.blockedUntil, t));
      while (state.log.length > 0 && (state.log[0] as number) <= t - MINUTE) state.log.shift();
      const at = nextSlot(state.log, t, caps);
      if (at - t > maxWaitMs) throw new RateLimitRefusal('rate_limit', secondsUntil(at, t));
      state.log.push(at);
      if (at > t) await new Promise((resolve) => setTimeout(resolve, at - t));
      // A 429 may have arrived while this call waited: never send into a block.
      const woke = now();
      if (state.blockedUntil > woke)
        throw new RateLimitRefusal('blocked', secondsUntil(state.blockedUntil, woke));
    },
    async block(account, seconds) {
      const state = stateOf(account);
      state.blockedUntil = Math.max(state.blockedUntil, now() + seconds * 1000);
    },
    async blockedFor(account) {
      const until = accounts.get(account)?.blockedUntil ?? 0;
      const t = now();
      return until > t ? secondsUntil(until, t) : 0;
    },
    async blockedAccounts() {
      const t = now();
      return [...accounts].filter(([, s]) => s.blockedUntil > t).map(([account]) => account);
    },
    async usage() {
      const t = now();
      return [...accounts].map(([account, { log }]) => ({
        account,
        tenSeconds: log.filter((at) => at <= t && at > t - TEN_SECONDS).length,
        minute: log.filter((at) => at <= t && at > t - MINUTE).length,
      }));
    },
    health: () => ({ backend: 'memory', degraded: false }),
    close: async () => {},
  };
}

/** What the gate reports, for metrics. */
export interface LimiterObserver {
  /** A call waited this long for a slot (told only when it waited a millisecond or more). */
  wait(seconds: number): void;
  refusal(reason: RateLimitRefusal['reason']): void;
}

/**
 * The limiter as the transport's gate: each attempt takes a slot of its account's windows (a key
 * SalesBinder has not accepted yet, a place in the newcomers' slice first), and a 429 blocks the
 * account.
 */
export function createAttemptGate(limiter: RateLimiter, observer?: LimiterObserver): AttemptGate {
  return {
    async admit({ account, priority = 'edit' }, timeLeftMs) {
      const started = performance.now();
      try {
        if (priority === 'newcomer') await limiter.acquire(newcomersOf(account), timeLeftMs, 'slice');
        await limiter.acquire(account, timeLeftMs, priority);
      } catch (error) {
        if (!(error instanceof RateLimitRefusal)) throw error;
        observer?.refusal(error.reason);
        return error;
      }
      const waited = performance.now() - started;
      if (waited >= 1) observer?.wait(waited / 1000);
      return undefined;
    },
    block: ({ account }, seconds) => limiter.block(account, seconds),
  };
}
