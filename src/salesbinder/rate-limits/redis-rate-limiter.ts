/**
 * The rate limiter for replicas behind a load balancer: SalesBinder's limits are per account,
 * so N replicas each keeping their own windows would send N times the limit and get the account
 * blocked. Here every account's windows and block live in Redis, and all replicas reserve slots
 * from the same log.
 *
 * Same semantics as the in-memory limiter (rate-limiter.ts): both windows less headroom, holds
 * that last until a call can no longer arrive at SalesBinder, a bounded wait, refusals with
 * honest retryAfterSeconds, and blocks after a 429. Each decision is one Lua script
 * (redis-scripts.ts) on Redis's clock.
 *
 * When Redis is slow or away (every command waits at most `timeoutMs`), each replica falls back
 * to an in-memory limiter holding 1/`fallbackReplicas` of the rate limits, starting from the shared
 * windows it last saw and from the blocks it knows. Failing closed would turn a Redis outage into
 * an outage of every account although SalesBinder is fine; a local share keeps callers served
 * and, while `fallbackReplicas` is at least the number of replicas, keeps the account inside its
 * limits. When Redis answers again, what was spent meanwhile and open blocks are written back
 * before the shared windows are used again, and the share stays in force for one more minute,
 * since replicas that reconnect later have not written theirs back yet.
 *
 * Not covered: a replica that had not served an account lately starts its share without knowing
 * what the others had just spent; a Redis that comes back empty forgets the calls made before the
 * outage (other than those written back); a partition that cuts off only some replicas lets them
 * spend their share while the others spend the shared windows. The headroom absorbs part of each.
 */
import { createHash, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../observability/logger.ts';
import { capsFor, isPersonLog, type LogPriority, unansweredHoldMs } from '../call-policy.ts';
import { connectRedis, type RedisSettings } from '../redis.ts';
import { createOutageShare } from './outage-share.ts';
import {
  MINUTE,
  type RateLimiter,
  RateLimitRefusal,
  type RateLimits,
  retrySeconds,
  type Slot,
  TEN_SECONDS,
} from './rate-limiter.ts';
import { defineLimiterCommands } from './redis-scripts.ts';

export interface RedisRateLimiterOptions extends RedisSettings {
  limits: RateLimits;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** How often a degraded limiter checks whether Redis is back (also on every reconnection). @default 1000 */
  probeIntervalMs?: number;
  /** For tests only: the two window lengths in ms. @default { short: 10000, long: 60000 } */
  windowsMs?: { short: number; long: number };
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { limits, logger, timeoutMs, keyPrefix, fallbackReplicas, probeIntervalMs = 1_000 } = options;
  const windows = options.windowsMs ?? { short: TEN_SECONDS, long: MINUTE };
  const perShort = Math.max(1, limits.perTenSeconds - limits.headroom);
  const perLong = Math.max(1, limits.perMinute - limits.headroom);
  // The headroom stays one reserve for the whole account, not one per replica.
  const share: RateLimits = {
    perTenSeconds: Math.max(1, Math.floor(perShort / fallbackReplicas)),
    perMinute: Math.max(1, Math.floor(perLong / fallbackReplicas)),
    headroom: 0,
    maxWaitMs: limits.maxWaitMs,
  };

  const redis = connectRedis({ ...options, logger, role: 'the rate limiter' });
  const commands = defineLimiterCommands(redis);

  const replicaId = randomUUID().slice(0, 8);
  let sequence = 0;
  const member = () => `${replicaId}:${(sequence++).toString(36)}`;

  // The account is its origin URL: hashed, so no customer's name sits in a key. The braces are a
  // Redis Cluster hash tag, keeping an account's two keys in one slot for the script.
  const keys = new LRUCache<string, { log: string; block: string }>({ max: 10_000 });
  /** The accounts this replica served (not people's logs): what usage and blocks report. */
  const accounts = new Set<string>();
  const keysOf = (account: string) => {
    let k = keys.get(account);
    if (!k) {
      const hash = createHash('sha256').update(account).digest('hex').slice(0, 16);
      k = { log: `${keyPrefix}:rl:{${hash}}:log`, block: `${keyPrefix}:rl:{${hash}}:block` };
      keys.set(account, k);
      if (!isPersonLog(account)) accounts.add(account);
    }
    return k;
  };

  const local = createOutageShare({ share, windows, commands, keysOf, member });
  const { localBlockMs, noteBlock } = local;

  let degraded = false;
  let closed = false;
  let fallback: RateLimiter | undefined;
  /**
   * The share stays in force for one long window after Redis returns: other replicas write their
   * outage calls back only when they reconnect, and until then the shared windows undercount.
   */
  let afterOutage: { limiter: RateLimiter; until: number } | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  let probing = false;

  function degrade(error: unknown): void {
    if (degraded) return;
    degraded = true;
    fallback = local.start();
    if (closed) return;
    logger.warn(
      { redis: { error: errorMessage(error) }, fallbackShare: `1/${fallbackReplicas}` },
      `Redis is unreachable: each account is limited locally to 1/${fallbackReplicas} of its rate limits until it is back`,
    );
    scheduleProbe();
  }

  function scheduleProbe(): void {
    if (probeTimer || closed) return;
    probeTimer = setTimeout(() => {
      probeTimer = undefined;
      void probe();
    }, probeIntervalMs);
    probeTimer.unref();
  }

  async function probe(): Promise<void> {
    if (!degraded || closed || probing) return;
    probing = true;
    try {
      if (redis.status !== 'ready') throw new Error(`the connection is ${redis.status}`);
      await redis.ping();
      await local.writeBack();
      degraded = false;
      // A fallback call may have finished between the write-back and here.
      if (local.pending) void local.writeBack().catch(degrade);
      if (fallback) afterOutage = { limiter: fallback, until: Date.now() + windows.long };
      fallback = undefined;
      logger.warn(
        'Redis is back: replicas share each account’s rate limits through it again (each also keeps to its share for one more minute)',
      );
    } catch {
      // Still away: the next probe will tell.
    } finally {
      probing = false;
      if (degraded) scheduleProbe();
    }
  }

  let readiness: Promise<void> | undefined;
  /** Resolves once connected; waits at most timeoutMs while the first connection is under way. */
  function whenReady(): Promise<void> {
    if (redis.status === 'ready') return Promise.resolve();
    if (!['wait', 'connecting', 'connect'].includes(redis.status))
      return Promise.reject(new Error(`the connection is ${redis.status}`));
    readiness ??= new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(new Error(`no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      redis.once('ready', onReady);
    }).finally(() => {
      readiness = undefined;
    });
    return readiness;
  }

  redis.on('error', (error: unknown) => degrade(error));
  redis.on('ready', () => void probe());

  /** Ms left of the account's block, asking Redis unless it is away. */
  async function blockedMs(account: string): Promise<number> {
    const local = localBlockMs(account);
    if (local > 0 || degraded) return local;
    try {
      await whenReady();
      const left = Number(await commands.sbgwBlockedFor(keysOf(account).block));
      if (left > 0) noteBlock(account, left);
      return left;
    } catch (error) {
      degrade(error);
      return localBlockMs(account);
    }
  }

  async function acquireOnFallback(
    account: string,
    timeLeftMs: number | undefined,
    priority: LogPriority,
    share: number,
  ): Promise<Slot> {
    fallback ??= local.start(); // degrade() has set it; this only tells the compiler
    const slot = await fallback.acquire(account, timeLeftMs, priority, share);
    const caps = capsFor(priority, perShort, perLong, share);
    // Written back as it may still arrive: the answer, if any, is only told to the local share.
    local.spent(account, Date.now() + unansweredHoldMs(timeLeftMs, limits.maxWaitMs * caps.waitFactor));
    // Redis came back while this call waited: record it now rather than at the next outage.
    if (!degraded) void local.writeBack().catch(degrade);
    return slot;
  }

  /** The call's hold in the shared log: an answer ends it now, a call not sent gives it back. */
  function sharedSlot(account: string, id: string, ownShare: Slot | undefined): Slot {
    const tell = (command: () => Promise<unknown>) => {
      if (!degraded) command().catch(degrade);
    };
    return {
      answered() {
        ownShare?.answered();
        tell(() => commands.sbgwAnswered(keysOf(account).log, id));
      },
      unused() {
        ownShare?.unused();
        tell(() => redis.zrem(keysOf(account).log, id));
      },
    };
  }

  return {
    async acquire(account, timeLeftMs, priority = 'edit', share = 1) {
      const blocked = localBlockMs(account);
      if (blocked > 0) throw new RateLimitRefusal('blocked', retrySeconds(blocked));
      if (degraded) return acquireOnFallback(account, timeLeftMs, priority, share);
      const started = Date.now();
      if (afterOutage && started >= afterOutage.until) afterOutage = undefined;
      const ownShare = await afterOutage?.limiter.acquire(account, timeLeftMs, priority, share);
      const caps = capsFor(priority, perShort, perLong, share);
      const longestWaitMs = Math.min(limits.maxWaitMs * caps.waitFactor, timeLeftMs ?? Infinity);
      // One bounded wait for both limiters, not one each.
      const maxWaitMs = Math.max(0, Math.floor(longestWaitMs - (Date.now() - started)));
      const k = keysOf(account);
      const id = member();
      let reply: number[];
      try {
        await whenReady();
        reply = (
          await commands.sbgwAcquire(
            k.log,
            k.block,
            caps.short,
            caps.long,
            maxWaitMs,
            windows.short,
            windows.long,
            id,
            Math.ceil(unansweredHoldMs(timeLeftMs, longestWaitMs)),
          )
        ).map(Number);
      } catch (error) {
        // A timed-out script may still have taken its hold: that slot is wasted, never overbooked.
        ownShare?.unused();
        degrade(error);
        return acquireOnFallback(account, timeLeftMs, priority, share);
      }
      const [code = 1, ms = 0, ...log] = reply;
      local.sawShared(account, log);
      if (code !== 0) ownShare?.unused();
      if (code === 2) {
        noteBlock(account, ms);
        throw new RateLimitRefusal('blocked', retrySeconds(ms));
      }
      if (code === 1) throw new RateLimitRefusal('rate_limit', retrySeconds(ms));
      const slot = sharedSlot(account, id, ownShare);
      if (ms <= 0) return slot;
      await new Promise((resolve) => setTimeout(resolve, ms));
      // A 429 may have reached any replica while this call waited: never send into a block.
      const left = await blockedMs(account);
      if (left > 0) {
        slot.unused();
        throw new RateLimitRefusal('blocked', retrySeconds(left));
      }
      return slot;
    },

    async block(account, seconds) {
      noteBlock(account, seconds * 1000);
      await fallback?.block(account, seconds);
      await afterOutage?.limiter.block(account, seconds);
      if (degraded) return; // written back when Redis returns
      try {
        await whenReady();
        await commands.sbgwBlock(keysOf(account).block, Math.ceil(seconds * 1000));
      } catch (error) {
        degrade(error);
      }
    },

    async blockedFor(account) {
      const left = await blockedMs(account);
      return left > 0 ? retrySeconds(left) : 0;
    },

    async blockedAccounts() {
      const known = [...new Set([...accounts, ...local.blockedAccounts()])];
      const left = await Promise.all(known.map((account) => blockedMs(account)));
      return known.filter((_, i) => (left[i] ?? 0) > 0);
    },

    async usage() {
      if (degraded) return fallback ? fallback.usage() : [];
      try {
        await whenReady();
        return await Promise.all(
          [...accounts].map(async (account) => {
            const [tenSeconds, minute] = (
              await commands.sbgwUsage(keysOf(account).log, windows.short, windows.long)
            ).map(Number);
            return { account, tenSeconds: tenSeconds ?? 0, minute: minute ?? 0 };
          }),
        );
      } catch (error) {
        degrade(error);
        return [];
      }
    },

    health: () => ({ backend: 'redis', degraded }),

    async close() {
      closed = true;
      clearTimeout(probeTimer);
      try {
        await Promise.race([redis.quit(), new Promise((_, reject) => setTimeout(reject, timeoutMs).unref())]);
      } catch {
        // Not connected, or too slow to say goodbye: drop the connection instead.
      } finally {
        redis.disconnect();
      }
    },
  };
}
