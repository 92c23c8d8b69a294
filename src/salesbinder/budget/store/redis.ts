/**
 * The budget's memory in Redis, so that what one replica learned (records, pages, the change
 * feed's progress, accepted and refused keys) serves the others. The same shapes and the same
 * merge rule as the in-memory store (store.ts); the rule runs inside Redis as a script
 * (redis-scripts.ts), so two replicas merging answers about one account at once cannot lose the
 * newer one.
 *
 * Keys: `<prefix>:b:{<scope hash>}:…`, one hash tag per account so that a script's keys share a
 * Redis Cluster slot; no account name, no API key (keys are known by their hash only). Every key
 * expires: records, 404 marks, pages and a kind's progress (five numbers per kind and account)
 * a retention after their last change, keys and locks by their own bounds. When Redis fails, each
 * call rejects and the caller forgets instead (only savings lost); what SalesBinder said of keys
 * is also kept here, so that a refused key stays refused while Redis is away.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Customer } from '../../../domain/customer.ts';
import type { Logger } from '../../../observability/logger.ts';
import { connectRedis, type RedisSettings } from '../../redis.ts';
import { createBreaker, StoreSkipped } from './breaker.ts';
import { createMemoryStore } from './memory.ts';
import { ADVANCE, FORGET, MERGE, UNLOCK } from './redis-scripts.ts';
import {
  type BudgetStore,
  CONTEXT_IDS,
  type ContextId,
  type KeyState,
  type KindState,
  type RememberedPage,
  type RememberedRecord,
  type Retention,
  UNFOLLOWED,
} from './store.ts';

/** The largest difference between Redis's clock and ours that is taken for skew. */
const MAX_CLOCK_OFFSET_MS = 3_600_000;

/** How long a call's failure is shared with those who ask for the same at once (single-flight.ts). */
const FAILURE_KEPT_MS = 2_000;

interface StoreCommands {
  sbgwMerge(...args: Array<string | number>): Promise<number>;
  sbgwForget(...args: Array<string | number>): Promise<number>;
  sbgwAdvance(...args: Array<string | number>): Promise<number>;
  sbgwUnlock(lock: string, token: string, failure: string, keptMs: number): Promise<number>;
}

export interface RedisStoreOptions extends Pick<RedisSettings, 'url' | 'timeoutMs' | 'keyPrefix'> {
  retention: Retention;
  /** The budget's clock (ms), the breaker's too (breaker.ts). @default Date.now */
  now?: () => number;
  /** How long the breaker skips Redis after a failure before it probes. @default 4 × timeoutMs, at least 1 s */
  skipMs?: number;
  /** Says when the connection is made and when it is lost (redis.ts). */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

const hash = (text: string, length = 24) =>
  createHash('sha256').update(text).digest('base64url').slice(0, length);

function customerFromJson(json: string): Customer {
  const value = JSON.parse(json) as Customer & { createdAt: string; modifiedAt: string };
  return { ...value, createdAt: new Date(value.createdAt), modifiedAt: new Date(value.modifiedAt) };
}

function contextIdFrom(field: string | undefined): ContextId | null {
  const n = Number(field);
  return CONTEXT_IDS.includes(n as ContextId) ? (n as ContextId) : null;
}

export function createRedisStore(options: RedisStoreOptions): BudgetStore {
  const { retention, keyPrefix, now = Date.now } = options;
  const redis: RedisClient = connectRedis({ ...options, role: 'the budget' });
  // Errors surface on each command; the connection's own events would otherwise be unhandled.
  redis.on('error', () => {});
  redis.defineCommand('sbgwMerge', { numberOfKeys: 5, lua: MERGE });
  redis.defineCommand('sbgwForget', { numberOfKeys: 5, lua: FORGET });
  redis.defineCommand('sbgwAdvance', { numberOfKeys: 1, lua: ADVANCE });
  redis.defineCommand('sbgwUnlock', { numberOfKeys: 1, lua: UNLOCK });
  const token = randomUUID();
  // ioredis's types cannot know commands defined at run time (defineCommand): StoreCommands says them.
  const commands = redis as unknown as StoreCommands;
  // What SalesBinder said of keys, kept here as well: a refused key stays refused while Redis is away.
  const local = createMemoryStore(retention, 10_000, now);
  let degraded = false;
  const breaker = createBreaker({
    now,
    openMs: options.skipMs ?? Math.max(1_000, 4 * options.timeoutMs),
  });

  // Bounded: on a shared host every key is a scope of its own, and anyone can invent keys.
  const base = new LRUCache<string, string>({ max: 10_000 });
  const baseOf = (scope: string) => {
    let b = base.get(scope);
    if (b === undefined) {
      b = `${keyPrefix}:b:{${hash(scope, 16)}}`;
      base.set(scope, b);
    }
    return b;
  };
  const keyOf = (scope: string, keyHash: string) => `${baseOf(scope)}:key:${keyHash}`;
  const kindKeyOf = (scope: string, contextId: ContextId) => `${baseOf(scope)}:kind:${contextId}`;
  const kindKeys = (scope: string) => CONTEXT_IDS.map((c) => kindKeyOf(scope, c));
  const recordKeyOf = (scope: string, id: string) => `${baseOf(scope)}:rec:${hash(id)}`;
  const goneKeyOf = (scope: string, id: string) => `${baseOf(scope)}:gone:${hash(id)}`;
  const pageKeyOf = (scope: string, key: string) => `${baseOf(scope)}:page:${hash(key)}`;
  const lockKeyOf = (scope: string, name: string) => `${baseOf(scope)}:lock:${hash(name)}`;

  // The first connection is awaited (briefly) by the first commands; later outages fail at once.
  // Redis's clock (TIME) against the budget's, measured once when first connected, so that every
  // replica writes its times on Redis's clock, as the rate limiter's scripts do. Once only: a
  // measure taken again could move time backwards on this replica.
  let offset = 0;
  async function measureClock(): Promise<void> {
    const sent = now();
    const [seconds, micros] = await redis.time();
    const received = now();
    const measured = Math.round(Number(seconds) * 1000 + Number(micros) / 1000 - (sent + received) / 2);
    // Clocks an hour or more apart are not skew but another clock (a test's): not believed.
    offset = Math.abs(measured) < MAX_CLOCK_OFFSET_MS ? measured : 0;
  }
  let firstConnection: Promise<void> | undefined = new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      firstConnection = undefined;
      resolve();
    };
    const timer = setTimeout(done, Math.max(options.timeoutMs, 1_000));
    timer.unref();
    redis.once('ready', () => {
      measureClock().then(done, done);
    });
  });

  // Locks asked for whose answer came too late (bounded; a dropped one lapses after lockMs):
  // released once Redis answers, so that no waiter waits for a call no one is making.
  const orphans = new LRUCache<string, true>({ max: 1_000 });
  function releaseOrphans(): void {
    for (const key of [...orphans.keys()]) {
      orphans.delete(key);
      commands.sbgwUnlock(key, token, '', 0).catch(() => orphans.set(key, true));
    }
  }

  /** A pipeline's replies; rejects with the first command's error, so the breaker sees it. */
  async function replies(pipeline: { exec(): Promise<Array<[Error | null, unknown]> | null> }) {
    const answered = (await pipeline.exec()) ?? [];
    for (const [error] of answered) if (error) throw error;
    return answered.map(([, reply]) => reply);
  }

  /** Runs a command, noting whether Redis answers (for health); rejects as the command did. */
  async function run<T>(command: () => Promise<T>): Promise<T> {
    if (firstConnection) await firstConnection;
    if (redis.status !== 'ready') {
      degraded = true;
      throw new StoreSkipped(`Redis is ${redis.status}`);
    }
    try {
      const result = await breaker.run(command);
      degraded = false;
      if (orphans.size > 0) releaseOrphans();
      return result;
    } catch (error) {
      degraded = true;
      throw error;
    }
  }

  return {
    async keyState(scope, keyHash) {
      try {
        const fields = await run(() => redis.hgetall(keyOf(scope, keyHash)));
        const kinds: KeyState['kinds'] = {};
        for (const c of CONTEXT_IDS) if (fields[`k${c}`]) kinds[c] = Number(fields[`k${c}`]);
        return {
          acceptedAt: Number(fields.ok ?? 0),
          kinds,
          refusedUntil: Number(fields.no ?? 0),
        };
      } catch {
        return local.keyState(scope, keyHash);
      }
    },
    async acceptKey(scope, keyHash, contextId, at) {
      await local.acceptKey(scope, keyHash, contextId, at);
      const key = keyOf(scope, keyHash);
      const fields: Record<string, number> = { ok: at };
      if (contextId !== null) fields[`k${contextId}`] = at;
      await run(() =>
        redis
          .multi()
          .hdel(key, 'no')
          .hset(key, fields)
          .pexpire(key, retention.trustMs * 2)
          .exec(),
      );
    },
    async refuseKey(scope, keyHash, until) {
      await local.refuseKey(scope, keyHash, until);
      const key = keyOf(scope, keyHash);
      await run(() =>
        redis
          .multi()
          .del(key)
          .hset(key, { no: until })
          .pexpire(key, Math.max(1, until - now()))
          .exec(),
      );
    },
    async forgetKind(scope, keyHash, contextId) {
      await local.forgetKind(scope, keyHash, contextId);
      await run(() => redis.hdel(keyOf(scope, keyHash), `k${contextId}`));
    },
    async kindState(scope, contextId) {
      const fields = await run(() => redis.hgetall(kindKeyOf(scope, contextId)));
      // Every field of a kind's state, each as the hash holds it or as an unfollowed kind's.
      const names = Object.keys(UNFOLLOWED) as Array<keyof KindState>;
      const field = (name: keyof KindState) =>
        fields[name] === undefined ? UNFOLLOWED[name] : Number(fields[name]);
      return Object.fromEntries(names.map((name) => [name, field(name)])) as unknown as KindState;
    },
    async advanceKind(scope, contextId, update) {
      const args = Object.entries(update).flat();
      if (args.length > 0)
        await run(() => commands.sbgwAdvance(kindKeyOf(scope, contextId), retention.entryMs, ...args));
    },
    async records(scope, ids) {
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(recordKeyOf(scope, id));
      const answered = await run(() => replies(pipeline));
      return answered.map((fields): RememberedRecord | undefined => {
        const f = fields as Record<string, string>;
        if (f.d === undefined) return undefined;
        return {
          customer: customerFromJson(f.d),
          contextId: contextIdFrom(f.k),
          fetchedAt: Number(f.f),
          confirmedAt: Number(f.c),
          listSig: f.s ?? '',
          answeredAt: Number(f.a ?? f.f),
          ...(f.e === '1' && { edit: true }),
          ...(f.u !== undefined && f.u !== '[]' && { unsaid: JSON.parse(f.u) as string[] }),
        };
      });
    },
    async merge(scope, incoming) {
      if (incoming.length === 0) return;
      const pipeline = redis.pipeline();
      const kinds = kindKeys(scope);
      for (const record of incoming) {
        const id = record.customer.id;
        (pipeline as unknown as StoreCommands).sbgwMerge(
          recordKeyOf(scope, id),
          goneKeyOf(scope, id),
          ...kinds,
          record.customer.modifiedAt.getTime(),
          record.fetchedAt,
          record.confirmedAt,
          record.contextId ?? '',
          record.listSig,
          JSON.stringify(record.customer),
          retention.heldMs,
          record.answeredAt ?? record.fetchedAt,
          record.edit ? 1 : 0,
          JSON.stringify(record.unsaid ?? []),
        );
      }
      // An edit Redis refused is deleted instead (store.ts, merge).
      const edits = incoming.filter((r) => r.edit).map((r) => recordKeyOf(scope, r.customer.id));
      const refused = (e: unknown) =>
        Promise.all(edits.map((k) => redis.del(k).catch(() => 0))).then(() => {
          throw e;
        });
      await run(() => replies(pipeline).catch(refused));
    },
    async forget(scope, id, at) {
      await run(() =>
        commands.sbgwForget(
          recordKeyOf(scope, id),
          goneKeyOf(scope, id),
          ...kindKeys(scope),
          at,
          retention.entryMs,
        ),
      );
    },
    async goneAt(scope, id) {
      return Number((await run(() => redis.get(goneKeyOf(scope, id)))) ?? 0);
    },
    async page(scope, key) {
      const json = await run(() => redis.get(pageKeyOf(scope, key)));
      return json === null ? undefined : (JSON.parse(json) as RememberedPage);
    },
    async putPage(scope, key, page, held) {
      const ttl = held ? retention.heldMs : retention.entryMs;
      await run(() => redis.set(pageKeyOf(scope, key), JSON.stringify(page), 'PX', ttl));
    },
    async lock(scope, name) {
      const key = lockKeyOf(scope, name);
      try {
        const reply = await run(() => redis.set(key, token, 'PX', retention.lockMs, 'NX'));
        return reply === 'OK' ? 'held' : 'taken';
      } catch (error) {
        // Sent but not answered in time, it may still take the lock once Redis catches up, where
        // nobody would release it: released (if it is this replica's) as soon as Redis answers.
        if (!(error instanceof StoreSkipped)) orphans.set(key, true);
        throw error;
      }
    },
    async lockState(scope, name) {
      const value = await run(() => redis.get(lockKeyOf(scope, name)));
      if (value === null) return 'free';
      return value.startsWith('failed:') ? (value as `failed:${string}`) : 'held';
    },
    async unlock(scope, name, failure) {
      await run(() =>
        commands.sbgwUnlock(
          lockKeyOf(scope, name),
          token,
          failure === undefined ? '' : `failed:${failure}`,
          FAILURE_KEPT_MS,
        ),
      );
    },
    health: () => ({ degraded }),
    clockOffset: () => offset,
    async close() {
      try {
        await Promise.race([
          redis.quit(),
          new Promise((_, reject) => setTimeout(reject, options.timeoutMs).unref()),
        ]);
      } catch {
        // Not connected, or too slow to say goodbye: drop the connection instead.
      } finally {
        redis.disconnect();
      }
    },
  };
}
