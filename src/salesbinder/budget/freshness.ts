/**
 * Pure decisions of time: may a remembered record or page be served now, and when must a kind be
 * followed (its change feed asked, or its whole listing swept). No store, no clock: each takes
 * what is remembered, the time `t` and the settings, so that test/unit/freshness.test.ts can hold
 * them to tables of cases. Whether a key may be served at all is key-trust.ts's.
 */
import type { BudgetSettings } from './settings.ts';
import type { KindState, RememberedPage, RememberedRecord } from './store/store.ts';

/** The largest page SalesBinder answers: sweeps and feeds ask for it. */
export const FULL_PAGE = 200;
/** A change feed that needs more calls than this is given up for now (see follow-kind.ts). */
export const MAX_FEED_PAGES = 3;

type Bounds = Pick<BudgetSettings, 'freshMs' | 'deletedMs'>;

/** The most accounts a sweep lists (`sweepMaxPages` full pages). */
export function sweepLimit(settings: Pick<BudgetSettings, 'sweepMaxPages'>): number {
  return FULL_PAGE * settings.sweepMaxPages;
}

/**
 * Whether the kind is held whole (held-kind.ts) at `t`: listed since its feed's coverage began,
 * and its deletions checked since, within the deletion bound.
 */
export function heldNow(kind: KindState, t: number, s: Pick<BudgetSettings, 'deletedMs'>): boolean {
  return (
    kind.heldSince > 0 &&
    kind.heldSince >= kind.coveredSince &&
    kind.sweptAt >= kind.heldSince &&
    kind.sweptAt >= t - s.deletedMs
  );
}

/**
 * Whether a held kind's whole listing may serve its pages, counts and searches at `t`: held, and
 * its feed followed within the freshness bound (new accounts join the listing as the feed shows them).
 */
export function heldServable(kind: KindState, t: number, s: Bounds): boolean {
  return heldNow(kind, t, s) && kind.asOf >= t - s.freshMs;
}

/** Whether a record is fresh enough to serve at `t` (trust in its kind is checked apart). */
export function recordServable(record: RememberedRecord, kind: KindState, t: number, s: Bounds): boolean {
  if (!confirmed(record, t, s, kind)) return false;
  if (record.fetchedAt >= t - s.freshMs) return true;
  // Followed since before this version was fetched, and followed recently: nothing newer exists.
  return kind.asOf >= t - s.freshMs && record.fetchedAt >= kind.coveredSince;
}

/** Whether SalesBinder's 404 for an account (at `goneAt`) still stands at `t`. */
export function goneServable(goneAt: number, t: number, s: Pick<BudgetSettings, 'freshMs'>): boolean {
  return goneAt >= t - s.freshMs;
}

/**
 * Whether a remembered page's list of accounts can still be right at `t`: asked for after the
 * gateway last created or deleted an account of the kind, and fetched within the freshness bound,
 * or followed since without a change that could move accounts between pages. (Each of its
 * records must also have been confirmed within the deletion bound: `confirmed`.)
 */
export function pageServable(
  page: RememberedPage,
  kind: KindState,
  t: number,
  s: Pick<BudgetSettings, 'freshMs' | 'deletedMs' | 'feedOverlapMs'>,
): boolean {
  if (page.fetchedAt <= kind.writtenAt) return false;
  const fetchedFresh = page.fetchedAt >= t - s.freshMs;
  const stillRight =
    kind.asOf >= t - s.freshMs &&
    page.fetchedAt >= kind.coveredSince &&
    kind.listChangedAt < page.sbTime - s.feedOverlapMs &&
    // Deletions do not show in the feed: a page stands only as long as one may be missed.
    (page.fetchedAt >= t - s.deletedMs ||
      (kind.sweptAt >= page.fetchedAt && kind.sweptAt >= t - s.deletedMs));
  return fetchedFresh || stillRight;
}

/**
 * Whether the record cannot have been deleted unseen: SalesBinder returned it within the deletion
 * bound, or its kind is held and was returned since the listing began (deletion checks since then
 * took deleted accounts out of memory).
 */
export function confirmed(
  record: RememberedRecord,
  t: number,
  s: Pick<BudgetSettings, 'deletedMs'>,
  kind?: KindState,
): boolean {
  if (record.confirmedAt >= t - s.deletedMs) return true;
  return kind !== undefined && heldNow(kind, t, s) && record.confirmedAt >= kind.heldSince;
}

/**
 * Whether the kind's whole listing (the last sweep) may serve pages without a search: a kind of
 * at most one full page for anyone, up to `sweepMaxPages` for a key accepted for the kind.
 */
export function sweepServesKind(
  kind: KindState,
  trusted: boolean,
  s: Pick<BudgetSettings, 'sweepMaxPages'>,
): boolean {
  return kind.sweptCount <= (trusted ? sweepLimit(s) : FULL_PAGE);
}

export type FollowMode = 'any' | 'sweep';
export type FollowPurpose = 'read' | 'background';

/** Whether someone brought the kind up to date recently enough that following it now is not needed. */
export function followedAlready(
  kind: KindState,
  mode: FollowMode,
  purpose: FollowPurpose,
  t: number,
  s: Pick<BudgetSettings, 'freshMs' | 'feedOverlapMs'>,
): boolean {
  return mode === 'sweep'
    ? kind.sweptAt >= t - s.freshMs / 2 &&
        kind.listChangedAt < kind.sweptAt - s.feedOverlapMs &&
        kind.sweptAt > kind.writtenAt
    : kind.asOf >= t - s.freshMs * (purpose === 'background' ? 0.4 : 0.5);
}

/**
 * How to follow the kind at `t`: a sweep (the whole kind) when deletions are due to be found or
 * the feed was not followed recently enough, and the kind is small enough; else the change feed.
 * `lapsed`: the feed was not followed within the deletion bound, so it starts again from `t`.
 */
export function followPlan(
  kind: KindState,
  mode: FollowMode,
  t: number,
  s: Pick<BudgetSettings, 'deletedMs' | 'sweepMaxPages'>,
): { how: 'sweep' | 'changes'; lapsed: boolean } {
  const lapsed = kind.asOf < t - s.deletedMs;
  // Where one call lists the whole kind, it does all a feed does and more (deletions, the order
  // of every page): always sweep then.
  const sweepDue = mode === 'sweep' || kind.sweptCount <= FULL_PAGE || kind.sweptAt < t - s.deletedMs / 2;
  const how = (lapsed || sweepDue) && kind.sweptCount <= sweepLimit(s) ? 'sweep' : 'changes';
  return { how, lapsed };
}

/**
 * Whether serving from memory at `t` should also follow the kind in the background: its feed
 * nears the freshness bound, or the key's trust for the kind (`keyKindAt`, when SalesBinder last
 * let it read the kind) is half spent, which the next follow renews.
 */
export function followAheadDue(
  kind: KindState,
  keyKindAt: number,
  t: number,
  s: Pick<BudgetSettings, 'freshMs' | 'keyTrustMs'>,
): boolean {
  // Late enough that a busy account follows about four times a minute, early enough that the
  // background call (which never waits for a slot) has a few seconds to find one before every
  // read must wait for a follow of its own.
  const feedAging = kind.asOf < t - s.freshMs * 0.8;
  // A key half way through its trust takes the next follow a little early, which renews it.
  const trustAging = keyKindAt < t - s.keyTrustMs / 2 && kind.asOf < t - s.freshMs * 0.4;
  return feedAging || trustAging;
}

/**
 * Epoch seconds from which the feed must ask, for changes after `from` (our clock) not to be
 * missed: SalesBinder's clock runs `skew` ms from ours (≤ 0), its boundary second is unknown.
 */
export function feedStart(from: number, skew: number, s: Pick<BudgetSettings, 'feedOverlapMs'>): number {
  return Math.max(0, Math.floor((from + skew - s.feedOverlapMs) / 1000));
}

/**
 * SalesBinder's clock against ours, from an answer's Date header (`answeredAt`) and when the call
 * was sent and received: only ever ≤ 0 (a clock ahead of ours only widens the overlap) and at
 * most an hour behind. The header's whole seconds only ever make it lower.
 */
export function skewFrom(answeredAt: number, sentAt: number, receivedAt: number): number {
  const sample = answeredAt - (sentAt + receivedAt) / 2;
  return Math.max(-3_600_000, Math.min(0, Math.round(sample)));
}
