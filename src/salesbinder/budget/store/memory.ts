/**
 * The store of a single replica: bounded LRU caches in this process. Redis (redis.ts) keeps a
 * small one of these too, for what SalesBinder said of keys while Redis is away.
 */
import { LRUCache } from 'lru-cache';
import {
  advance,
  type BudgetStore,
  type ContextId,
  type KeyState,
  type KindState,
  mergeRecord,
  type RememberedPage,
  type RememberedRecord,
  type Retention,
  UNFOLLOWED,
  UNKNOWN_KEY,
} from './store.ts';

const kindKey = (scope: string, contextId: ContextId) => `${scope}\0${contextId}`;

export function createMemoryStore(
  retention: Retention,
  maxEntries: number,
  now: () => number = Date.now,
): BudgetStore {
  // What is kept expires on the budget's clock (a test's, in tests), read afresh at every look.
  const clock = { perf: { now }, ttlResolution: 0 };
  const records = new LRUCache<string, RememberedRecord>({
    max: maxEntries,
    ttl: retention.heldMs,
    ...clock,
  });
  const pages = new LRUCache<string, RememberedPage>({
    max: Math.max(100, Math.ceil(maxEntries / 10)),
    ttl: retention.entryMs,
    ...clock,
  });
  const gone = new LRUCache<string, number>({
    max: Math.max(100, Math.ceil(maxEntries / 10)),
    ttl: retention.entryMs,
    ...clock,
  });
  const keys = new LRUCache<string, KeyState>({
    max: Math.max(1000, maxEntries),
    ttl: retention.trustMs * 2,
    ...clock,
  });
  // A kind's progress, as Redis keeps it: forgotten a retention after its last change (the kind
  // is then followed anew), and bounded like everything else here (three kinds per scope).
  const kinds = new LRUCache<string, KindState>({
    max: Math.max(300, Math.ceil(maxEntries / 10)),
    ttl: retention.entryMs,
    ...clock,
  });
  const at = (scope: string, id: string) => `${scope}\0${id}`;
  const advanceNow = (scope: string, contextId: ContextId, update: Partial<KindState>) =>
    kinds.set(kindKey(scope, contextId), advance(kinds.get(kindKey(scope, contextId)) ?? UNFOLLOWED, update));
  const listChanged = (scope: string, contextId: ContextId, at: number) => {
    const current = kinds.get(kindKey(scope, contextId)) ?? UNFOLLOWED;
    advanceNow(scope, contextId, { listChangedAt: at, listChanges: current.listChanges + 1 });
  };

  return {
    async keyState(scope, keyHash) {
      return keys.get(at(scope, keyHash)) ?? UNKNOWN_KEY;
    },
    async acceptKey(scope, keyHash, contextId, when) {
      const current = keys.get(at(scope, keyHash)) ?? UNKNOWN_KEY;
      keys.set(at(scope, keyHash), {
        acceptedAt: Math.max(current.acceptedAt, when),
        kinds: contextId === null ? current.kinds : { ...current.kinds, [contextId]: when },
        refusedUntil: 0,
      });
    },
    async refuseKey(scope, keyHash, until) {
      keys.set(at(scope, keyHash), { acceptedAt: 0, kinds: {}, refusedUntil: until });
    },
    async forgetKind(scope, keyHash, contextId) {
      const current = keys.get(at(scope, keyHash));
      if (!current) return;
      const { [contextId]: _, ...kinds } = current.kinds;
      keys.set(at(scope, keyHash), { ...current, kinds });
    },
    async kindState(scope, contextId) {
      return kinds.get(kindKey(scope, contextId)) ?? UNFOLLOWED;
    },
    async advanceKind(scope, contextId, update) {
      advanceNow(scope, contextId, update);
    },
    async records(scope, ids) {
      return ids.map((id) => records.get(at(scope, id)));
    },
    async merge(scope, incoming) {
      for (const record of incoming) {
        const key = at(scope, record.customer.id);
        const merged = mergeRecord(records.get(key), record);
        records.set(key, merged.record);
        gone.delete(key);
        for (const change of merged.listChanged) listChanged(scope, change.contextId, change.at);
      }
    },
    async forget(scope, id, when) {
      const key = at(scope, id);
      const record = records.get(key);
      records.delete(key);
      gone.set(key, when);
      if (record?.contextId != null) listChanged(scope, record.contextId, when);
    },
    async goneAt(scope, id) {
      return gone.get(at(scope, id)) ?? 0;
    },
    async page(scope, key) {
      return pages.get(at(scope, key));
    },
    async putPage(scope, key, page, held) {
      pages.set(at(scope, key), page, held ? { ttl: retention.heldMs } : {});
    },
    lock: async () => 'free',
    lockState: async () => 'free',
    unlock: async () => {},
    health: () => ({ degraded: false }),
    clockOffset: () => 0,
    close: async () => {},
  };
}
