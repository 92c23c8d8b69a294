/**
 * The store as the budget uses it while serving a request: memory that cannot be reached (Redis
 * lost or slow) is memory forgotten. Every read answers "nothing known" and every write is
 * dropped, so that a store failure costs savings (a call to SalesBinder instead), never an answer.
 * Each failure is one debug line on the request's logger. With Redis, its breaker (breaker.ts)
 * makes a slow Redis cost one timeout, not one per command.
 *
 * One write is not dropped: an edit's. An edit whose record could not be written (`unsaved`) is
 * kept on this replica, served over what the store holds (so that the editor never sees the
 * version before the edit), and written as soon as the store answers again, by the first request
 * that finds it answering or by a try each second (so that the other replicas stop serving that
 * version).
 *
 * Following a kind reads and writes its progress through the store itself, forgiving failures in
 * its own way (follow-kind.ts).
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../observability/logger.ts';
import {
  type BudgetStore,
  type ContextId,
  type KindState,
  mergeRecord,
  type RememberedRecord,
  UNKNOWN_KEY,
} from './store.ts';

/**
 * The store's reads and writes, each never rejecting: reads answer "nothing known" (an unknown
 * key, no record, no page, a kind's state `undefined`, no 404, `free` for a lock), writes are
 * dropped; `merge` says whether it was written.
 */
export type StoreFallback = Omit<
  BudgetStore,
  'kindState' | 'advanceKind' | 'merge' | 'health' | 'close' | 'clockOffset'
> & {
  kindState(scope: string, contextId: ContextId): Promise<KindState | undefined>;
  merge(scope: string, records: readonly RememberedRecord[]): Promise<boolean>;
  /** An edit's records: kept here until the store takes them, when it cannot now. */
  mergeEdit(scope: string, records: readonly RememberedRecord[]): Promise<void>;
};

/** Edits not yet written to the store, by scope and id; bounded (the oldest dropped first). */
export interface UnsavedEdits {
  edits: LRUCache<string, { scope: string; record: RememberedRecord }>;
  /** Whether a request is writing them now (one at a time). */
  flushing: boolean;
  /** A later try is set, so that they are written even if no request comes meanwhile. */
  retry: ReturnType<typeof setTimeout> | undefined;
}

export function createUnsavedEdits(max = 1_000): UnsavedEdits {
  return { edits: new LRUCache({ max }), flushing: false, retry: undefined };
}

/** How often edits kept here are tried again while no request finds the store answering. */
const FLUSH_RETRY_MS = 1_000;

const unsavedKey = (scope: string, id: string) => `${scope}\0${id}`;

export function storeFallback(store: BudgetStore, log: Logger, kept: UnsavedEdits): StoreFallback {
  const unsaved = kept.edits;
  /** Writes the edits kept here, once the store answers again; each stays until it is written. */
  async function flush(): Promise<void> {
    if (kept.flushing || unsaved.size === 0) return;
    kept.flushing = true;
    try {
      for (const [key, { scope, record }] of [...unsaved.entries()]) {
        await store.merge(scope, [record]);
        if (unsaved.get(key)?.record === record) unsaved.delete(key);
      }
    } catch (error) {
      log.debug({ err: error }, 'the budget store did not take the edits kept here yet');
    } finally {
      kept.flushing = false;
    }
  }
  async function orElse<T>(operation: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const result = await operation();
      // The first request to find the store answering again writes the edits kept here.
      if (unsaved.size > 0) await flush();
      return result;
    } catch (error) {
      log.debug({ err: error }, 'the budget store did not answer: going without memory');
      return fallback;
    }
  }
  /** What the store holds, with this replica's unsaved edits over it. */
  /** Tries again in a second while edits are kept, whether or not a request comes meanwhile. */
  function retryLater(): void {
    if (kept.retry !== undefined || unsaved.size === 0) return;
    kept.retry = setTimeout(() => {
      kept.retry = undefined;
      void flush().then(retryLater);
    }, FLUSH_RETRY_MS);
    kept.retry.unref();
  }
  function overlaid(scope: string, ids: readonly string[], stored: Array<RememberedRecord | undefined>) {
    if (unsaved.size === 0) return stored;
    return stored.map((record, i) => {
      const edit = unsaved.get(unsavedKey(scope, ids[i] ?? ''))?.record;
      return edit === undefined ? record : mergeRecord(record, edit).record;
    });
  }
  return {
    keyState: (scope, keyHash) => orElse(() => store.keyState(scope, keyHash), UNKNOWN_KEY),
    acceptKey: (scope, keyHash, contextId, at) =>
      orElse(() => store.acceptKey(scope, keyHash, contextId, at), undefined),
    refuseKey: (scope, keyHash, until) => orElse(() => store.refuseKey(scope, keyHash, until), undefined),
    forgetKind: (scope, keyHash, contextId) =>
      orElse(() => store.forgetKind(scope, keyHash, contextId), undefined),
    kindState: (scope, contextId) =>
      orElse<KindState | undefined>(() => store.kindState(scope, contextId), undefined),
    records: async (scope, ids) =>
      overlaid(
        scope,
        ids,
        await orElse(
          () => store.records(scope, ids),
          ids.map(() => undefined),
        ),
      ),
    merge: (scope, records) =>
      orElse(async () => {
        await store.merge(scope, records);
        return true;
      }, false),
    async mergeEdit(scope, records) {
      const written = await orElse(async () => {
        await store.merge(scope, records);
        return true;
      }, false);
      for (const record of records) {
        const key = unsavedKey(scope, record.customer.id);
        if (written) unsaved.delete(key);
        else {
          const held = unsaved.get(key)?.record;
          unsaved.set(key, { scope, record: held === undefined ? record : mergeRecord(held, record).record });
        }
      }
      if (!written) retryLater();
    },
    forget: (scope, id, at) => {
      unsaved.delete(unsavedKey(scope, id));
      return orElse(() => store.forget(scope, id, at), undefined);
    },
    goneAt: (scope, id) => orElse(() => store.goneAt(scope, id), 0),
    page: (scope, key) => orElse(() => store.page(scope, key), undefined),
    putPage: (scope, key, page, held) => orElse(() => store.putPage(scope, key, page, held), undefined),
    lock: (scope, name) => orElse(() => store.lock(scope, name), 'free' as const),
    lockState: (scope, name) => orElse(() => store.lockState(scope, name), 'free' as const),
    unlock: (scope, name, failure) => orElse(() => store.unlock(scope, name, failure), undefined),
  };
}
