/**
 * The Redis that replicas share: the rate limiter keeps each account's windows and blocks there
 * (rate-limits/redis-rate-limiter.ts), the budget what it remembers (budget/store/redis.ts). Both
 * connect the same way, so that a slow or absent Redis costs a bounded wait and a fallback, never
 * a queue.
 */
import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';
import type { Logger } from '../observability/logger.ts';

/**
 * ioredis is loaded when a Redis limiter or store is made, so that gateways without REDIS_URL
 * never carry it. It is CommonJS, so it loads synchronously, as createApp needs.
 */
function loadRedis(): typeof RedisClient {
  return (createRequire(import.meta.url)('ioredis') as { Redis: typeof RedisClient }).Redis;
}

/**
 * A connection that fails fast rather than queueing: every command waits at most `timeoutMs`, and
 * one that cannot be sent now fails now, so that a fallback answers instead of a queue. It
 * reconnects quickly and forever: what Redis shares is worth getting back within a second.
 * With a logger, it says when it is connected and when it is lost (once per loss, not per retry),
 * naming the host only: the URL may carry a password.
 */
export function connectRedis({
  url,
  timeoutMs,
  logger,
  role,
}: Pick<RedisSettings, 'url' | 'timeoutMs'> & {
  logger?: Pick<Logger, 'info' | 'warn'>;
  role?: string;
}): RedisClient {
  const redis = new (loadRedis())(url, {
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1_000),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  if (logger) {
    const where = { redis: { host: new URL(url).host, ...(role ? { for: role } : {}) } };
    let connected = false;
    redis.on('ready', () => {
      connected = true;
      logger.info(where, 'Redis connected');
    });
    // 'reconnecting', not 'close': a connection closed on purpose (shutdown) is not lost.
    redis.on('reconnecting', () => {
      if (!connected) return;
      connected = false;
      logger.warn(where, 'Redis lost: reconnecting');
    });
  }
  return redis;
}

export interface RedisSettings {
  /** redis:// or rediss://, possibly with a password: never logged. */
  url: string;
  /**
   * Longest any command waits for Redis before this replica does without it: the limiter falls back
   * to its local share, the budget asks SalesBinder. @default 250
   */
  timeoutMs: number;
  /** Namespace of every key this gateway writes, so several gateways can share one Redis. @default 'sbgw' */
  keyPrefix: string;
  /** Replicas assumed to share an account's rate limits while Redis is away: each keeps 1/N of it. @default 2 */
  fallbackReplicas: number;
}

export const DEFAULT_REDIS_SETTINGS: Omit<RedisSettings, 'url'> = {
  timeoutMs: 250,
  keyPrefix: 'sbgw',
  fallbackReplicas: 2,
};
