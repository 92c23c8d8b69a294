/**
 * Following a kind: bringing every remembered account of one kind up to date, and learning which
 * remembered pages can still be right. Either the change feed (`modifiedSince`: what changed since
 * the kind was last followed), or a sweep (the whole kind listed, at most `sweepMaxPages` calls:
 * what is missing was deleted, which the feed never shows). SalesBinder's clock is learned from
 * its answers' Date headers, so that feed windows start early enough when it runs behind ours.
 * Which one, and when, is decided in freshness.ts.
 */
import type { Customer } from '../../domain/customer.ts';
import type { CustomerPage } from '../../domain/customer-page.ts';
import { feedOverlap, feedTooBusy, proveBoundaryAhead } from './feed-boundary.ts';
import {
  type FollowMode,
  type FollowPurpose,
  FULL_PAGE,
  feedStart,
  followAheadDue,
  followedAlready,
  followPlan,
  heldNow,
  MAX_FEED_PAGES,
} from './freshness.ts';
import { listPage } from './held-deletions.ts';
import { beginLoad, joinHeld, keepHeld, proveByDeletionCheck, WHOLE } from './held-kind.ts';
import { heldKeyOf } from './held-state.ts';
import type { CallPurpose } from './key-trust.ts';
import { isStatus, noteClock, type Session } from './session.ts';
import type { ContextId, KeyState, KindState } from './store/store.ts';

export { WHOLE } from './held-kind.ts';
export { noteClock } from './session.ts';

/**
 * Brings the kind up to date: the change feed since it was last followed, or a sweep (the whole
 * kind) when deletions are due to be found or the feed was not followed recently enough. As a
 * shared read it joins a follow already under way. As a proof of this key it is a call of its
 * own, which only this key's other requests share.
 */
export async function followKind(
  s: Session,
  contextId: ContextId,
  purpose: FollowPurpose,
  mode: FollowMode = 'any',
): Promise<void> {
  const state = await s.key.afterProof();
  const trusted = s.key.trusted(state, contextId);
  if (!trusted && purpose === 'background') return;
  // Whoever waited for that follow has what it needed: the kind is up to date (and, when it was
  // this key's proof, what SalesBinder said of the key is in the store: see Session.shared).
  await s.shared(
    trusted ? `${mode}:${contextId}` : `${mode}:${contextId}:${s.caller.keyHash}`,
    async () => true as const,
    async () => {
      await followNow(s, contextId, purpose, mode);
      return true as const;
    },
  );
}

/**
 * Served from memory: when the kind's feed nears the freshness bound, or this key's trust is
 * half spent, one background call (with this key, leaving the windows' reserve alone) keeps
 * both up to date before anyone has to wait for it.
 */
export function followAhead(s: Session, contextId: ContextId, kind: KindState, state: KeyState): void {
  keepHeld(s, contextId, kind);
  proveBoundaryAhead(s);
  if (!followAheadDue(kind, state.kinds[contextId] ?? 0, s.rt.now(), s.rt.settings)) return;
  if (s.rt.singleFlight.isRunning(s.scope, `any:${contextId}`)) return;
  void followKind(s, contextId, 'background').catch((error: unknown) =>
    s.log.debug({ err: error }, 'keeping remembered accounts fresh ahead of need failed'),
  );
}

/**
 * A read learned of a kind whose size no one knows yet (a view's answer said its kind, a search
 * named it): one background call (a sweep's first page, with this key) learns it, so that a kind
 * too large to sweep starts loading at once (held-kind.ts), before people's reads of it become
 * calls each, and a small one is listed whole.
 */
export async function learnKindAhead(s: Session, contextId: ContextId): Promise<void> {
  const kind = await s.store.kindState(s.scope, contextId);
  if (kind === undefined || kind.sweptCount >= 0) return;
  if (s.rt.singleFlight.isRunning(s.scope, `any:${contextId}`)) return;
  // A kind of unknown size is swept (followPlan): its first page says how large it is.
  void followKind(s, contextId, 'background')
    .then(async () => keepHeld(s, contextId, await s.rt.store.kindState(s.scope, contextId)))
    .catch((error: unknown) => s.log.debug({ err: error }, 'learning the size of a kind failed'));
}

/**
 * Writes a follow's progress (the kind's state, its whole listing). A store that does not take it
 * leaves the kind as not followed, which is never a wrong claim: whoever waits for the follow then
 * finds memory not fresh and calls for itself. It never fails the read that made the follow.
 */
async function progress(s: Session, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    s.log.debug(
      { err: error },
      'the budget store did not take a follow’s progress: the kind stays unfollowed',
    );
  }
}

// Following reads and writes its progress through the store itself (store.kindState,
// store.advanceKind, store.putPage), not its fallback: a kind whose progress cannot be read is not
// followed, one whose progress cannot be written is not marked followed (progress()).
async function followNow(s: Session, contextId: ContextId, purpose: FollowPurpose, mode: FollowMode) {
  const sentAt = s.rt.now();
  let kind: KindState;
  try {
    kind = await s.rt.store.kindState(s.scope, contextId);
  } catch (error) {
    s.log.debug({ err: error }, 'the budget store did not answer: the kind is not followed now');
    return;
  }
  if (s.key.trusted(await s.key.usable(), contextId)) {
    keepHeld(s, contextId, kind);
    // Someone brought the kind up to date since this caller looked: nothing left to do.
    if (followedAlready(kind, mode, purpose, sentAt, s.rt.settings)) return;
  } else if (mode === 'any' && (await proveByDeletionCheck(s, contextId, kind, sentAt))) {
    // This key's proof was the held kind's deletion check, due anyway; its feed is fresh.
    return;
  }
  const { how, lapsed } = followPlan(kind, mode, sentAt, s.rt.settings);
  // A held kind's feed, when a reader waits for it, is the one call that keeps every read of the
  // kind free: it goes at an edit's priority (as a held kind's deletion check does when due), so
  // that a busy minute refuses it no more than an edit, rather than refuse every reader meanwhile.
  // It is shared (one call whoever asks), and fresh for the freshness bound, so no caller can
  // make it more frequent.
  const send: CallPurpose = purpose === 'read' && heldNow(kind, sentAt, s.rt.settings) ? 'edit' : purpose;
  const step = { s, contextId, kind, lapsed, sentAt, purpose, send };
  if (how === 'sweep') return sweep(step);
  // A feed SalesBinder answers whole (modifiedSince ignored) is not asked again for a while.
  if ((s.rt.held.feedIgnored.get(heldKeyOf(s.scope, contextId)) ?? 0) > sentAt) return;
  return changes(step);
}

/** One follow of a kind: the kind as it stood, and when the follow began. */
interface FollowStep {
  s: Session;
  contextId: ContextId;
  kind: KindState;
  /** Not followed within the deletion bound: what is now covered starts at `sentAt`. */
  lapsed: boolean;
  sentAt: number;
  purpose: FollowPurpose;
  /** The priority its calls are sent at. */
  send: CallPurpose;
}

/** Every account of the kind, at most `sweepMaxPages` calls: what is missing was deleted. */
async function sweep(step: FollowStep): Promise<void> {
  const { s, contextId, kind, lapsed, sentAt } = step;
  const { store, settings } = s.rt;
  let first: CustomerPage;
  try {
    first = await listPage(s, { contextId, page: 1, pageLimit: FULL_PAGE }, step.send);
  } catch (error) {
    // A 404 for the first page is not "no accounts" (SalesBinder answers an empty kind with a
    // count of 0): one stray 404 must not make the kind look empty to everyone. The kind stays not
    // followed; whoever waits for it calls for itself.
    if (isStatus(error, 'SB_NOT_FOUND') || isStatus(error, 'SB_UNREADABLE', 404)) {
      s.log.debug('SalesBinder answered 404 for the first page of a sweep: the kind is not followed now');
      return;
    }
    throw error;
  }
  const sbTime = noteClock(s, first, sentAt);
  const count = first.count ?? first.customers.length;
  const pages = Math.ceil(count / FULL_PAGE);
  if (pages > settings.sweepMaxPages) {
    // Too large to sweep: remember the size, and follow the feed from here on. Its listing begins
    // now (held-kind.ts), with this page as its first: the kind counts as followed from this call
    // on (a record answered before it is served only within the freshness bound of its answer),
    // so that the next feed covers the listing from its start, rather than from later, which
    // would mean listing again; a reader waiting for this call asks for what it needs itself.
    const customers = lapsed ? await s.remember(first.customers, contextId, sentAt) : [];
    await progress(s, () =>
      store.advanceKind(s.scope, contextId, {
        sweptCount: count,
        ...(lapsed ? { coveredSince: sentAt, asOf: sentAt, feedFrom: sentAt } : {}),
      }),
    );
    if (lapsed)
      beginLoad(s, contextId, count, { at: sentAt, customers, leftOut: first.leftOut?.length ?? 0 });
    return;
  }
  const customers = [...first.customers];
  let leftOut = first.leftOut?.length ?? 0;
  for (let page = 2; page <= pages; page++) {
    const answer = await listPage(s, { contextId, page, pageLimit: FULL_PAGE }, step.send);
    customers.push(...answer.customers);
    leftOut += answer.leftOut?.length ?? 0;
  }
  const listed = await s.remember(customers, contextId, sentAt);
  // The whole list in SalesBinder's order: every page without a search is a cut of it. Its count
  // is what it serves: an odd record left out (domain/customer-page.ts) is not counted either.
  await progress(s, () =>
    store.putPage(s.scope, WHOLE(contextId), {
      ids: listed.map((c) => c.id),
      count: count - leftOut,
      fetchedAt: sentAt,
      sbTime,
    }),
  );
  const countChanged = kind.sweptCount >= 0 && kind.sweptCount !== count;
  await progress(s, () =>
    store.advanceKind(s.scope, contextId, {
      ...(lapsed ? { coveredSince: sentAt } : {}),
      asOf: sentAt,
      feedFrom: sentAt,
      sweptAt: sentAt,
      sweptCount: count,
      // Fewer (or more) accounts than the last sweep counted: pages remembered before this sweep
      // may hold other ones now (this sweep's own listing stands).
      ...(countChanged ? { listChangedAt: sbTime - settings.feedOverlapMs - 1 } : {}),
    }),
  );
}

/** The kind's changes since it was last followed (or, lapsed, from now on). */
async function changes(step: FollowStep): Promise<void> {
  const { s, contextId, kind, sentAt } = step;
  // A held kind not followed for a while asks the feed since it last did, rather than start
  // again: its listing stays right (deletions come from their own feed or a count).
  const resumed = step.lapsed && kind.heldSince > 0 && kind.asOf >= sentAt - s.rt.settings.heldReloadMs;
  const lapsed = step.lapsed && !resumed;
  // From where the feed last answered (a 404 since does not move it), else from `asOf`.
  const from = kind.feedFrom > 0 ? Math.min(kind.asOf, kind.feedFrom) : kind.asOf;
  const overlap = feedOverlap(s);
  const since = feedStart(lapsed ? sentAt : from, s.rt.skews.get(s.scope) ?? 0, { feedOverlapMs: overlap });
  const customers: Customer[] = [];
  let answered = false;
  for (let page = 1; ; page++) {
    let answer: CustomerPage;
    const query = { contextId, page, pageLimit: FULL_PAGE, modifiedSince: since };
    try {
      answer = await listPage(s, query, step.send);
    } catch (error) {
      if (!(isStatus(error, 'SB_NOT_FOUND') || (page === 1 && isStatus(error, 'SB_UNREADABLE', 404))))
        throw error;
      if (page > 1) break;
      // A 404 for the feed's first page is "nothing changed" (the host and path were proven by
      // earlier calls) or a stray one, which would hide every change of the window: asked once
      // more. Two 404s are "nothing changed"; the next feed still asks from where the last
      // answer left off (feedFrom).
      try {
        answer = await listPage(s, query, step.send);
      } catch (again) {
        if (isStatus(again, 'SB_NOT_FOUND') || isStatus(again, 'SB_UNREADABLE', 404)) break;
        throw again;
      }
    }
    answered = true;
    if (page === 1) noteClock(s, answer, sentAt);
    customers.push(...answer.customers);
    if (page === 1 && feedIgnored(s, contextId, answer, since, sentAt)) {
      // What came is whole and current (fresh for a while); the kind is not marked followed.
      await s.remember(customers, contextId, sentAt);
      return;
    }
    // Records left out as unreadable count: a full page is full (domain/customer-page.ts).
    if (answer.customers.length + (answer.leftOut?.length ?? 0) < FULL_PAGE) break;
    if (page >= MAX_FEED_PAGES) {
      // More changes than a few calls bring (a bulk import): what came is remembered, and the
      // feed moves on from now. What it did not bring may have changed: every account of the kind
      // remembered before is read again when asked (as after a lapse), rather than this window
      // asked again and again.
      await s.remember(customers, contextId, sentAt);
      if (overlap > s.rt.settings.feedOverlapMs) feedTooBusy(s);
      await progress(s, () =>
        s.rt.store.advanceKind(s.scope, contextId, { coveredSince: sentAt, asOf: sentAt, feedFrom: sentAt }),
      );
      return;
    }
  }
  // New accounts join the held listing before they are remembered: remembering one marks the
  // kind's lists changed, and a search worked out between the two would be kept without it.
  await joinHeld(s, contextId, customers);
  await s.remember(customers, contextId, sentAt);
  await progress(s, () =>
    s.rt.store.advanceKind(s.scope, contextId, {
      ...(lapsed ? { coveredSince: sentAt } : {}),
      asOf: sentAt,
      ...(answered ? { feedFrom: sentAt } : {}),
    }),
  );
}

/** An account this much older than the feed's window says SalesBinder ignored `modifiedSince`. */
const IGNORED_BY = 24 * 60 * 60 * 1000;

/**
 * Whether SalesBinder answered the change feed with accounts changed long before it was asked
 * for (it ignored `modifiedSince`): then the feed is one call, not three pages, and is not asked
 * again for the deletion bound, so that it costs no more than a follow; reads meanwhile ask for
 * what they need. A warning says so (once a bound).
 */
function feedIgnored(
  s: Session,
  contextId: ContextId,
  answer: CustomerPage,
  since: number,
  t: number,
): boolean {
  const old = answer.customers.some((c) => c.modifiedAt.getTime() < since * 1000 - IGNORED_BY);
  if (!old) return false;
  s.rt.held.feedIgnored.set(heldKeyOf(s.scope, contextId), t + s.rt.settings.deletedMs);
  s.log.warn(
    { feed: { contextId, since } },
    'SalesBinder answered the change feed with accounts unchanged for days (modifiedSince ignored): it is not asked again for a while',
  );
  return true;
}
