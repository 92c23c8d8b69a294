/**
 * `createCustomer(idempotencyKey)`: a client's own retry of a create must not create a second
 * account. The outcome of the first call with a key, per SalesBinder account and API key, is kept
 * for 24 hours; a later call with the same key gets it and sends nothing, and a call made while
 * the first is under way waits for it (on this replica through the promise, across replicas
 * through Redis).
 *
 * What is kept: a success, and a failure after which the account may exist (its answer was lost
 * after the POST may have reached SalesBinder). A failure that proves nothing was created (bad
 * input, a refused key, a rate limit, no connection) is not kept: the same key may be used again
 * once its cause is fixed. A key reused with another input is refused (`IdempotencyKeyReusedError`).
 *
 * Stored: a hash of (account, the API key's hash, idempotency key) as the name, the input's
 * fingerprint and the outcome; never a key. In memory, at most `maxEntries` entries (LRU); in
 * Redis, every entry expires with the 24 hours. When Redis fails, this replica still keeps its
 * own outcomes (a lost Redis costs the guarantee across replicas, never an answer).
 *
 * Written here because no well-kept package fits: the usual ones (express-idempotency and the
 * like) are HTTP middleware keyed on a request header, while this key is a GraphQL argument and
 * one request may carry several mutations.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { type Customer, customerFromJson } from '../domain/customer.ts';
import type { Logger } from '../observability/logger.ts';
import type { SavedCustomer } from './api.ts';
import { SalesBinderError, type SalesBinderErrorCode } from './errors.ts';
import { connectRedis, type RedisSettings } from './redis.ts';

/** How long an outcome is kept (the contract's 24 hours). */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotencySettings {
  /** Outcomes kept in this process's memory. @default 10000 */
  maxEntries: number;
  /**
   * How long a call under way holds its key: a caller waits at most this long for another
   * replica's call, after which its outcome is taken as lost (the account may exist). @default 60000
   */
  leaseMs: number;
  /** How often a caller waiting for another replica looks again. @default 100 */
  pollMs: number;
}

const DEFAULT_IDEMPOTENCY_SETTINGS: IdempotencySettings = {
  maxEntries: 10_000,
  leaseMs: 60_000,
  pollMs: 100,
};

/** Whose key it is: the account (as the limiter names it) and the API key's hash. */
export interface IdempotencyScope {
  account: string;
  keyHash: string;
}

/** The same idempotencyKey came with another input: the first call's outcome cannot answer it. */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
}

type Kept =
  | { ok: true; message: string; customer: Customer }
  | { ok: false; code: SalesBinderErrorCode; message: string; status?: number };

interface Entry {
  fingerprint: string;
  /** While the first call is under way on this replica. */
  flight?: Promise<SavedCustomer>;
  kept?: Kept;
}

/** What Redis holds per key: a call under way (with its lease) or its kept outcome. */
type Stored =
  | { state: 'pending'; fingerprint: string; token: string; leaseUntil: number }
  | { state: 'done'; fingerprint: string; kept: Kept };

export interface Idempotency {
  /**
   * Runs `create` at most once per key within 24 hours, and answers every call with that key with
   * its outcome (or runs it again when the kept outcome is none, see above).
   */
  once(
    scope: IdempotencyScope,
    idempotencyKey: string,
    fingerprint: string,
    create: () => Promise<SavedCustomer>,
  ): Promise<SavedCustomer>;
  close(): Promise<void>;
}

export interface IdempotencyDeps {
  settings?: Partial<IdempotencySettings>;
  /** Replicas share outcomes here. */
  redis?: Pick<RedisSettings, 'url' | 'timeoutMs' | 'keyPrefix'> | undefined;
  log?: Logger | undefined;
  /** @default Date.now */
  now?: () => number;
  /** For tests: how waiting is done. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

const hash = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/** The fingerprint of a create's input: the body it sends. */
export function fingerprintOf(body: unknown): string {
  return hash(JSON.stringify(body));
}

function keep(outcome: { ok: true; saved: SavedCustomer } | { ok: false; error: unknown }): Kept | undefined {
  if (outcome.ok) return { ok: true, message: outcome.saved.message, customer: outcome.saved.customer };
  const error = outcome.error;
  if (!(error instanceof SalesBinderError) || !error.mayHaveWritten) return undefined;
  return {
    ok: false,
    code: error.code,
    message: error.message,
    ...(error.status !== undefined && { status: error.status }),
  };
}

function answer(kept: Kept): SavedCustomer {
  if (kept.ok) return { message: kept.message, customer: kept.customer };
  throw new SalesBinderError(kept.code, kept.message, {
    ...(kept.status !== undefined && { status: kept.status }),
    mayHaveWritten: true,
  });
}

function lost(): SalesBinderError {
  return new SalesBinderError(
    'SB_UNREADABLE',
    'An earlier create with this idempotencyKey did not finish in time: the account may have been created. Look for it before creating it again',
    { mayHaveWritten: true },
  );
}

function reused(): IdempotencyKeyReusedError {
  return new IdempotencyKeyReusedError(
    'This idempotencyKey was used with another input within 24 hours: use a new key for a new account',
  );
}

/** Releases a key only if the pending mark is still this caller's. */
const RELEASE = `
local stored = redis.call('GET', KEYS[1])
if stored and string.find(stored, ARGV[1], 1, true) then redis.call('DEL', KEYS[1]) end
return 0`;

/** ioredis's types cannot know a command defined at run time (defineCommand). */
interface ReleaseCommand {
  sbgwIdemRelease(key: string, token: string): Promise<number>;
}

export function createIdempotency({
  settings: given = {},
  redis: redisSettings,
  log,
  now = Date.now,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}: IdempotencyDeps = {}): Idempotency {
  const settings = { ...DEFAULT_IDEMPOTENCY_SETTINGS, ...given };
  const entries = new LRUCache<string, Entry>({ max: settings.maxEntries, ttl: IDEMPOTENCY_TTL_MS });
  let redis: RedisClient | undefined;
  if (redisSettings) {
    redis = connectRedis(redisSettings);
    // Errors surface on each command; the connection's own events would otherwise be unhandled.
    redis.on('error', () => {});
    redis.defineCommand('sbgwIdemRelease', { numberOfKeys: 1, lua: RELEASE });
  }
  const prefix = `${redisSettings?.keyPrefix ?? 'sbgw'}:idem:`;

  /**
   * Waits, at most the command timeout, for a connection still being made: commands are not
   * queued while there is none (redis.ts), and a replica's first create must not go alone only
   * because it came first.
   */
  async function connected(client: RedisClient): Promise<void> {
    if (client.status === 'ready' || client.status === 'end') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, redisSettings?.timeoutMs ?? 0);
      client.once('ready', done);
    });
  }

  /** Redis's answer, or undefined when it failed (this replica then goes on alone). */
  async function shared<T>(command: (client: RedisClient) => Promise<T>): Promise<T | undefined> {
    if (!redis) return undefined;
    try {
      await connected(redis);
      return await command(redis);
    } catch (error) {
      log?.warn(
        { err: { message: (error as Error).message } },
        'Redis failed: idempotency keys hold on this replica only',
      );
      return undefined;
    }
  }

  const read = (name: string) =>
    shared(async (client) => {
      const text = await client.get(prefix + name);
      return text === null ? null : (JSON.parse(text) as Stored);
    });

  function revive(stored: Stored & { state: 'done' }): Kept {
    return stored.kept.ok
      ? { ...stored.kept, customer: customerFromJson(stored.kept.customer) }
      : stored.kept;
  }

  /**
   * Across replicas: claims the key, or waits for the replica that holds it. Resolves with the
   * token of this caller's claim, with the outcome another call kept, or with undefined when
   * Redis is away (this replica goes on alone).
   */
  async function claim(
    name: string,
    fingerprint: string,
  ): Promise<{ token: string } | { kept: Kept } | undefined> {
    const token = randomUUID();
    const pending: Stored = { state: 'pending', fingerprint, token, leaseUntil: now() + settings.leaseMs };
    for (;;) {
      const claimed = await shared((client) =>
        client.set(prefix + name, JSON.stringify(pending), 'PX', IDEMPOTENCY_TTL_MS, 'NX'),
      );
      if (claimed === undefined) return undefined;
      if (claimed === 'OK') return { token };
      const stored = await read(name);
      if (stored === undefined) return undefined;
      if (stored === null) continue;
      if (stored.fingerprint !== fingerprint) throw reused();
      if (stored.state === 'done') return { kept: revive(stored) };
      // Another replica's call under way: wait for it, up to its lease.
      if (now() >= stored.leaseUntil) return { kept: answerOfLost() };
      await sleep(settings.pollMs);
    }
  }

  function answerOfLost(): Kept {
    const error = lost();
    return { ok: false, code: error.code, message: error.message };
  }

  async function run(
    name: string,
    fingerprint: string,
    create: () => Promise<SavedCustomer>,
  ): Promise<SavedCustomer> {
    const claimed = await claim(name, fingerprint);
    if (claimed && 'kept' in claimed) return answer(claimed.kept);
    let outcome: { ok: true; saved: SavedCustomer } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, saved: await create() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const kept = keep(outcome);
    const entry = entries.get(name);
    if (kept && entry) entry.kept = kept;
    if (claimed) {
      const done: Stored | undefined = kept && { state: 'done', fingerprint, kept };
      await shared<unknown>((client) =>
        done
          ? client.set(prefix + name, JSON.stringify(done), 'PX', IDEMPOTENCY_TTL_MS)
          : (client as RedisClient & ReleaseCommand).sbgwIdemRelease(prefix + name, claimed.token),
      );
    }
    if (!kept) entries.delete(name);
    if (outcome.ok) return outcome.saved;
    throw outcome.error;
  }

  return {
    async once({ account, keyHash }, idempotencyKey, fingerprint, create) {
      const name = hash(`salesbinder-create\0${account}\0${keyHash}\0${idempotencyKey}`);
      const entry = entries.get(name);
      if (entry) {
        if (entry.fingerprint !== fingerprint) throw reused();
        if (entry.kept) return answer(entry.kept);
        if (entry.flight) return entry.flight;
      }
      const flight = run(name, fingerprint, create);
      entries.set(name, { fingerprint, flight });
      return flight;
    },
    async close() {
      redis?.disconnect();
    },
  };
}
