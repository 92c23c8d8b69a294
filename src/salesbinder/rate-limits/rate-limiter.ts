/**
 * SalesBinder allows 15 calls per 10 s and 50 per minute per account; breaking either blocks the
 * account for a minute, and repeated breaches can disable its API access. This limiter keeps
 * every account inside both windows, whoever the callers are: a call waits for a slot (briefly)
 * or is refused here, and never reaches SalesBinder to break the limit.
 *
 * SalesBinder counts a call when it *arrives*, which is some time after it was sent: a slot is
 * free again only when no call sent into it can still arrive inside SalesBinder's window. So each
 * call holds its slot until the latest instant it may still arrive (its hold's end): until its
 * answer came back, when it answers; else until its deadline, when the transport cuts it off, and
 * a moment in transit. A call sent at `at` can share SalesBinder's window with an earlier one only
 * if that one may arrive later than `at` minus the window; so a new call is placed at the earliest
 * instant by which all but `cap - 1` of the holds have ended at least a window before. Freeing a
 * slot a window after it was *reserved*, as before, let a burst released at +10 s arrive inside
 * the window of the calls it replaced when those had been slower on the way.
 *
 * Holds are taken when a call asks, so concurrent callers can never overbook a window: one
 * waiting for its instant already counts for those who ask after it.
 */

import { LRUCache } from 'lru-cache';
import type { AttemptGate } from '../../transport/guarded-transport.ts';
import {
  ACTIVE_CALLER_MS,
  type CallPriority,
  capsFor,
  isPersonLog,
  type LogPriority,
  newcomersOf,
  personOf,
  personShare,
  unansweredHoldMs,
} from '../call-policy.ts';

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

/** The call was not sent: it would have broken SalesBinder's limits, or the account is blocked. */
export class RateLimitRefusal extends Error {
  override name = 'RateLimitRefusal';
  readonly retryAfterSeconds: number;
  /** `person_share`: the caller used its share of the windows while others use the account too. */
  readonly reason: 'rate_limit' | 'blocked' | 'person_share';
  constructor(reason: RateLimitRefusal['reason'], retryAfterSeconds: number) {
    super(
      reason === 'blocked'
        ? 'SalesBinder blocked this account after a 429; calls wait until the block ends'
        : reason === 'person_share'
          ? "The call was held back: this key has used its share of the account's SalesBinder calls while others use it too"
          : "The call was held back: it would exceed SalesBinder's rate limit for this account",
    );
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The slot a call was let through into: tell it what became of the call. */
export interface Slot {
  /** SalesBinder answered (any status): the call arrived by now, so it counts no longer than a window from now. */
  answered(): void;
  /** The call was not sent after all: its place is given back. */
  unused(): void;
}

/** How much of an account's rate limits is spent: calls that may count in each of SalesBinder's windows now (sent, on their way, or waiting for their instant). */
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
   * `timeLeftMs` is the call's deadline: it bounds the wait, and how long the slot is held when
   * the call never answers (`Slot.answered` shortens the hold). `share`: for `person`, the part
   * of the windows this log may hold.
   * @default priority 'edit'
   */
  acquire(account: string, timeLeftMs?: number, priority?: LogPriority, share?: number): Promise<Slot>;
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

/** A call's place in its account's windows: the latest instant (ms) it may still arrive at SalesBinder. */
interface Hold {
  end: number;
}

interface AccountState {
  /** Holds that may still count in a window (none ended more than a minute ago). */
  holds: Hold[];
  blockedUntil: number;
}

/** SalesBinder's two sliding windows, in ms. */
export const TEN_SECONDS = 10_000;
export const MINUTE = 60_000;

/** Whole seconds a caller is told to wait: never 0, which would invite an immediate retry. */
export const retrySeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * The earliest instant ≥ `from` at which a call may be sent with these caps, given the ends of the
 * holds already taken: a window after the cap-th latest end in each window (the Redis limiter's
 * script does the same in Lua).
 */
function slotAfter(
  ends: readonly number[],
  from: number,
  caps: { short: number; long: number },
  windowsMs: { short: number; long: number } = { short: TEN_SECONDS, long: MINUTE },
): number {
  const latestFirst = [...ends].sort((a, b) => b - a);
  let at = from;
  const short = latestFirst[caps.short - 1];
  if (short !== undefined) at = Math.max(at, short + windowsMs.short);
  const long = latestFirst[caps.long - 1];
  if (long !== undefined) at = Math.max(at, long + windowsMs.long);
  return at;
}

export function createMemoryRateLimiter(
  limits: RateLimits = DEFAULT_RATE_LIMITS,
  now: () => number = Date.now,
  /**
   * Ends of holds (ms) already taken per account, which this limiter counts as its own: the Redis
   * limiter's fallback starts from the shared windows it last saw.
   */
  history: Iterable<readonly [string, readonly number[]]> = [],
  /** For tests only: the two window lengths in ms. @default { short: 10000, long: 60000 } */
  windowsMs: { short: number; long: number } = { short: TEN_SECONDS, long: MINUTE },
): RateLimiter {
  const perTen = Math.max(1, limits.perTenSeconds - limits.headroom);
  const perMinute = Math.max(1, limits.perMinute - limits.headroom);
  const accounts = new Map<string, AccountState>();
  for (const [account, ends] of history)
    accounts.set(account, { holds: ends.map((end) => ({ end })), blockedUntil: 0 });

  let created = 0;
  const stateOf = (account: string): AccountState => {
    let state = accounts.get(account);
    if (!state) {
      // People's logs come and go: now and then, forget those holding nothing that still counts.
      if (++created % 1_000 === 0) {
        const t = now();
        for (const [name, s] of accounts)
          if (s.blockedUntil <= t && s.holds.every((hold) => hold.end <= t - windowsMs.long))
            accounts.delete(name);
      }
      state = { holds: [], blockedUntil: 0 };
      accounts.set(account, state);
    }
    return state;
  };

  const secondsUntil = (at: number, from: number) => retrySeconds(at - from);

  const release = (state: AccountState, hold: Hold) => {
    const i = state.holds.indexOf(hold);
    if (i !== -1) state.holds.splice(i, 1);
  };

  return {
    async acquire(account, timeLeftMs, priority = 'edit', share = 1) {
      const caps = capsFor(priority, perTen, perMinute, share);
      const maxWaitMs = Math.min(limits.maxWaitMs * caps.waitFactor, timeLeftMs ?? Number.POSITIVE_INFINITY);
      const state = stateOf(account);
      const t = now();
      if (state.blockedUntil > t) throw new RateLimitRefusal('blocked', secondsUntil(state.blockedUntil, t));
      state.holds = state.holds.filter((hold) => hold.end > t - windowsMs.long);
      const at = slotAfter(
        state.holds.map((hold) => hold.end),
        t,
        caps,
        windowsMs,
      );
      if (at - t > maxWaitMs) {
        // Told when a slot likely frees: should the calls still on their way answer now.
        const likely = slotAfter(
          state.holds.map((hold) => Math.min(hold.end, t)),
          t,
          caps,
          windowsMs,
        );
        throw new RateLimitRefusal('rate_limit', secondsUntil(likely, t));
      }
      const hold: Hold = { end: Math.max(at, t + unansweredHoldMs(timeLeftMs, maxWaitMs)) };
      state.holds.push(hold);
      if (at > t) await new Promise((resolve) => setTimeout(resolve, at - t));
      // A 429 may have arrived while this call waited: never send into a block.
      const woke = now();
      if (state.blockedUntil > woke) {
        release(state, hold);
        throw new RateLimitRefusal('blocked', secondsUntil(state.blockedUntil, woke));
      }
      return {
        answered: () => {
          hold.end = Math.min(hold.end, now());
        },
        unused: () => release(state, hold),
      };
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
      return [...accounts]
        .filter(([log]) => !isPersonLog(log))
        .map(([account, { holds }]) => ({
          account,
          tenSeconds: holds.filter((hold) => hold.end > t - windowsMs.short).length,
          minute: holds.filter((hold) => hold.end > t - windowsMs.long).length,
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
 * The limiter as the transport's gate: each attempt takes a slot of its account's windows; before
 * that, a key SalesBinder has not accepted yet takes a place in the newcomers' slice, and a
 * person's read, while others use the account too, a place in that person's share (call-policy.ts).
 * A 429 blocks the account.
 */
export function createAttemptGate(limiter: RateLimiter, observer?: LimiterObserver): AttemptGate {
  /**
   * Who called each account lately with a key SalesBinder accepted (a newcomer's call is no
   * person's yet: a stranger's made-up keys must not shrink the team's shares): a person's share
   * depends on how many do. Bounded per account.
   */
  const callers = new Map<string, LRUCache<string, true>>();
  const activeCallers = (account: string, caller: string, priority: CallPriority): number => {
    let recent = callers.get(account);
    if (!recent) {
      recent = new LRUCache<string, true>({ max: 10_000, ttl: ACTIVE_CALLER_MS });
      callers.set(account, recent);
    }
    if (priority === 'read' || priority === 'edit') recent.set(caller, true);
    // Entries past their time to live are not counted (lru-cache's size counts them until purged).
    recent.purgeStale();
    return recent.size;
  };
  return {
    async admit({ account, priority = 'edit', caller }, timeLeftMs) {
      const started = performance.now();
      const taken: Slot[] = [];
      try {
        const share =
          caller === undefined ? undefined : personShare(priority, activeCallers(account, caller, priority));
        if (caller !== undefined && share !== undefined) {
          const own = await limiter
            .acquire(personOf(account, caller), timeLeftMs, 'person', share)
            .catch((error: unknown) => {
              if (error instanceof RateLimitRefusal && error.reason === 'rate_limit')
                throw new RateLimitRefusal('person_share', error.retryAfterSeconds);
              throw error;
            });
          taken.push(own);
        }
        if (priority === 'newcomer')
          taken.push(await limiter.acquire(newcomersOf(account), timeLeftMs, 'slice'));
        taken.push(await limiter.acquire(account, timeLeftMs, priority));
      } catch (error) {
        for (const slot of taken) slot.unused();
        if (!(error instanceof RateLimitRefusal)) throw error;
        observer?.refusal(error.reason);
        return error;
      }
      const waited = performance.now() - started;
      if (waited >= 1) observer?.wait(waited / 1000);
      return {
        answered() {
          for (const slot of taken) slot.answered();
        },
      };
    },
    block: ({ account }, seconds) => limiter.block(account, seconds),
  };
}
