/**
 * A kind held whole: a kind too large to sweep (more than `sweepMaxPages` pages of 200) is listed
 * once, page by page, in the background (leaving a fifth of each window to people, and at most
 * seven pages in any ten seconds), from the first read that learns its size (a view's kind is enough:
 * follow-kind.ts), and then kept whole without listing it again:
 *
 * - its changes come from the change feed, as every kind's do (follow-kind.ts); an account the
 *   feed shows that the listing lacks (a new one) joins it in its place;
 * - its deletions come from SalesBinder's `deleted_log` for the kinds it is trusted to cover
 *   (`deletedLogKinds`: customers and suppliers), checked against a count now and then
 *   (`countCheckMs`); for the others (prospects, whose coverage is unknown), and for a kind whose
 *   `deleted_log` fails or misses a deletion, from a count alone (one call with `pageLimit=1`):
 *   while the count matches, nothing went; when it is lower, the kind is listed again.
 *   A deletion check is due half the deletion bound after the last one, in the background
 *   (past two thirds, at an edit's priority): about twice a minute, a deleted account shown for
 *   at most about 40 s; while the last one is within the bound, every account may be served.
 *
 * The listing is kept in SalesBinder's order: by customer number (a new account gets the next
 * number). Pages are listed from the last to the first: an account deleted meanwhile moves later
 * accounts back into pages already listed (listed twice: one is dropped), never past one. Every
 * page, count and cursor of the kind is then cut from the listing, and every search answered from
 * it as SalesBinder is assumed to search (`searchHeld`). The whole listing is listed anew every
 * `heldReloadMs`, which renews what is kept of it.
 */
import type { Customer } from '../../domain/customer.ts';
import { SalesBinderError } from '../errors.ts';
import { FULL_PAGE, heldNow, sweepLimit } from './freshness.ts';
import { deletionsSince, listPage } from './held-deletions.ts';
import { heldKeyOf, type LoadProgress } from './held-state.ts';
import type { CallPurpose } from './key-trust.ts';
import type { Session } from './session.ts';
import type { ContextId, KindState, RememberedPage } from './store/store.ts';

/** Deletion checks: due this far into the deletion bound (background), then urgent (an edit's priority). */
const [DELETION_CHECK_DUE, DELETION_CHECK_URGENT] = [0.5, 2 / 3];

/**
 * A listing takes at most this many pages in any ten seconds (of SalesBinder's 15): people
 * arriving while a dozen pages go (each key's first call is a call) must find room.
 */
const LISTING_PAGES_PER_10S = 7;

/** Where a kind's whole listing (a sweep's, or a held kind's) is kept among its pages. */
export const WHOLE = (contextId: ContextId) => JSON.stringify([contextId, '', 'whole']);

/** Whether the kind is too large to sweep, so that it is held (loaded page by page) instead. */
function isLarge(kind: KindState, s: Session): boolean {
  return kind.sweptCount > sweepLimit(s.rt.settings);
}

/** Background work for a large kind in use: the next page of its listing, or a deletion check, when due. */
export function keepHeld(s: Session, contextId: ContextId, kind: KindState): void {
  if (!isLarge(kind, s)) return;
  const { settings, now, singleFlight } = s.rt;
  const t = now();
  const loading = s.rt.held.loads.get(heldKeyOf(s.scope, contextId));
  const reloadDue =
    loading !== undefined ||
    kind.heldSince === 0 ||
    kind.heldSince < kind.coveredSince ||
    kind.heldSince < t - settings.heldReloadMs;
  const run = (name: string, work: () => Promise<void>) => {
    if (singleFlight.isRunning(s.scope, name)) return;
    void singleFlight
      .run({ scope: s.scope, name, locks: s.store, call: work, afterWaiting: async () => {} })
      .catch((error: unknown) => s.log.debug({ err: error }, `keeping a held kind failed (${name})`));
  };
  if (reloadDue && (loading === undefined || loading.lastStepAt <= t - settings.loadPaceMs))
    run(`load:${contextId}`, () => loadStep(s, contextId, kind));
  // A first listing ends with a deletion check of its own; while a held kind is listed anew, its
  // listing so far is still checked (a paced listing of 10,000 takes longer than the bound), and
  // the new one checks what went since it began when it ends.
  const listed = kind.heldSince > 0 && (loading === undefined || heldNow(kind, t, settings));
  if (listed && kind.sweptAt < t - settings.deletedMs * DELETION_CHECK_DUE)
    run(`deletions:${contextId}`, () => checkDeletions(s, contextId));
}

/**
 * A listing of the kind begins (or begins again): from its last page, as many as `count` fill.
 * `counted`: the call that counted the kind, a first page of 200 (sent at `at`, its accounts
 * remembered), which then is the listing's first page, for its pace and its accounts.
 */
export function beginLoad(
  s: Session,
  contextId: ContextId,
  count: number,
  counted?: { at: number; customers: readonly Customer[]; leftOut: number },
): LoadProgress {
  const progress: LoadProgress = {
    startedAt: counted?.at ?? s.rt.now(),
    next: Math.max(1, Math.ceil(count / FULL_PAGE)),
    numbers: new Map(counted?.customers.map((c) => [c.id, c.customerNumber ?? 0])),
    leftOut: counted?.leftOut ?? 0,
    lastStepAt: 0,
    lastPageAt: 0,
    recentPages: counted === undefined ? [] : [counted.at],
    first: counted && { ids: counted.customers.map((c) => c.id), leftOut: counted.leftOut },
  };
  s.rt.held.loads.set(heldKeyOf(s.scope, contextId), progress);
  return progress;
}

/** One more page of the kind's listing; the last one finishes it. */
async function loadStep(s: Session, contextId: ContextId, kind: KindState): Promise<void> {
  const { settings, now, held } = s.rt;
  const key = heldKeyOf(s.scope, contextId);
  const t = now();
  let progress = held.loads.get(key);
  if (progress === undefined || progress.startedAt < t - settings.heldReloadMs / 2)
    progress = beginLoad(s, contextId, kind.sweptCount);
  progress.lastStepAt = t;
  // Pages come at background priority as long as the windows have room for them (it leaves a
  // fifth of each window to people and never waits), and at most LISTING_PAGES_PER_10S in any ten
  // seconds. A kind not held yet, whose every read is a call meanwhile, also takes one page per
  // step at an edit's priority when they have not: the pace (loadPaceMs, LISTING_PAGES_PER_10S)
  // keeps that from taking all of the windows, and the sooner the kind is held, the sooner its
  // reads cost nothing (at a reader's priority, a team's reads starved a listing of 10,000).
  const purpose: CallPurpose = heldNow(kind, t, settings) ? 'background' : 'read';
  const paced = () => {
    const since = now() - 10_000;
    progress.recentPages = progress.recentPages.filter((at) => at > since);
    return progress.recentPages.length >= LISTING_PAGES_PER_10S;
  };
  const page = async (priority: CallPurpose) => {
    const sentAt = now();
    progress.recentPages.push(sentAt);
    const answer = await listPage(s, { contextId, page: progress.next, pageLimit: FULL_PAGE }, priority);
    progress.lastPageAt = sentAt;
    progress.leftOut += answer.leftOut?.length ?? 0;
    const customers = await s.remember(answer.customers, contextId, sentAt);
    for (const customer of customers) progress.numbers.set(customer.id, customer.customerNumber ?? 0);
    progress.next -= 1;
  };
  // A first page the counting call brought is listed again only if the finish finds it must be.
  while (progress.next >= (progress.first ? 2 : 1)) {
    if (paced()) return;
    try {
      await page('background');
    } catch (error) {
      const noRoom = error instanceof SalesBinderError && error.status === undefined;
      if (!noRoom || purpose === 'background') throw error;
      await page('edit');
      if (progress.next >= (progress.first ? 2 : 1)) return;
    }
  }
  // Finishing (the feed and the deletions since the listing began) at an edit's priority: two
  // calls that make every later read of the kind free, which a busy account's full windows would
  // otherwise refuse again and again.
  await finishLoad(s, contextId, progress, purpose === 'read' ? 'edit' : purpose);
  if (held.loads.get(key) === progress) held.loads.delete(key);
}

/**
 * The listing is complete: what was deleted meanwhile leaves it (the deletion feed, or a count),
 * and it is held from then on.
 */
async function finishLoad(
  s: Session,
  contextId: ContextId,
  progress: LoadProgress,
  purpose: CallPurpose,
): Promise<void> {
  const { now, store } = s.rt;
  // Accounts created while it was listed came with the kind's own feed (joinHeld added them to
  // the listing under way); those created since its last follow join with its next one, within
  // the freshness bound (the listing is served only while the feed is that fresh).
  const checkedAt = now();
  const size = progress.numbers.size + progress.leftOut;
  const verdict = await deletionsSince(s, contextId, progress.startedAt, size, purpose);
  if (verdict === 'list again' || !verdict.confirmed) {
    // Accounts went that cannot be named, or new ones are not shown yet: list the kind again.
    beginLoad(s, contextId, size);
    return;
  }
  if (progress.first?.ids.some((id) => verdict.gone.includes(id))) {
    // An account of the first page (listed first, when the kind was counted) went while the others
    // were listed: the account after it moved into the first page unseen. It is listed again.
    const sentAt = now();
    const answer = await listPage(s, { contextId, page: 1, pageLimit: FULL_PAGE }, purpose);
    progress.leftOut += (answer.leftOut?.length ?? 0) - progress.first.leftOut;
    for (const customer of await s.remember(answer.customers, contextId, sentAt))
      progress.numbers.set(customer.id, customer.customerNumber ?? 0);
  }
  for (const id of verdict.gone) progress.numbers.delete(id);
  const sbTime = checkedAt + (s.rt.skews.get(s.scope) ?? 0);
  const whole = wholeOf(progress.numbers, { fetchedAt: checkedAt, sbTime, leftOut: progress.leftOut });
  await store.putPage(s.scope, WHOLE(contextId), whole, true);
  for (const id of verdict.gone) await s.store.forget(s.scope, id, checkedAt);
  await store.advanceKind(s.scope, contextId, {
    coveredSince: progress.startedAt,
    heldSince: progress.startedAt,
    sweptAt: checkedAt,
    sweptCount: whole.ids.length,
  });
  s.log.info({ held: { contextId, accounts: whole.ids.length } }, 'a kind of accounts is held whole');
}

/** The listing as a remembered page, ordered by customer number as SalesBinder lists. */
function wholeOf(
  numbers: Map<string, number>,
  { fetchedAt, sbTime, leftOut }: Pick<RememberedPage, 'fetchedAt' | 'sbTime' | 'leftOut'>,
): RememberedPage {
  const sorted = [...numbers].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  return {
    ids: sorted.map(([id]) => id),
    numbers: sorted.map(([, n]) => n),
    count: sorted.length,
    fetchedAt,
    sbTime,
    ...(leftOut && { leftOut }),
  };
}

/**
 * Accounts the feed brought that the held listing lacks (new ones) join it in their place.
 * Called by a follow before it marks the kind followed.
 */
export async function joinHeld(
  s: Session,
  contextId: ContextId,
  customers: readonly Customer[],
): Promise<void> {
  if (customers.length === 0) return;
  // A listing under way takes them too: its finish then needs no feed of its own.
  const loading = s.rt.held.loads.get(heldKeyOf(s.scope, contextId));
  for (const customer of loading ? customers : [])
    loading?.numbers.set(customer.id, customer.customerNumber ?? 0);
  const whole = await s.store.page(s.scope, WHOLE(contextId));
  if (whole?.numbers === undefined) return;
  const known = new Set(whole.ids);
  const fresh = customers.filter((c) => !known.has(c.id));
  if (fresh.length === 0) return;
  const numbers = new Map(whole.ids.map((id, i) => [id, whole.numbers?.[i] ?? 0]));
  for (const customer of fresh) numbers.set(customer.id, customer.customerNumber ?? 0);
  await s.store.putPage(s.scope, WHOLE(contextId), wholeOf(numbers, whole), true);
}

/** An account deleted through the gateway leaves the held listing at once. */
export async function leaveHeld(s: Session, contextId: ContextId, id: string): Promise<void> {
  const whole = await s.store.page(s.scope, WHOLE(contextId));
  if (whole?.numbers === undefined || !whole.ids.includes(id)) return;
  const numbers = new Map<string, number>();
  whole.ids.forEach((kept, i) => {
    if (kept !== id) numbers.set(kept, whole.numbers?.[i] ?? 0);
  });
  await s.store.putPage(s.scope, WHOLE(contextId), wholeOf(numbers, whole), true);
}

/**
 * A new key's first call of a held kind (its proof, which any call of the kind makes) is the
 * kind's deletion check when one is due and the feed is fresh, rather than a feed no one needs
 * yet: when people arrive, their proofs carry the checks, which then cost no calls of their own.
 * Whether the key is proven now (else its caller proves it another way).
 */
export async function proveByDeletionCheck(
  s: Session,
  contextId: ContextId,
  kind: KindState,
  t: number,
): Promise<boolean> {
  const { settings, singleFlight, held } = s.rt;
  const name = `deletions:${contextId}`;
  const due =
    heldNow(kind, t, settings) &&
    kind.asOf >= t - settings.freshMs / 2 &&
    kind.sweptAt < t - settings.deletedMs * DELETION_CHECK_DUE &&
    !held.loads.has(heldKeyOf(s.scope, contextId)) &&
    !singleFlight.isRunning(s.scope, name);
  if (!due) return false;
  await singleFlight.run({
    scope: s.scope,
    name,
    locks: s.store,
    call: () => checkDeletions(s, contextId, 'read'),
    afterWaiting: async () => {},
  });
  return s.key.trusted(await s.key.usable(), contextId);
}

/**
 * The deletion check of a held kind: its deleted accounts leave the listing; nothing else changes.
 * `proof`: made as a new key's first call (proveByDeletionCheck), at that key's priority.
 */
async function checkDeletions(s: Session, contextId: ContextId, proof?: 'read'): Promise<void> {
  const { now, store } = s.rt;
  const kind = await store.kindState(s.scope, contextId);
  const whole = await s.store.page(s.scope, WHOLE(contextId));
  if (whole?.numbers === undefined || kind.heldSince === 0) return;
  const checkedAt = now();
  // Due half the deletion bound after the last check, in the background; past two thirds of it,
  // at an edit's priority: one call keeps every read of the kind from becoming a call, so a busy
  // account (whose windows background work never finds room in) must not let its listing lapse.
  const urgent = kind.sweptAt < checkedAt - s.rt.settings.deletedMs * DELETION_CHECK_URGENT;
  const purpose: CallPurpose = proof ?? (urgent ? 'edit' : 'background');
  const size = whole.ids.length + (whole.leftOut ?? 0);
  const verdict = await deletionsSince(s, contextId, kind.sweptAt, size, purpose);
  if (verdict === 'list again') {
    // The listing serves until its last check is older than the deletion bound; a new one begins.
    beginLoad(s, contextId, size);
    return;
  }
  if (verdict.gone.length > 0) {
    const gone = new Set(verdict.gone);
    const numbers = new Map<string, number>();
    whole.ids.forEach((id, i) => {
      if (!gone.has(id)) numbers.set(id, whole.numbers?.[i] ?? 0);
    });
    await store.putPage(s.scope, WHOLE(contextId), wholeOf(numbers, whole), true);
    for (const id of gone) await s.store.forget(s.scope, id, checkedAt);
  }
  if (!verdict.confirmed) return;
  await store.advanceKind(s.scope, contextId, {
    sweptAt: checkedAt,
    sweptCount: whole.ids.length - verdict.gone.filter((id) => whole.ids.includes(id)).length,
  });
}
