/**
 * Searches of a held kind (held-kind.ts), answered from its listing as SalesBinder is assumed to
 * search, remembered per term and kind, and compared with SalesBinder's own answer now and then.
 */
import type { Customer } from '../../domain/customer.ts';
import type { CustomerPage } from '../../domain/customer-page.ts';
import { FULL_PAGE, heldNow } from './freshness.ts';
import { WHOLE } from './held-kind.ts';
import { heldKeyOf, type PendingComparison, type SearchIndex } from './held-state.ts';
import { type Session, withKind } from './session.ts';
import type { ContextId, KindState } from './store/store.ts';

/** The most terms remembered per scope for comparing with SalesBinder. */
const CHECKED_TERMS = 20;

/**
 * Whether a record is found by SalesBinder's search for `term`, as assumed (docs/sandbox.md):
 * the term, lower-cased, is a substring of the name, the customer number, the office e-mail or
 * the billing country, lower-cased; no accent folding, no wildcards.
 */
function foundBySearch(fields: readonly string[], needle: string): boolean {
  return needle === '' || fields.some((field) => field.includes(needle));
}

/**
 * The fields a search looks in, lower-cased; worked out once per account version held in memory
 * (an index rebuilt after a change then lower-cases only what changed).
 */
const fieldsOf = new WeakMap<Customer, string[]>();
function searchedFields(customer: Customer): string[] {
  let fields = fieldsOf.get(customer);
  if (fields === undefined) {
    fields = [customer.name, customer.customerNumber, customer.officeEmail, customer.billingAddress.country]
      .filter((field) => field !== null && field !== undefined)
      .map((field) => String(field).toLowerCase());
    fieldsOf.set(customer, fields);
  }
  return fields;
}

/**
 * A held kind whose searches are in use, and whose lists changed since its searched fields were
 * worked out: they are worked out again now, off the path of the read that noticed (it is
 * answered first), so that the next search finds them ready. On 10,000 customers that is about
 * 10 ms, which the first search after every change (a rename, a creation, a deletion: every few
 * seconds on a busy account) paid before.
 */
export function searchIndexAhead(s: Session, contextId: ContextId, kind: KindState): void {
  const kept = s.rt.held.searchIndexes.get(heldKeyOf(s.scope, contextId));
  if (kept === undefined || kept.refreshing || !stale(kept, kind)) return;
  // A search meanwhile waits for this one rather than work them out twice.
  kept.refreshing = new Promise((resolve) => setTimeout(resolve, 0))
    .then(() => rebuild(s, contextId, kind))
    .catch((error: unknown) => {
      s.log.debug({ err: error }, 'working out searched fields ahead failed');
      return undefined;
    })
    .finally(() => {
      kept.refreshing = undefined;
    });
}

/** Whether a kind's lists changed since a remembered search or its searched fields were worked out. */
const stale = (kept: Pick<SearchIndex, 'listChanges' | 'sweptAt'>, kind: KindState) =>
  kept.listChanges !== kind.listChanges || kept.sweptAt !== kind.sweptAt;

/**
 * The held kind's accounts in listing order with the fields a search looks in, while its lists
 * did not change: a new term is then a scan of strings, not of the store (10,000 records read
 * from it for each new term took 6 ms; people type a new term about every second, the kind's
 * lists change about every ten). Undefined when an account of the listing is not in memory.
 */
async function searchIndex(
  s: Session,
  contextId: ContextId,
  kind: KindState,
): Promise<SearchIndex | undefined> {
  const kept = s.rt.held.searchIndexes.get(heldKeyOf(s.scope, contextId));
  if (kept !== undefined && !stale(kept, kind)) return kept;
  const ahead = await kept?.refreshing;
  if (ahead !== undefined && !stale(ahead, kind)) return ahead;
  return rebuild(s, contextId, kind);
}

async function rebuild(s: Session, contextId: ContextId, kind: KindState): Promise<SearchIndex | undefined> {
  const whole = await s.store.page(s.scope, WHOLE(contextId));
  if (whole === undefined) return undefined;
  const records = await s.store.records(s.scope, whole.ids);
  const accounts: SearchIndex['accounts'] = [];
  for (const record of records) {
    if (record === undefined) return undefined;
    accounts.push({ id: record.customer.id, fields: searchedFields(record.customer) });
  }
  const index = { accounts, listChanges: kind.listChanges, sweptAt: kind.sweptAt };
  s.rt.held.searchIndexes.set(heldKeyOf(s.scope, contextId), index);
  return index;
}

/** Whether searches of this caller's account may be answered from memory (settings, and no difference found). */
export function searchesFromMemory(s: Session): boolean {
  return s.rt.settings.searches === 'memory' && !s.rt.held.searchChecks.get(s.scope)?.different;
}

/**
 * A page of a search of a held kind, answered from the listing as SalesBinder would answer it;
 * undefined when the kind is not held now, searches are asked of SalesBinder (`searches`, or a
 * comparison found SalesBinder searching otherwise), or the caller's key may not read the kind.
 */
export async function searchHeld(
  s: Session,
  contextId: ContextId,
  term: string,
  window: { page: number; pageLimit: number },
): Promise<CustomerPage | undefined> {
  const { settings, now, held } = s.rt;
  if (!searchesFromMemory(s)) return undefined;
  const state = await s.key.usable();
  if (!s.key.trusted(state, contextId)) return undefined;
  const kind = await s.store.kindState(s.scope, contextId);
  const t = now();
  if (kind === undefined || !heldNow(kind, t, settings) || kind.asOf < t - settings.freshMs) return undefined;
  const memoKey = `${s.scope}\0${contextId}\0${term}`;
  let memo = held.searches.get(memoKey);
  if (memo === undefined || stale(memo, kind)) {
    const index = await searchIndex(s, contextId, kind);
    if (index === undefined) return undefined;
    const needle = term.toLowerCase();
    const ids = index.accounts.filter((a) => foundBySearch(a.fields, needle)).map((a) => a.id);
    memo = { ids, listChanges: kind.listChanges, sweptAt: kind.sweptAt };
    held.searches.set(memoKey, memo);
  }
  const onPage = memo.ids.slice((window.page - 1) * window.pageLimit, window.page * window.pageLimit);
  const records = await s.store.records(s.scope, onPage);
  const customers: Customer[] = [];
  for (const record of records) {
    if (record === undefined) return undefined;
    customers.push(withKind(record.customer, contextId));
  }
  noteSearched(s, contextId, term);
  s.caller.onAccepted?.();
  return { count: memo.ids.length, customers };
}

function noteSearched(s: Session, contextId: ContextId, term: string): void {
  const checks = s.rt.held.searchChecks;
  const entry = checks.get(s.scope) ?? { terms: [], checkedAt: s.rt.now(), different: false };
  if (
    !entry.terms.some(
      (t: { contextId: ContextId; term: string }) => t.term === term && t.contextId === contextId,
    )
  ) {
    entry.terms.push({ contextId, term });
    if (entry.terms.length > CHECKED_TERMS) entry.terms.shift();
  }
  checks.set(s.scope, entry);
}

/**
 * Now and then (`searchCheckMs`), when the windows have room (background priority), one search
 * answered from memory is asked of SalesBinder too and the ids compared, leaving out accounts
 * changed within twice the freshness bound (either side may not know them yet). On a difference,
 * this account's searches are asked of SalesBinder from then on, with a warning and a metric.
 * Accounts memory found that SalesBinder did not are judged later (`judgePending`): memory may
 * still hold an account SalesBinder deleted or renamed since the kind's last deletion check or
 * feed (the web app deletes one every 30 s in the team bench, and a term matching it sent every
 * search of a busy account to SalesBinder).
 */
export function checkSearchesAhead(s: Session): void {
  const { settings, now, held, singleFlight } = s.rt;
  const entry = held.searchChecks.get(s.scope);
  const t = now();
  if (entry === undefined || entry.different || entry.terms.length === 0) return;
  if (entry.pending) {
    void judgePending(s, entry.pending).catch((error: unknown) =>
      s.log.debug({ err: error }, 'judging a search comparison failed'),
    );
    return;
  }
  if (entry.checkedAt > t - settings.searchCheckMs) return;
  if (singleFlight.isRunning(s.scope, 'search-check')) return;
  entry.checkedAt = t;
  const sample = entry.terms[Math.floor(Math.random() * entry.terms.length)];
  if (sample === undefined) return;
  void compareSearch(s, sample.contextId, sample.term).catch((error: unknown) =>
    s.log.debug({ err: error }, 'comparing a search with SalesBinder failed'),
  );
}

async function compareSearch(s: Session, contextId: ContextId, term: string): Promise<void> {
  const { settings, now, held, observer } = s.rt;
  const sentAt = now();
  const theirs = await s.key.send(
    'background',
    () => contextId,
    (priority) =>
      s.calls.listCustomers({ contextId, search: term, page: 1, pageLimit: FULL_PAGE }, { priority }),
  );
  const ours = await searchHeld(s, contextId, term, { page: 1, pageLimit: FULL_PAGE });
  if (ours === undefined) return;
  const settled = (c: Customer) => c.modifiedAt.getTime() < sentAt - 2 * settings.freshMs;
  const theirIds = theirs.customers.filter(settled).map((c) => c.id);
  const ourIds = ours.customers.filter(settled).map((c) => c.id);
  const theirAll = new Set(theirs.customers.map((c) => c.id));
  const ourAll = new Set(ours.customers.map((c) => c.id));
  // What one found, settled, that the other did not at all, where the other's list is whole (200
  // at most); and the order of what both found, settled on both sides.
  const whole = (page: CustomerPage) => (page.count ?? page.customers.length) <= FULL_PAGE;
  const missing = whole(ours) ? theirIds.filter((id) => !ourAll.has(id)) : [];
  const extra = whole(theirs) ? ourIds.filter((id) => !theirAll.has(id)) : [];
  const [theirSettled, ourSettled] = [new Set(theirIds), new Set(ourIds)];
  const order = (ids: string[], other: Set<string>) => ids.filter((id) => other.has(id)).join();
  const reordered = order(theirIds, ourSettled) !== order(ourIds, theirSettled);
  if (missing.length > 0 || reordered) return searchedOtherwise(s, contextId, term);
  const entry = held.searchChecks.get(s.scope);
  if (extra.length > 0 && entry) entry.pending = { contextId, term, ids: extra, at: sentAt };
  else observer?.searchChecked?.('same');
}

/**
 * Accounts memory found and SalesBinder did not, once the kind's feed and a deletion check are
 * past the comparison: those still found, unchanged since, are a difference; those gone or
 * changed were SalesBinder's news, not a difference.
 */
async function judgePending(s: Session, pending: PendingComparison): Promise<void> {
  const { settings, held, observer } = s.rt;
  const kind = await s.store.kindState(s.scope, pending.contextId);
  if (kind === undefined || kind.asOf <= pending.at || kind.sweptAt <= pending.at) return;
  const entry = held.searchChecks.get(s.scope);
  if (entry?.pending !== pending) return;
  entry.pending = undefined;
  const found = await searchHeld(s, pending.contextId, pending.term, { page: 1, pageLimit: FULL_PAGE });
  if (found === undefined) return;
  const unchanged = new Set(
    found.customers
      .filter((c) => c.modifiedAt.getTime() < pending.at - 2 * settings.freshMs)
      .map((c) => c.id),
  );
  if (pending.ids.some((id) => unchanged.has(id)))
    return searchedOtherwise(s, pending.contextId, pending.term);
  observer?.searchChecked?.('same');
}

function searchedOtherwise(s: Session, contextId: ContextId, term: string): void {
  s.rt.observer?.searchChecked?.('different');
  const entry = s.rt.held.searchChecks.get(s.scope);
  if (entry) entry.different = true;
  s.log.warn(
    { searchCheck: { contextId, termLength: term.length } },
    'SalesBinder searched otherwise than assumed: searches of this account are asked of SalesBinder from now on',
  );
}
