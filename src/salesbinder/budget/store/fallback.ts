/**
 * The store as the budget uses it while serving a request: memory that cannot be reached (Redis
 * lost or slow) is memory forgotten. Every read answers "nothing known" and every write is
 * dropped, so that a store failure costs savings (a call to SalesBinder instead), never an answer.
 * Each failure is one debug line on the request's logger.
 *
 * Following a kind uses the store itself where a lost write must stop the follow (follow-kind.ts).
 */
import type { Logger } from '../../../observability/logger.ts';
import { type BudgetStore, type ContextId, type KindState, UNKNOWN_KEY } from './store.ts';

/**
 * The store's reads and writes, each never rejecting: reads answer "nothing known" (an unknown
 * key, no record, no page, a kind's state `undefined`, no 404, `free` for a lock), writes are
 * dropped.
 */
export type StoreFallback = Omit<BudgetStore, 'kindState' | 'advanceKind' | 'health' | 'close'> & {
  kindState(scope: string, contextId: ContextId): Promise<KindState | undefined>;
};

export function storeFallback(store: BudgetStore, log: Logger): StoreFallback {
  async function orElse<T>(operation: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      log.debug({ err: error }, 'the budget store did not answer: going without memory');
      return fallback;
    }
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
    records: (scope, ids) =>
      orElse(
        () => store.records(scope, ids),
        ids.map(() => undefined),
      ),
    merge: (scope, records) => orElse(() => store.merge(scope, records), undefined),
    forget: (scope, id, at) => orElse(() => store.forget(scope, id, at), undefined),
    goneAt: (scope, id) => orElse(() => store.goneAt(scope, id), 0),
    page: (scope, key) => orElse(() => store.page(scope, key), undefined),
    putPage: (scope, key, page) => orElse(() => store.putPage(scope, key, page), undefined),
    lock: (scope, name) => orElse(() => store.lock(scope, name), 'free' as const),
    isLocked: (scope, name) => orElse(() => store.isLocked(scope, name), false),
    unlock: (scope, name) => orElse(() => store.unlock(scope, name), undefined),
  };
}
