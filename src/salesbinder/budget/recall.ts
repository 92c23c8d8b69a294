/**
 * What memory may serve this caller now: a remembered account (or SalesBinder's recent 404 for
 * it), a remembered list page, or a page cut from a kind's whole listing. Each serves only a key
 * SalesBinder accepted recently for the kind (key-trust.ts), only what is still fresh
 * (freshness.ts); serving also keeps the kind followed ahead of need (follow-kind.ts).
 */
import type { Customer } from '../../domain/customer.ts';
import type { CustomerPage } from '../../domain/customer-page.ts';
import { followAhead } from './follow-kind.ts';
import { confirmed, goneServable, heldServable, pageServable, recordServable } from './freshness.ts';
import { keepHeld } from './held-kind.ts';
import { searchIndexAhead } from './held-search.ts';
import { acceptedRecently } from './key-trust.ts';
import { type Session, withKind } from './session.ts';
import type { ContextId, KindState, RememberedPage, RememberedRecord } from './store/store.ts';

/** A remembered view of an account: the account, or SalesBinder's recent 404. */
export type ViewAnswer = Customer | 'gone';

/** Which part of a remembered listing a page is: absent, the whole remembered page. */
export interface PageWindow {
  page: number;
  pageLimit: number;
}

/**
 * The account as remembered, if this caller may be served it now (`answer`; absent when a call is
 * needed), and the record looked at, for the caller's next step without reading it again.
 */
export async function recallView(
  s: Session,
  id: string,
): Promise<{ answer?: ViewAnswer; record?: RememberedRecord; kind?: KindState }> {
  const { settings, now } = s.rt;
  const state = await s.key.usable();
  const t = now();
  const [record] = await s.store.records(s.scope, [id]);
  if (record === undefined) {
    // SalesBinder's recent 404 stands for every key it accepted in this account.
    const goneAt = await s.store.goneAt(s.scope, id);
    const gone = goneServable(goneAt, t, settings) && acceptedRecently(state, t, settings);
    return gone ? { answer: 'gone' } : {};
  }
  if (record.contextId === null) return { record };
  const kind = await s.store.kindState(s.scope, record.contextId);
  if (kind === undefined) return { record };
  // Not served to this key yet; the kind says whether following it (its proof) may be all it takes.
  if (!s.key.trusted(state, record.contextId)) return { record, kind };
  // A held kind is kept (its next page, its deletion check, its searched fields) whether or not
  // this read is served.
  keepHeld(s, record.contextId, kind);
  searchIndexAhead(s, record.contextId, kind);
  if (!recordServable(record, kind, t, settings)) return { record, kind };
  followAhead(s, record.contextId, kind, state);
  s.caller.onAccepted?.();
  return { answer: withKind(record.customer, record.contextId), record, kind };
}

/**
 * A remembered list page, if it can still be right and this caller may be served it now
 * (`served`; with `window`, that page cut from a remembered whole listing), and the page found
 * for a caller whose key SalesBinder accepted for the kind (then following the kind may be all
 * the page needs).
 */
export async function recallPage(
  s: Session,
  pageKey: string,
  contextId: ContextId,
  window?: PageWindow,
): Promise<{ served?: CustomerPage; page?: RememberedPage }> {
  const { settings, now } = s.rt;
  const state = await s.key.usable();
  if (!s.key.trusted(state, contextId)) return {};
  const t = now();
  const [page, kind] = await Promise.all([
    s.store.page(s.scope, pageKey),
    s.store.kindState(s.scope, contextId),
  ]);
  if (kind !== undefined) {
    keepHeld(s, contextId, kind);
    searchIndexAhead(s, contextId, kind);
  }
  if (page === undefined || kind === undefined) return {};
  // A held kind's whole listing (it carries the customer numbers) is kept right by its feeds.
  const servable =
    page.numbers !== undefined ? heldServable(kind, t, settings) : pageServable(page, kind, t, settings);
  if (!servable) return { page };
  const ids = window
    ? page.ids.slice((window.page - 1) * window.pageLimit, window.page * window.pageLimit)
    : page.ids;
  const records = await s.store.records(s.scope, ids);
  if (records.length !== ids.length) return { page };
  const customers: Customer[] = [];
  for (const record of records) {
    if (record === undefined || !confirmed(record, t, settings, kind)) return { page };
    customers.push(withKind(record.customer, contextId));
  }
  followAhead(s, contextId, kind, state);
  s.caller.onAccepted?.();
  return { served: { count: page.count, customers }, page };
}

/**
 * How many of these accounts memory would serve this caller now, without a call and without
 * anything else a recall does (following the kind, noting the key): what an operation's bound on
 * calls counts as held. 0 for a key refused here (its calls are refused anyway).
 */
export async function heldCount(s: Session, ids: readonly string[]): Promise<number> {
  const { settings, now } = s.rt;
  const state = await s.key.usable().catch(() => undefined);
  if (state === undefined) return 0;
  const t = now();
  const records = await s.store.records(s.scope, ids);
  const kinds = new Map<ContextId, Promise<Awaited<ReturnType<typeof s.store.kindState>>>>();
  let held = 0;
  for (const record of records) {
    if (record?.contextId == null || !s.key.trusted(state, record.contextId)) continue;
    const contextId = record.contextId;
    if (!kinds.has(contextId)) kinds.set(contextId, s.store.kindState(s.scope, contextId));
    const kind = await kinds.get(contextId);
    if (kind !== undefined && recordServable(record, kind, t, settings)) held++;
  }
  return held;
}
