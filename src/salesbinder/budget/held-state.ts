/**
 * What one replica keeps of held kinds (held-kind.ts) besides the store: listings under way, how
 * each kind learns its deletions here, and searches answered from memory. Every map is bounded
 * (a shared host makes a scope per key).
 */
import { LRUCache } from 'lru-cache';
import type { ContextId } from './store/store.ts';

/** Where this replica keeps what it knows of one kind of one scope (its listing, its deletions, its feed). */
export const heldKeyOf = (scope: string, contextId: ContextId): string => `${scope}\0${contextId}`;

/** A listing of a kind under way on this replica. */
export interface LoadProgress {
  startedAt: number;
  /** The next page to list, counting down to 1. */
  next: number;
  /** Every account listed so far, with its customer number. */
  numbers: Map<string, number>;
  /** Records listed so far left out as odd (domain/customer-page.ts): SalesBinder counts them. */
  leftOut: number;
  lastStepAt: number;
  /** When the latest page was sent: a feed followed since then brought every change meanwhile. */
  lastPageAt: number;
  /** When the pages of the last ten seconds were sent (the listing's pace). */
  recentPages: number[];
  /**
   * The first page, when the call that counted the kind brought it (at `startedAt`): it is not
   * listed again unless one of its accounts was deleted while the others were listed.
   */
  first?: { ids: string[]; leftOut: number } | undefined;
}

/** What this replica knows of a scope's held kinds and searches, besides the store. */
export interface HeldState {
  loads: LRUCache<string, LoadProgress>;
  /** Kinds whose `deleted_log` failed or missed a deletion here (counted instead), and when each was last counted. */
  counted: LRUCache<string, { demoted: boolean; countedAt: number }>;
  /** Searches answered from memory: the ids found per term, while the kind's lists did not change. */
  searches: LRUCache<string, { ids: string[]; listChanges: number; sweptAt: number }>;
  /** Per held kind: its accounts with the fields a search looks in (held-search.ts), few kept. */
  searchIndexes: LRUCache<string, SearchIndex>;
  /** Per scope: terms recently answered from memory, when one was last compared, and whether searches are asked of SalesBinder now. */
  searchChecks: LRUCache<string, SearchChecks>;
  /** Kinds whose change feed SalesBinder answered whole (modifiedSince ignored), until when it is not asked. */
  feedIgnored: LRUCache<string, number>;
  /** Per scope: how far the change feed's boundary is proven (feed-boundary.ts). */
  boundaries: LRUCache<string, BoundaryState>;
}

/** A held kind's accounts in listing order with their searched fields, lower-cased, as of its lists' last change. */
export interface SearchIndex {
  accounts: Array<{ id: string; fields: string[] }>;
  listChanges: number;
  sweptAt: number;
  /** Being worked out again ahead of the next search (held-search.ts): the new one, when done. */
  refreshing?: Promise<SearchIndex | undefined> | undefined;
}

interface SearchChecks {
  terms: Array<{ contextId: ContextId; term: string }>;
  checkedAt: number;
  different: boolean;
  pending?: PendingComparison | undefined;
}

/**
 * A search comparison in which memory found accounts SalesBinder did not (`ids`), to be judged
 * once the kind's feed and deletions are known past it (`at`): they may have changed or gone there.
 */
export interface PendingComparison {
  contextId: ContextId;
  term: string;
  ids: string[];
  at: number;
}

/** Bounded: a shared host makes a scope per key. */
export function createHeldState(maxScopes = 1_000, maxSearches = 10_000): HeldState {
  return {
    loads: new LRUCache({ max: maxScopes }),
    counted: new LRUCache({ max: maxScopes }),
    searches: new LRUCache({ max: maxSearches }),
    // Each is a held kind's accounts (10,000 and more): few are kept, the most recently searched.
    searchIndexes: new LRUCache({ max: 16 }),
    searchChecks: new LRUCache({ max: maxScopes }),
    feedIgnored: new LRUCache({ max: maxScopes }),
    boundaries: new LRUCache({ max: maxScopes }),
  };
}

/** How far the change feed's boundary is proven for one account (feed-boundary.ts). */
export type BoundaryState = {
  /** `generous`: not proven yet; `proven`: an own edit was shown; `shifted`: one was not; `busy`: narrowed unproven. */
  state: 'generous' | 'proven' | 'shifted' | 'busy';
  probing: boolean;
  /** An edit through the gateway waiting to be looked for in the feed. */
  pending?: { contextId: ContextId; id: string; modified: number; at: number } | undefined;
};
