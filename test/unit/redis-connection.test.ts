/**
 * What an operator reads of the Redis connection: one line when it is connected, one when it is
 * lost (not one per reconnection attempt), and never the password its URL carries.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectRedis } from '../../src/salesbinder/redis.ts';
import { describeWithRedis, type RedisServer, startRedis } from '../helpers/redis-server.ts';

describeWithRedis('the Redis connection', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());

  it('logs "Redis connected" and "Redis lost", naming the host only (the URL may hold a password)', async () => {
    const lines: Array<{ level: string; fields: unknown; msg: string }> = [];
    const record = (level: string) => (fields: unknown, msg: string) => lines.push({ level, fields, msg });
    const redis = connectRedis({
      url: server.url,
      timeoutMs: 250,
      logger: { info: record('info'), warn: record('warn') } as never,
      role: 'the rate limiter',
    });
    redis.on('error', () => {});
    const until = async (done: () => boolean) => {
      for (let waited = 0; !done() && waited < 10_000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
    };
    try {
      await until(() => lines.length >= 1);
      expect(lines).toEqual([
        {
          level: 'info',
          fields: { redis: { host: new URL(server.url).host, for: 'the rate limiter' } },
          msg: 'Redis connected',
        },
      ]);
      // Redis drops every connection but the inspector's: the gateway's is lost, then comes back.
      const inspector = new Redis(server.url, { maxRetriesPerRequest: 0 });
      await inspector.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      inspector.disconnect();
      await until(() => lines.length >= 3);
      expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
        'info Redis connected',
        'warn Redis lost: reconnecting',
        'info Redis connected',
      ]);
      // Closed on purpose: not "lost".
      redis.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(lines).toHaveLength(3);
    } finally {
      redis.disconnect();
    }
  });
});
