/**
 * `npx node --expose-gc bench/held-memory.ts [--accounts=10000] [--redis]`: what holding a kind
 * whole costs. The sandbox plays a company of `--accounts` customers (rate limits off, on a clock
 * this script moves); the gateway's budget loads the kind page by page as reads come, until it is
 * held (its deletion check went) and a page in the middle costs no call. Reported: the process's RSS and heap after garbage collection before
 * and after, the calls it took, and with `--redis` (a throwaway redis-server on a free port) what
 * Redis holds: used memory before and after, and its keys. The last line is one JSON object.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createSandbox } from '../src/sandbox/sandbox.ts';

const args = process.argv.slice(2);
const accounts = Number(args.find((a) => a.startsWith('--accounts='))?.slice(11) ?? 10_000);
const withRedis = args.includes('--redis');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;
function memory() {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss_mb: mb(rss), heap_mb: mb(heapUsed) };
}

let t = Date.UTC(2026, 11, 5, 9, 0, 0);
const now = () => t;

let redisUrl: string | undefined;
let stopRedis = () => {};
if (withRedis) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  stopRedis = () => child.kill();
  redisUrl = `redis://127.0.0.1:${port}`;
  await new Promise((resolve) => setTimeout(resolve, 300));
}
const redis = redisUrl ? new Redis(redisUrl) : undefined;
const redisMemory = async () => {
  if (!redis) return undefined;
  const info = await redis.info('memory');
  return { used_mb: mb(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)), keys: await redis.dbsize() };
};

const sandbox = createSandbox({ rateLimits: false, customers: accounts, now, maxRecorded: 1_000_000 });
const sandboxUrl = await sandbox.listen();
const key = sandbox.keys.add({ modify: false });
const config = loadConfig({
  SALESBINDER_URL: sandboxUrl,
  BUDGET: 'on',
  SALESBINDER_RATE_LIMITS: 'off',
  LOG_LEVEL: 'silent',
  NODE_ENV: 'production',
  ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
});
const app = createApp({
  config,
  upstream: { mode: 'single', baseUrl: new URL(sandboxUrl) },
  logger: createLogger({ level: 'silent' }),
  now,
});

async function list(after: number): Promise<void> {
  const response = await app.yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query:
        'query($after: String) { customers(first: 20, after: $after) { totalCount edges { node { id } } } }',
      variables: { after: Buffer.from(`sbc1:${after}`).toString('base64url') },
    }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}

const before = { process: memory(), redis: await redisMemory() };
const middle = Math.floor(accounts / 2);
let steps = 0;
for (; steps < 500; steps++) {
  const calls = sandbox.requests.length;
  await list(middle);
  // Let the background listing step the read started finish.
  for (let quiet = 0; quiet < 5; ) {
    const seen = sandbox.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    quiet = sandbox.requests.length === seen ? quiet + 1 : 0;
  }
  // Held: the listing finished (its deletion check went) and a page in the middle cost no call
  // (while the listing is paced, a remembered page costs none either).
  const finished = sandbox.requests.some(
    (r) => r.path.includes('deleted_log') || /pageLimit=1(&|$)/.test(r.path),
  );
  if (sandbox.requests.length === calls && finished) break;
  t += 1_500;
}
const calls = sandbox.requests.length;
const after = { process: memory(), redis: await redisMemory() };
const result = {
  accounts,
  store: withRedis ? 'redis' : 'memory',
  steps,
  calls,
  rss_mb_before: before.process.rss_mb,
  rss_mb_after: after.process.rss_mb,
  heap_mb_before: before.process.heap_mb,
  heap_mb_after: after.process.heap_mb,
  ...(after.redis && before.redis
    ? {
        redis_used_mb_before: before.redis.used_mb,
        redis_used_mb_after: after.redis.used_mb,
        redis_keys: after.redis.keys,
      }
    : {}),
};
console.log(JSON.stringify(result));
await app.close();
await sandbox.close();
redis?.disconnect();
stopRedis();
