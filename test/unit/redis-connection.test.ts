/**
 * What an operator reads of the Redis connection: one line when it is connected, one when it is
 * lost (not one per reconnection attempt), and never the password its URL carries.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectRedis } from '../../src/salesbinder/redis.ts';
import { startGateway } from '../helpers/gateway.ts';
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

  it('says so for each of a gateway’s connections, the rate limiter’s and the budget’s', async () => {
    const gw = await startGateway({
      env: { REDIS_URL: server.url, SALESBINDER_RATE_LIMITS: 'on', BUDGET: 'on' },
    });
    try {
      const connected = () =>
        gw.logs
          .map((line) => JSON.parse(line) as { msg?: string; redis?: { for?: string } })
          .filter((line) => line.msg === 'Redis connected')
          .map((line) => line.redis?.for)
          .sort();
      for (let waited = 0; connected().length < 2 && waited < 10_000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(connected()).toEqual(expect.arrayContaining(['the budget', 'the rate limiter']));
      expect(gw.logs.join('\n')).not.toContain(server.url);
    } finally {
      await gw.close();
    }
  });
});
