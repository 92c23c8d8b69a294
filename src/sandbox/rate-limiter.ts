/** SalesBinder's own limits, as the sandbox plays them (the gateway's limiter has settings of its own). */
export interface SandboxRateLimits {
  perTenSeconds: number;
  perMinute: number;
  blockSeconds: number;
  /** For tests: the windows' lengths in ms, shorter than SalesBinder's so a test sees many of them. @default { short: 10000, long: 60000 } */
  windowsMs?: { short: number; long: number };
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface AccountWindow {
  /** Arrival times within the last minute, oldest first. */
  hits: number[];
  blockedUntil: number;
}

const TEN_SECONDS = 10_000;
const MINUTE = 60_000;

/**
 * SalesBinder's limits: sliding windows of 10 s and 60 s per account, and a block once either
 * is exceeded. Every request counts, refused ones included, so hammering through a block
 * keeps the windows full and blocks again right after (SalesBinder's "repeated violations
 * lengthen the block").
 */
export function createSandboxRateLimiter(initial: SandboxRateLimits | false) {
  let limits = initial;
  const accounts = new Map<string, AccountWindow>();

  function check(account: string, now: number): RateDecision {
    if (!limits) return { allowed: true };
    const window = accounts.get(account) ?? { hits: [], blockedUntil: 0 };
    accounts.set(account, window);
    const { short, long } = limits.windowsMs ?? { short: TEN_SECONDS, long: MINUTE };
    window.hits = window.hits.filter((t) => now - t < long);
    const inTenSeconds = window.hits.filter((t) => now - t < short).length;
    const inMinute = window.hits.length;
    window.hits.push(now);

    if (
      now >= window.blockedUntil &&
      (inTenSeconds >= limits.perTenSeconds || inMinute >= limits.perMinute)
    ) {
      window.blockedUntil = now + limits.blockSeconds * 1000;
    }
    if (now < window.blockedUntil) {
      return { allowed: false, retryAfterSeconds: Math.ceil((window.blockedUntil - now) / 1000) };
    }
    return { allowed: true };
  }

  return {
    check,
    reset(): void {
      accounts.clear();
    },
    /** New limits start from a clean slate, so a test can switch them on without earlier traffic counting. */
    setLimits(next: SandboxRateLimits | false): void {
      limits = next;
      accounts.clear();
    },
  };
}
