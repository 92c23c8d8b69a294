/**
 * What a replica of the Redis limiter keeps locally so that a Redis outage costs neither the
 * account's limits nor its callers: the shared holds as it last saw them, the blocks it knows,
 * and the calls it let through on its local share meanwhile, which it writes back into the shared
 * log when Redis answers again (see redis-rate-limiter.ts for the policy).
 */
import { createMemoryRateLimiter, type RateLimiter, type RateLimits } from './rate-limiter.ts';
import type { LimiterCommands } from './redis-scripts.ts';

export interface OutageShareOptions {
  /** This replica's share of the windows. */
  share: RateLimits;
  windows: { short: number; long: number };
  commands: Pick<LimiterCommands, 'sbgwBlock' | 'sbgwRecord'>;
  keysOf(account: string): { log: string; block: string };
  /** A new unique member of a log. */
  member(): string;
}

export interface OutageShare {
  /** The shared holds' ends, as offsets from now, from the latest reply for the account. */
  sawShared(account: string, offsets: readonly number[]): void;
  /** A call let through on the local share may arrive until `end` (local ms). */
  spent(account: string, end: number): void;
  /** Whether calls let through on the local share are not written back yet. */
  readonly pending: boolean;
  noteBlock(account: string, ms: number): void;
  /** Ms left of a block this replica knows of; 0 when none. */
  localBlockMs(account: string): number;
  /** Accounts with a block this replica knows of (some may have ended). */
  blockedAccounts(): string[];
  /** An in-memory limiter on the share, knowing what the shared windows held and the blocks. */
  start(): RateLimiter;
  /** Writes open blocks and calls let through on the share into Redis; rejects (keeping them) when Redis fails. */
  writeBack(): Promise<void>;
}

export function createOutageShare({
  share,
  windows,
  commands,
  keysOf,
  member,
}: OutageShareOptions): OutageShare {
  /** The shared holds' ends as last seen, in local ms: where a local share starts from. */
  const lastSeen = new Map<string, number[]>();
  /** Blocks this replica knows of (local ms): they hold even while Redis is away. */
  const blocks = new Map<string, number>();
  /** Ends of the holds of calls let through on the share (local ms), to write back into the shared log. */
  let unrecorded = new Map<string, number[]>();

  const localBlockMs = (account: string): number => {
    const until = blocks.get(account) ?? 0;
    const left = until - Date.now();
    if (left <= 0 && until !== 0) blocks.delete(account);
    return Math.max(0, left);
  };

  return {
    sawShared(account, offsets) {
      const t = Date.now();
      lastSeen.set(
        account,
        offsets.map((offset) => t + offset),
      );
    },
    spent(account, end) {
      const log = unrecorded.get(account) ?? [];
      log.push(end);
      unrecorded.set(account, log);
    },
    get pending() {
      return unrecorded.size > 0;
    },
    noteBlock(account, ms) {
      blocks.set(account, Math.max(blocks.get(account) ?? 0, Date.now() + ms));
    },
    localBlockMs,
    blockedAccounts: () => [...blocks.keys()],

    start() {
      const t = Date.now();
      const history = new Map<string, number[]>();
      for (const account of new Set([...lastSeen.keys(), ...unrecorded.keys()])) {
        const ends = [...(lastSeen.get(account) ?? []), ...(unrecorded.get(account) ?? [])];
        history.set(
          account,
          ends.filter((end) => end > t - windows.long),
        );
      }
      const limiter = createMemoryRateLimiter(share, Date.now, history, windows);
      for (const [account] of blocks) {
        const left = localBlockMs(account);
        if (left > 0) void limiter.block(account, left / 1000);
      }
      return limiter;
    },

    async writeBack() {
      for (const [account] of blocks) {
        const left = localBlockMs(account);
        if (left > 0) await commands.sbgwBlock(keysOf(account).block, Math.ceil(left));
      }
      while (unrecorded.size > 0) {
        const batch = unrecorded;
        unrecorded = new Map();
        try {
          for (const [account, ends] of batch) {
            const t = Date.now();
            const args = ends.filter((end) => end > t - windows.long).flatMap((end) => [end - t, member()]);
            if (args.length > 0) await commands.sbgwRecord(keysOf(account).log, windows.long, ...args);
            batch.delete(account);
            // Until the next shared reply, a new local share must count these calls as spent too.
            lastSeen.set(account, [...(lastSeen.get(account) ?? []), ...ends]);
          }
        } catch (error) {
          for (const [account, ends] of batch)
            unrecorded.set(account, [...ends, ...(unrecorded.get(account) ?? [])]);
          throw error;
        }
      }
    },
  };
}
