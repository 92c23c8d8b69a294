/** What the budget may be told: its settings, who is asking, and what it reports. */

import type { ContextId } from './store/store.ts';

export interface BudgetSettings {
  /** An answer reflects SalesBinder as of at most this long before. @default 15000 */
  freshMs: number;
  /** An account deleted in SalesBinder is no longer served after this long. @default 60000 */
  deletedMs: number;
  /** A key reads what other keys read while SalesBinder accepted it this recently. @default 300000 */
  keyTrustMs: number;
  /** A key SalesBinder refused (401) is refused here for this long, without a call. @default 300000 */
  refusedKeyMs: number;
  /**
   * A key SalesBinder accepted (or knew: a 403 or a 404) this recently is a known person: its calls
   * are no newcomer's (no credit of its address, no newcomers' slice), though it reads what others
   * read only within `keyTrustMs`. @default 86400000
   */
  knownPersonMs: number;
  /** Successive change-feed windows overlap by this much (SalesBinder's boundary second is unknown). @default 2000 */
  feedOverlapMs: number;
  /** A sweep lists a kind whole when it takes at most this many calls of 200 accounts. @default 3 */
  sweepMaxPages: number;
  /**
   * What ifUnmodifiedSince compares with: `remembered`, the account as remembered (at most
   * `freshMs` old, and every edit made through the gateway); `fresh`, a new read (one call more
   * per conditional edit). @default 'remembered'
   */
  conditionalEdits: 'remembered' | 'fresh';
  /**
   * A kind larger than a sweep is held whole (held-kind.ts): listed once, page by page in the
   * background while the windows have room; when they have none, a page at an edit's priority at
   * most once per this long (a kind not held yet), so that loading it never takes the windows. @default 1500
   */
  loadPaceMs: number;
  /** A held kind is listed anew this often, which renews what is kept of it. @default 1800000 */
  heldReloadMs: number;
  /**
   * The kinds whose deletions SalesBinder's `deleted_log` is trusted to list (customers and
   * suppliers, as clients read it); the others learn deletions from a count. @default [2, 10]
   */
  deletedLogKinds: readonly ContextId[];
  /** How often a held kind's size is counted, to check that `deleted_log` missed nothing. @default 300000 */
  countCheckMs: number;
  /**
   * `memory`: a search of a held kind is answered from it, as SalesBinder is assumed to search
   * (docs/rate-limits-and-budget.md); `salesbinder`: every search asks SalesBinder. @default 'memory'
   */
  searches: 'memory' | 'salesbinder';
  /** How often, when there is room, a search answered from memory is asked of SalesBinder too, to compare. @default 120000 */
  searchCheckMs: number;
}

export const DEFAULT_BUDGET_SETTINGS: BudgetSettings = {
  freshMs: 15_000,
  deletedMs: 60_000,
  keyTrustMs: 300_000,
  refusedKeyMs: 300_000,
  knownPersonMs: 86_400_000,
  feedOverlapMs: 2_000,
  sweepMaxPages: 3,
  conditionalEdits: 'remembered',
  loadPaceMs: 1_500,
  heldReloadMs: 1_800_000,
  deletedLogKinds: [2, 10],
  countCheckMs: 300_000,
  searches: 'memory',
  searchCheckMs: 120_000,
};

/** Why a call was not made. */
export type SavedReason = 'remembered' | 'in_flight' | 'refused_key';

/** Why the gateway refused a caller without asking SalesBinder. */
export type LocalRefusal = 'refused_key' | 'newcomers';

export interface BudgetObserver {
  saved(reason: SavedReason): void;
  refused(cause: LocalRefusal): void;
  /** A search answered from memory was compared with SalesBinder's own answer. */
  searchChecked?(result: 'same' | 'different'): void;
}

/** Who is asking, as the budget needs to know it. */
export interface Caller {
  /** Whose memory this is: the account, or (on a shared host) the account and the key's hash. */
  scope: string;
  keyHash: string;
  /** Where the request came from (a client address or network), for newcomers' credits. */
  source: string;
  /** Told when memory served this caller: SalesBinder accepted its key recently (calls tell it themselves). */
  onAccepted?: (() => void) | undefined;
  /**
   * Told of each call refused here without asking SalesBinder, by cause: the request counts them
   * for its one log line (a line per refusal let one request write a thousand).
   */
  onRefused?: ((cause: 'refused_key' | 'newcomers') => void) | undefined;
}
