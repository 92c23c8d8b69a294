/**
 * The rate limiter for replicas behind a load balancer: SalesBinder's limits are per account,
 * so N replicas each keeping their own windows would send N times the limit and get the account
 * blocked. Here every account's windows and block live in Redis, and all replicas reserve slots
 * from the same log.
 *
 * Same semantics as the in-memory limiter (rate-limiter.ts): both windows less headroom, FIFO
 * reservations placed at the earliest instant both windows allow, a bounded wait, refusals with
 * honest retryAfterSeconds, and blocks after a 429. Each decision is one Lua script, so two
 * replicas can never both take the last slot, and it reads Redis's clock (TIME), so replicas'
 * clocks may disagree: only durations cross the wire.
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
import type { Logger } from '../../observability/logger.ts';
import { connectRedis, type RedisSettings } from '../redis.ts';
import {
  capsFor,
  createMemoryRateLimiter,
  type LogPriority,
  MINUTE,
  type RateLimiter,
  RateLimitRefusal,
  type RateLimits,
  retrySeconds,
  TEN_SECONDS,
} from './rate-limiter.ts';

export interface RedisRateLimiterOptions extends RedisSettings {
  limits: RateLimits;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** How often a degraded limiter checks whether Redis is back (also on every reconnection). @default 1000 */
  probeIntervalMs?: number;
  /** For tests only: the two window lengths in ms. @default { short: 10000, long: 60000 } */
  windowsMs?: { short: number; long: number };
}

const NOW_MS = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

/**
 * KEYS: the account's reservation log (sorted set, score = instant in ms), its block (the instant
 * it ends). ARGV: calls allowed per short and long window (headroom already taken off), the
 * longest wait in ms, the window lengths, a unique member. Replies {code, ms, log...}: code 0
 * granted after ms, 1 refused (next slot in ms), 2 blocked (for ms); then the log as offsets from
 * now, which the replica keeps to start its fallback from.
 */
const ACQUIRE = `${NOW_MS}
local blockedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if blockedUntil > now then return {2, blockedUntil - now} end
local perShort, perLong = tonumber(ARGV[1]), tonumber(ARGV[2])
local shortMs, longMs = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longMs)
local n = redis.call('ZCARD', KEYS[1])
local function scoreAt(i) return tonumber(redis.call('ZRANGE', KEYS[1], i, i, 'WITHSCORES')[2]) end
local at = now
if n > 0 then at = math.max(at, scoreAt(n - 1)) end
if n >= perShort then at = math.max(at, scoreAt(n - perShort) + shortMs) end
if n >= perLong then at = math.max(at, scoreAt(n - perLong) + longMs) end
local code = 1
if at - now <= tonumber(ARGV[3]) then
  code = 0
  redis.call('ZADD', KEYS[1], at, ARGV[6])
  redis.call('PEXPIRE', KEYS[1], at - now + longMs)
end
local reply = {code, at - now}
local log = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 2, #log, 2 do reply[#reply + 1] = tonumber(log[i]) - now end
return reply`;

/** KEYS: the block. ARGV: its length in ms. Blocks only ever lengthen. Replies the ms left. */
const BLOCK = `${NOW_MS}
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then
  redis.call('SET', KEYS[1], untilMs, 'PX', untilMs - now)
  return untilMs - now
end
return current - now`;

/** KEYS: the block. Replies the ms left, 0 when there is none. */
const BLOCKED_FOR = `${NOW_MS}
return math.max(0, tonumber(redis.call('GET', KEYS[1]) or '0') - now)`;

/**
 * KEYS: the log. ARGV: the long window in ms, then pairs of (offset from now in ms, member): calls
 * a replica sent on its fallback share, written back so the shared windows count them.
 */
const RECORD = `${NOW_MS}
local longMs = tonumber(ARGV[1])
local latest = nil
for i = 2, #ARGV, 2 do
  local at = now + tonumber(ARGV[i])
  if at > now - longMs then
    redis.call('ZADD', KEYS[1], at, ARGV[i + 1])
    latest = math.max(latest or at, at)
  end
end
if latest then redis.call('PEXPIRE', KEYS[1], math.max(redis.call('PTTL', KEYS[1]), latest - now + longMs)) end
return 0`;

/** KEYS: the log. ARGV: the window lengths in ms. Replies the calls granted within each, up to now. */
const USAGE = `${NOW_MS}
return {redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[1])), now),
        redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[2])), now)}`;

interface LimiterCommands {
  sbgwAcquire(
    log: string,
    block: string,
    perShort: number,
    perLong: number,
    maxWaitMs: number,
    shortMs: number,
    longMs: number,
    member: string,
  ): Promise<number[]>;
  sbgwBlock(block: string, ms: number): Promise<number>;
  sbgwBlockedFor(block: string): Promise<number>;
  sbgwRecord(log: string, longMs: number, ...offsetsAndMembers: Array<number | string>): Promise<number>;
  sbgwUsage(log: string, shortMs: number, longMs: number): Promise<[number, number]>;
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
  redis.defineCommand('sbgwAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  redis.defineCommand('sbgwBlock', { numberOfKeys: 1, lua: BLOCK });
  redis.defineCommand('sbgwBlockedFor', { numberOfKeys: 1, lua: BLOCKED_FOR });
  redis.defineCommand('sbgwRecord', { numberOfKeys: 1, lua: RECORD });
  redis.defineCommand('sbgwUsage', { numberOfKeys: 1, lua: USAGE });
  // ioredis's types cannot know commands defined at run time (defineCommand): LimiterCommands says them.
  const commands = redis as unknown as LimiterCommands;

  const replicaId = randomUUID().slice(0, 8);
  let sequence = 0;
  const member = () => `${replicaId}:${(sequence++).toString(36)}`;

  // The account is its origin URL: hashed, so no customer's name sits in a key. The braces are a
  // Redis Cluster hash tag, keeping an account's two keys in one slot for the script.
  const keys = new Map<string, { log: string; block: string }>();
  const keysOf = (account: string) => {
    let k = keys.get(account);
    if (!k) {
      const hash = createHash('sha256').update(account).digest('hex').slice(0, 16);
      k = { log: `${keyPrefix}:rl:{${hash}}:log`, block: `${keyPrefix}:rl:{${hash}}:block` };
      keys.set(account, k);
    }
    return k;
  };

  /** The shared log as last seen, in local ms: where a fallback starts from. */
  const lastSeen = new Map<string, number[]>();
  /** Blocks this replica knows of (local ms): they hold even while Redis is away. */
  const blocks = new Map<string, number>();
  /** Calls sent on the fallback share (local ms), to write back into the shared log. */
  let unrecorded = new Map<string, number[]>();

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

  const localBlockMs = (account: string): number => {
    const until = blocks.get(account) ?? 0;
    const left = until - Date.now();
    if (left <= 0 && until !== 0) blocks.delete(account);
    return Math.max(0, left);
  };
  const noteBlock = (account: string, ms: number) => {
    blocks.set(account, Math.max(blocks.get(account) ?? 0, Date.now() + ms));
  };

  function degrade(error: unknown): void {
    if (degraded) return;
    degraded = true;
    fallback = startFallback();
    if (closed) return;
    logger.warn(
      { redis: { error: errorMessage(error) }, fallbackShare: `1/${fallbackReplicas}` },
      `Redis is unreachable: each account is limited locally to 1/${fallbackReplicas} of its rate limits until it is back`,
    );
    scheduleProbe();
  }

  /** An in-memory limiter on this replica's share, knowing what the shared windows held and the blocks. */
  function startFallback(): RateLimiter {
    const t = Date.now();
    const history = new Map<string, number[]>();
    for (const account of new Set([...lastSeen.keys(), ...unrecorded.keys()])) {
      const log = [...(lastSeen.get(account) ?? []), ...(unrecorded.get(account) ?? [])];
      history.set(
        account,
        log.filter((at) => at > t - windows.long).sort((a, b) => a - b),
      );
    }
    const limiter = createMemoryRateLimiter(share, Date.now, history);
    for (const [account] of blocks) {
      const left = localBlockMs(account);
      if (left > 0) void limiter.block(account, left / 1000);
    }
    return limiter;
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
      await writeBack();
      degraded = false;
      // A fallback call may have finished between the write-back and here.
      if (unrecorded.size > 0) void writeBack().catch(degrade);
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

  /** Writes open blocks and fallback calls into Redis; rejects (keeping them) when Redis fails. */
  async function writeBack(): Promise<void> {
    for (const [account] of blocks) {
      const left = localBlockMs(account);
      if (left > 0) await commands.sbgwBlock(keysOf(account).block, Math.ceil(left));
    }
    while (unrecorded.size > 0) {
      const batch = unrecorded;
      unrecorded = new Map();
      try {
        for (const [account, times] of batch) {
          const t = Date.now();
          const args = times.filter((at) => at > t - windows.long).flatMap((at) => [at - t, member()]);
          if (args.length > 0) await commands.sbgwRecord(keysOf(account).log, windows.long, ...args);
          batch.delete(account);
          // Until the next shared reply, a new fallback must count these calls as spent too.
          lastSeen.set(
            account,
            [...(lastSeen.get(account) ?? []), ...times].sort((a, b) => a - b),
          );
        }
      } catch (error) {
        for (const [account, times] of batch)
          unrecorded.set(account, [...times, ...(unrecorded.get(account) ?? [])]);
        throw error;
      }
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
  ): Promise<void> {
    fallback ??= startFallback(); // degrade() has set it; this only tells the compiler
    await fallback.acquire(account, timeLeftMs, priority);
    const log = unrecorded.get(account) ?? [];
    log.push(Date.now());
    unrecorded.set(account, log);
    // Redis came back while this call waited: record it now rather than at the next outage.
    if (!degraded) void writeBack().catch(degrade);
  }

  return {
    async acquire(account, timeLeftMs, priority = 'edit') {
      const blocked = localBlockMs(account);
      if (blocked > 0) throw new RateLimitRefusal('blocked', retrySeconds(blocked));
      if (degraded) return acquireOnFallback(account, timeLeftMs, priority);
      const started = Date.now();
      if (afterOutage && started >= afterOutage.until) afterOutage = undefined;
      await afterOutage?.limiter.acquire(account, timeLeftMs, priority);
      const caps = capsFor(priority, perShort, perLong);
      // One bounded wait for both limiters, not one each.
      const maxWaitMs = Math.max(
        0,
        Math.floor(
          Math.min(limits.maxWaitMs * caps.waitFactor, timeLeftMs ?? Infinity) - (Date.now() - started),
        ),
      );
      const k = keysOf(account);
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
            member(),
          )
        ).map(Number);
      } catch (error) {
        // A timed-out script may still have reserved its slot: that slot is wasted, never overbooked.
        degrade(error);
        return acquireOnFallback(account, timeLeftMs, priority);
      }
      const [code = 1, ms = 0, ...log] = reply;
      const t = Date.now();
      lastSeen.set(
        account,
        log.map((offset) => t + offset),
      );
      if (code === 2) {
        noteBlock(account, ms);
        throw new RateLimitRefusal('blocked', retrySeconds(ms));
      }
      if (code === 1) throw new RateLimitRefusal('rate_limit', retrySeconds(ms));
      if (ms <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, ms));
      // A 429 may have reached any replica while this call waited: never send into a block.
      const left = await blockedMs(account);
      if (left > 0) throw new RateLimitRefusal('blocked', retrySeconds(left));
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
      const known = [...new Set([...keys.keys(), ...blocks.keys()])];
      const left = await Promise.all(known.map((account) => blockedMs(account)));
      return known.filter((_, i) => (left[i] ?? 0) > 0);
    },

    async usage() {
      if (degraded) return fallback ? fallback.usage() : [];
      try {
        await whenReady();
        return await Promise.all(
          [...keys.keys()].map(async (account) => {
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
