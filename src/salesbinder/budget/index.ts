/**
 * SalesBinder allows a whole company 15 calls per 10 s and 50 per minute: under one a second for
 * everyone. The budget makes those calls count. It remembers what SalesBinder answered (whole
 * records come back from every call) and serves it again, across requests, callers and (with
 * Redis) replicas, under rules that come before any saving:
 *
 * 1. A key sees only what SalesBinder would show it: a remembered record is served to a key only
 *    while SalesBinder has accepted that key for that kind of account recently (`keyTrustMs`),
 *    within the same account (`scope`); a key SalesBinder refused is never served from memory
 *    (key-trust.ts).
 * 2. The scope is the account as the endpoint names it; on a shared host (app.salesbinder.com,
 *    where the account follows from the key) each key is a scope of its own (context.ts).
 * 3. Fresh: an answer reflects SalesBinder as of at most `freshMs` before. The list endpoint's
 *    `modifiedSince` feed, asked again while a kind is in use, keeps every remembered record of
 *    that kind up to date for one call, and tells whether a remembered list page can still be
 *    right. An edit through the gateway is remembered before its answer leaves, so every later
 *    read sees it. Accounts deleted elsewhere (which the feed does not show) stop being served
 *    within `deletedMs`: every record must have been returned by a call that recently, and a
 *    periodic complete listing of the kind (a sweep) is how they are (follow-kind.ts,
 *    freshness.ts).
 * 4. Strangers cannot spend the budget: a key SalesBinder refused is refused here for
 *    `refusedKeyMs`; calls for keys it has not accepted yet need their source's credit
 *    (newcomers.ts) and leave a good part of the windows to accepted keys; background work never
 *    waits for a slot, so edits never queue behind it.
 * 5. ifUnmodifiedSince compares with an account at most `freshMs` old (see `conditionalEdits`).
 * 6. Nothing stored holds a key: keys are known by a hash.
 *
 * Reads that must go to SalesBinder are shared while in flight (single-flight.ts): whoever asks
 * for the same thing meanwhile waits for that call and then reads memory under the same rules (or
 * calls for itself when they do not let it). A store that does not answer is memory forgotten
 * (store/fallback.ts).
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../observability/logger.ts';
import type { SalesBinderApi } from '../api.ts';
import { createHeldState } from './held-state.ts';
import type { NewcomerCredits } from './newcomers.ts';
import { RememberingApi } from './remembering-api.ts';
import { Session } from './session.ts';
import type { BudgetObserver, BudgetSettings, Caller } from './settings.ts';
import { createSingleFlight } from './single-flight.ts';
import { createUnsavedEdits } from './store/fallback.ts';
import type { BudgetStore } from './store/store.ts';

export { keyHashOf } from './key-trust.ts';
export {
  type BudgetObserver,
  type BudgetSettings,
  type Caller,
  DEFAULT_BUDGET_SETTINGS,
} from './settings.ts';

export interface BudgetDeps {
  settings: BudgetSettings;
  store: BudgetStore;
  newcomers: NewcomerCredits;
  observer?: BudgetObserver | undefined;
  /** @default Date.now */
  now?: () => number;
  /**
   * The longest one SalesBinder call may take (SALESBINDER_DEADLINE_MS): a caller waits no longer
   * for the same call made on another replica. @default 15000
   */
  callDeadlineMs?: number;
}

export interface Budget {
  readonly settings: BudgetSettings;
  readonly store: BudgetStore;
  /** The SalesBinder API of one request's caller, over the calls made with its own key. */
  api(calls: SalesBinderApi, caller: Caller, log: Logger): SalesBinderApi;
  close(): Promise<void>;
}

export function createBudget({
  settings,
  store,
  newcomers,
  observer,
  now = Date.now,
  callDeadlineMs = 15_000,
}: BudgetDeps): Budget {
  // Times written to the store are on the store's clock (Redis's, shared by every replica).
  const storeNow = () => now() + store.clockOffset();
  const runtime = {
    settings,
    store,
    newcomers,
    observer,
    now: storeNow,
    singleFlight: createSingleFlight({ now: storeNow, waitMs: callDeadlineMs }),
    // Bounded: on a shared host every key is a scope of its own.
    skews: new LRUCache<string, number>({ max: 10_000 }),
    proofs: new Map<string, Promise<unknown>>(),
    unsaved: createUnsavedEdits(),
    held: createHeldState(),
  };
  return {
    settings,
    store,
    api: (calls, caller, log) => new RememberingApi(new Session(runtime, calls, caller, log)),
    close: () => store.close(),
  };
}
