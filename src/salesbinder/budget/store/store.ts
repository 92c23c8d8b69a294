/**
 * What the gateway remembers of SalesBinder's answers, and of which keys SalesBinder accepted or
 * refused: the shapes, the store interface, and the rules every store applies (merging a record,
 * advancing a kind). memory.ts keeps them in this process (one replica), redis.ts in Redis (for
 * replicas), fallback.ts turns a store that does not answer into forgetting.
 *
 * Times are the budget's clock in ms, except `modifiedAt` and `listChangedAt`, which are
 * SalesBinder's (its records' `modified`). Replicas sharing a Redis are assumed to keep their
 * clocks within a second of each other (NTP), as the freshness bound is checked on them.
 */
import { type AccountKind, CONTEXT_ID_OF_KIND, type Customer } from '../../../domain/customer.ts';

/** SalesBinder's context ids, one per account kind: 2 customers, 8 prospects, 10 suppliers. */
export type ContextId = 2 | 8 | 10;
export const CONTEXT_IDS: readonly ContextId[] = [2, 8, 10];

export function contextIdOf(kind: AccountKind | null): ContextId | null {
  return kind === null ? null : (CONTEXT_ID_OF_KIND[kind] as ContextId);
}

/** One account as SalesBinder last answered it. */
export interface RememberedRecord {
  customer: Customer;
  /** Its kind, as the record or the list it came in said; null while unknown (then it is never shared). */
  contextId: ContextId | null;
  /** When the call that returned this version was sent. */
  fetchedAt: number;
  /** When a call last returned this account, whatever the version: it existed then. */
  confirmedAt: number;
  /** The fields a list can be searched or sorted by, in one string: a change there may move accounts between pages. */
  listSig: string;
  /** Paths of the fields no answer merged into this version said (domain/customer.ts, unsaidFields); absent: none. */
  unsaid?: readonly string[] | undefined;
  /** When the answer arrived (the budget's clock); ties of `modified` go to the later one. @default fetchedAt */
  answeredAt?: number | undefined;
  /** Whether this version is an edit's answer, which a read's answer of the same second never replaces. */
  edit?: boolean | undefined;
}

/** How far the change feed of one kind has been followed. */
export interface KindState {
  /** Every change of this kind from `coveredSince` to `asOf` is in memory (0: not followed). */
  coveredSince: number;
  /** When the latest feed or sweep call that brought the kind up to date was sent. */
  asOf: number;
  /**
   * SalesBinder's time of the latest change that can move accounts between list pages: an account
   * that is new here, one whose listed fields changed, or one gone (a sweep counted fewer).
   */
  listChangedAt: number;
  /**
   * How many such changes memory has taken: what a remembered search compares, since a change
   * need not move `listChangedAt` (an account created in the second a deletion was learned: its
   * `modified`, whole seconds, is earlier than the deletion's mark).
   */
  listChanges: number;
  /** When the latest complete listing of the kind (a deletion sweep) was sent. */
  sweptAt: number;
  /** How many accounts that sweep counted (-1: none yet). */
  sweptCount: number;
  /**
   * A kind held whole (held-kind.ts): when the listing its accounts come from began (0: not held).
   * Its membership is known as of `sweptAt` (the latest deletion check), its changes as of `asOf`.
   */
  heldSince: number;
  /**
   * When an account of this kind was last created or deleted through the gateway (our clock, once
   * SalesBinder answered): a page asked for before then may lack it or still hold it, and its
   * count be off by one, so it is not served (0: never).
   */
  writtenAt: number;
  /**
   * Where the change feed asks from next (the budget's clock): when the last feed or sweep call
   * SalesBinder answered with a page was sent. A 404 on the feed moves `asOf` but not this, so the
   * next feed asks that window again: a stray 404 never hides a change (0: from `asOf`).
   */
  feedFrom: number;
}

export const UNFOLLOWED: KindState = {
  coveredSince: 0,
  asOf: 0,
  listChangedAt: 0,
  listChanges: 0,
  sweptAt: 0,
  sweptCount: -1,
  heldSince: 0,
  writtenAt: 0,
  feedFrom: 0,
};

/** One list page as SalesBinder answered it: its accounts, in order, and the total count. */
export interface RememberedPage {
  ids: string[];
  /** SalesBinder's count; undefined for the empty page of a 404 past the last one. */
  count: number | undefined;
  fetchedAt: number;
  /** `fetchedAt` on SalesBinder's clock, as well as it is known. */
  sbTime: number;
  /** A held kind's whole listing: each account's customer number, beside `ids` (the order's key). */
  numbers?: number[];
  /** A held kind's whole listing: accounts SalesBinder lists that it leaves out as odd (not counted). */
  leftOut?: number;
}

/** What SalesBinder last said of one key (by its hash), for one account. */
export interface KeyState {
  /** When SalesBinder last accepted the key (any 2xx); 0: not within the trust window. */
  acceptedAt: number;
  /** When SalesBinder last let the key read each kind; absent: not within the trust window. */
  kinds: Partial<Record<ContextId, number>>;
  /** Until when the key is refused here, after SalesBinder answered 401; 0: not refused. */
  refusedUntil: number;
}

export const UNKNOWN_KEY: KeyState = { acceptedAt: 0, kinds: {}, refusedUntil: 0 };

/** What a waiter learns of a call another replica makes (BudgetStore.lockState). */
export type LockState = 'held' | 'free' | `failed:${string}`;

/** How long each thing is kept; the store forgets it after that. */
export interface Retention {
  /** Pages, and SalesBinder's 404s: the deletion bound and a margin. */
  entryMs: number;
  /** Records, and a held kind's whole listing: as long as a held kind is kept without a new listing. */
  heldMs: number;
  /** Acceptances: the trust window. */
  trustMs: number;
  /** A lock on a call others wait for: the longest such a call may take. */
  lockMs: number;
}

/**
 * Every operation may reject when the store is away (Redis); the caller then treats it as
 * forgetting: nothing is served from memory, and nothing is lost but savings.
 */
export interface BudgetStore {
  keyState(scope: string, keyHash: string): Promise<KeyState>;
  /** SalesBinder accepted the key (for this kind, when the call said which). */
  acceptKey(scope: string, keyHash: string, contextId: ContextId | null, at: number): Promise<void>;
  /** SalesBinder answered 401: refuse the key here until `until`, and forget its acceptances. */
  refuseKey(scope: string, keyHash: string, until: number): Promise<void>;
  /** SalesBinder answered 403 for this kind: the key no longer reads it from memory. */
  forgetKind(scope: string, keyHash: string, contextId: ContextId): Promise<void>;
  kindState(scope: string, contextId: ContextId): Promise<KindState>;
  /**
   * Moves the kind's state forward: every field given becomes the larger of its value and the
   * stored one (all of them only grow), but `sweptCount`, which is set.
   */
  advanceKind(scope: string, contextId: ContextId, update: Partial<KindState>): Promise<void>;
  records(scope: string, ids: readonly string[]): Promise<Array<RememberedRecord | undefined>>;
  /**
   * Merges each record by `mergeRecord`'s rule, atomically per record. An edit's record (`edit`)
   * the store refuses is deleted instead where it still can be (a full Redis refuses writes but
   * takes deletes), so that no replica serves the version before the edit; the caller keeps it.
   */
  merge(scope: string, records: readonly RememberedRecord[]): Promise<void>;
  /** SalesBinder answered 404 for this account at `at`. */
  forget(scope: string, id: string, at: number): Promise<void>;
  /** When SalesBinder last answered 404 for this account (0: not within the freshness bound). */
  goneAt(scope: string, id: string): Promise<number>;
  page(scope: string, key: string): Promise<RememberedPage | undefined>;
  /** Keeps the page `entryMs`, or `heldMs` when `held` (a held kind's whole listing). */
  putPage(scope: string, key: string, page: RememberedPage, held?: boolean): Promise<void>;
  /**
   * Takes the lock for one call that others could share (`held`), or tells that another replica
   * holds it (`taken`); `free` where there are no other replicas (the caller's own registry of
   * calls under way is enough). Locks expire by themselves after `lockMs`.
   */
  lock(scope: string, name: string): Promise<'held' | 'taken' | 'free'>;
  /**
   * Whether the call is still under way elsewhere (`held`), ended (`free`), or ended in a failure
   * every waiter shares (`failed:<code>:<status>`, kept a moment: see single-flight.ts).
   */
  lockState(scope: string, name: string): Promise<LockState>;
  /** Releases the lock; with `failure`, leaves that failure in its place for a moment. */
  unlock(scope: string, name: string, failure?: string): Promise<void>;
  health(): { degraded: boolean };
  /**
   * The store's clock against the budget's (ms): what replicas sharing it write as times (a
   * record's fetchedAt, a kind's asOf) is on one clock, the store's, whatever their own clocks say.
   * 0 for a store of this process alone.
   */
  clockOffset(): number;
  close(): Promise<void>;
}

/** The fields SalesBinder's list search looks at (`field`: name, customer_number, office_email, billing_country) and may sort by. */
export function listSigOf(customer: Customer): string {
  return JSON.stringify([
    customer.name,
    customer.customerNumber,
    customer.officeEmail,
    customer.billingAddress.country,
  ]);
}

/** `customer` with the value of each of `paths` taken from `from` (paths as unsaidFields gives them). */
export function withValuesOf(customer: Customer, from: Customer, paths: readonly string[]): Customer {
  if (paths.length === 0) return customer;
  const copy: Record<string, unknown> = { ...customer };
  for (const path of paths) {
    const [head = '', leaf] = path.split('.');
    if (leaf === undefined) copy[head] = (from as unknown as Record<string, unknown>)[head];
    else {
      const inner = { ...(copy[head] as Record<string, unknown>) };
      inner[leaf] = (from as unknown as Record<string, Record<string, unknown>>)[head]?.[leaf];
      copy[head] = inner;
    }
  }
  return copy as unknown as Customer;
}

/**
 * Whether `incoming` replaces `stored`: the version SalesBinder changed last; in the same second
 * (its `modified` has whole seconds) an edit's answer over a read's, then the answer that arrived
 * last. (Not the call sent last: a read sent after an edit may be answered before it.)
 */
function replaces(stored: RememberedRecord, incoming: RememberedRecord): boolean {
  const at = incoming.customer.modifiedAt.getTime();
  const storedAt = stored.customer.modifiedAt.getTime();
  if (at !== storedAt) return at > storedAt;
  const edit = incoming.edit ? 1 : 0;
  const storedEdit = stored.edit ? 1 : 0;
  if (edit !== storedEdit) return edit > storedEdit;
  return (incoming.answeredAt ?? incoming.fetchedAt) >= (stored.answeredAt ?? stored.fetchedAt);
}

/**
 * The rule both stores apply, atomically per record: the version SalesBinder changed last wins
 * (`replaces`), so an older answer that arrives late never hides a newer one; a leaner answer
 * (a List or View answer without some fields) never erases what a richer one said: the fields it
 * did not carry keep the value they had; every answer confirms the account exists; a kind once
 * learned is kept. Returns what to store, and which kinds' lists may have changed (and as of when).
 * redis-scripts.ts's MERGE is this rule in Lua.
 */
export function mergeRecord(
  stored: RememberedRecord | undefined,
  incoming: RememberedRecord,
): { record: RememberedRecord; listChanged: Array<{ contextId: ContextId; at: number }> } {
  const at = incoming.customer.modifiedAt.getTime();
  if (stored === undefined) {
    return {
      record: incoming,
      listChanged: incoming.contextId === null ? [] : [{ contextId: incoming.contextId, at }],
    };
  }
  const contextId = incoming.contextId ?? stored.contextId;
  const confirmedAt = Math.max(stored.confirmedAt, incoming.confirmedAt);
  if (!replaces(stored, incoming)) return { record: { ...stored, contextId, confirmedAt }, listChanged: [] };
  // What the incoming answer did not say and the stored version did: kept.
  const storedUnsaid = new Set(stored.unsaid ?? []);
  const keep = (incoming.unsaid ?? []).filter((path) => !storedUnsaid.has(path));
  const unsaid = (incoming.unsaid ?? []).filter((path) => storedUnsaid.has(path));
  const customer = withValuesOf(incoming.customer, stored.customer, keep);
  const listSig = keep.length === 0 ? incoming.listSig : listSigOf(customer);
  const listChanged: Array<{ contextId: ContextId; at: number }> = [];
  if (contextId !== null && (listSig !== stored.listSig || contextId !== stored.contextId))
    listChanged.push({ contextId, at });
  if (stored.contextId !== null && stored.contextId !== contextId)
    listChanged.push({ contextId: stored.contextId, at });
  const record: RememberedRecord = { ...incoming, customer, contextId, confirmedAt, listSig, unsaid };
  if (unsaid.length === 0) delete record.unsaid;
  return { record, listChanged };
}

/** `advanceKind`'s rule: every field grows to the larger value, but `sweptCount`, which is set (redis.ts runs it in Lua). */
export function advance(current: KindState, update: Partial<KindState>): KindState {
  return {
    coveredSince: Math.max(current.coveredSince, update.coveredSince ?? 0),
    asOf: Math.max(current.asOf, update.asOf ?? 0),
    listChangedAt: Math.max(current.listChangedAt, update.listChangedAt ?? 0),
    listChanges: Math.max(current.listChanges, update.listChanges ?? 0),
    sweptAt: Math.max(current.sweptAt, update.sweptAt ?? 0),
    sweptCount: update.sweptCount ?? current.sweptCount,
    heldSince: Math.max(current.heldSince, update.heldSince ?? 0),
    writtenAt: Math.max(current.writtenAt, update.writtenAt ?? 0),
    feedFrom: Math.max(current.feedFrom, update.feedFrom ?? 0),
  };
}
