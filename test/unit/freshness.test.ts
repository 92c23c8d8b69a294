/**
 * The budget's decisions of time (freshness.ts) and of trust (key-trust.ts), as tables: no server,
 * no store, no clock but the `t` each row gives. Each row is one case of the rule, most of them on
 * either side of a bound, so that a bound moved by a millisecond fails here.
 */
import { describe, expect, it } from 'vitest';
import type { Customer } from '../../src/domain/customer.ts';
import {
  confirmed,
  feedStart,
  followAheadDue,
  followedAlready,
  followPlan,
  goneServable,
  pageServable,
  recordServable,
  skewFrom,
  sweepServesKind,
} from '../../src/salesbinder/budget/freshness.ts';
import {
  acceptanceWriteDue,
  acceptedRecently,
  knownPerson,
  trustedFor,
} from '../../src/salesbinder/budget/key-trust.ts';
import { DEFAULT_BUDGET_SETTINGS as S } from '../../src/salesbinder/budget/settings.ts';
import type {
  KeyState,
  KindState,
  RememberedPage,
  RememberedRecord,
} from '../../src/salesbinder/budget/store/store.ts';

/** Now, in every row: far from 0, so that "never" (0) is always long ago. */
const T = 1_900_000_000_000;
const FRESH = S.freshMs; // 15 s
const DELETED = S.deletedMs; // 60 s
const TRUST = S.keyTrustMs; // 5 min
const OVERLAP = S.feedOverlapMs; // 2 s

const kind = (k: Partial<KindState> = {}): KindState => ({
  coveredSince: 0,
  asOf: 0,
  listChangedAt: 0,
  listChanges: 0,
  sweptAt: 0,
  feedFrom: 0,
  sweptCount: -1,
  heldSince: 0,
  writtenAt: 0,
  ...k,
});
const record = (fetchedAt: number, confirmedAt = fetchedAt): RememberedRecord => ({
  customer: { id: 'a' } as Customer,
  contextId: 2,
  fetchedAt,
  confirmedAt,
  listSig: '',
});
const page = (fetchedAt: number, sbTime = fetchedAt): RememberedPage => ({
  ids: ['a'],
  count: 1,
  fetchedAt,
  sbTime,
});
const key = (k: Partial<KeyState> = {}): KeyState => ({ acceptedAt: 0, kinds: {}, refusedUntil: 0, ...k });

describe('a remembered record may be served', () => {
  it.each([
    ['fetched just now, its kind never followed', record(T), kind(), true],
    ['fetched exactly the freshness bound ago', record(T - FRESH), kind(), true],
    ['fetched a millisecond past the bound, its kind not followed', record(T - FRESH - 1), kind(), false],
    [
      'older, but its kind followed recently since before it was fetched',
      record(T - 30_000),
      kind({ asOf: T - 1_000, coveredSince: T - 40_000 }),
      true,
    ],
    [
      'older, and the feed covers the kind only from after it was fetched',
      record(T - 30_000),
      kind({ asOf: T - 1_000, coveredSince: T - 20_000 }),
      false,
    ],
    [
      'older, and the kind last followed past the freshness bound',
      record(T - 30_000),
      kind({ asOf: T - FRESH - 1, coveredSince: T - 40_000 }),
      false,
    ],
    [
      'followed, but not returned by any call within the deletion bound',
      record(T - DELETED - 1),
      kind({ asOf: T - 1_000, coveredSince: T - 90_000 }),
      false,
    ],
    [
      'followed, and returned by a call exactly the deletion bound ago',
      record(T - 90_000, T - DELETED),
      kind({ asOf: T - 1_000, coveredSince: T - 100_000 }),
      true,
    ],
  ])('%s: %s', (_, r, k, expected) => {
    expect(recordServable(r, k, T, S)).toBe(expected);
  });
});

describe('SalesBinder’s 404 for an account stands', () => {
  it.each([
    [T, true],
    [T - FRESH, true],
    [T - FRESH - 1, false],
    [0, false],
  ])('answered at %d: %s', (goneAt, expected) => {
    expect(goneServable(goneAt, T, S)).toBe(expected);
  });
});

describe('a record was returned recently enough that its deletion cannot have been missed', () => {
  it.each([
    [T - DELETED, true],
    [T - DELETED - 1, false],
  ])('confirmed at %d: %s', (at, expected) => {
    expect(confirmed(record(at), T, S)).toBe(expected);
  });
});

describe('a remembered list page can still be right', () => {
  const followed = { asOf: T - 1_000, coveredSince: T - 30_000 };
  it.each([
    ['fetched just now, whatever its kind', page(T), kind(), true],
    ['fetched exactly the freshness bound ago', page(T - FRESH), kind(), true],
    ['older, its kind not followed', page(T - 20_000), kind(), false],
    ['older, its kind followed since and no listed field changed', page(T - 20_000), kind(followed), true],
    [
      'older, a listed field changed after it (beyond the feed overlap)',
      page(T - 20_000),
      kind({ ...followed, listChangedAt: T - 20_000 - OVERLAP }),
      false,
    ],
    [
      'older, a listed field changed just before the overlap began',
      page(T - 20_000),
      kind({ ...followed, listChangedAt: T - 20_000 - OVERLAP - 1 }),
      true,
    ],
    [
      'older, the feed covers the kind only from after it was fetched',
      page(T - 20_000),
      kind({ ...followed, coveredSince: T - 10_000 }),
      false,
    ],
    [
      'older, the kind last followed past the freshness bound',
      page(T - 20_000),
      kind({ ...followed, asOf: T - FRESH - 1 }),
      false,
    ],
    [
      'fetched past the deletion bound, no sweep since',
      page(T - DELETED - 1),
      kind({ asOf: T - 1_000, coveredSince: T - 90_000 }),
      false,
    ],
    [
      'fetched past the deletion bound, swept since (recently)',
      page(T - DELETED - 1),
      kind({ asOf: T - 1_000, coveredSince: T - 90_000, sweptAt: T - 10_000 }),
      true,
    ],
    [
      'fetched just now, but before the gateway created or deleted an account of its kind',
      page(T - 1),
      kind({ writtenAt: T - 1 }),
      false,
    ],
    ['fetched just after such a create or delete', page(T), kind({ writtenAt: T - 1 }), true],
    [
      'older, followed since, but asked for before a create or delete',
      page(T - 20_000),
      kind({ ...followed, writtenAt: T - 15_000 }),
      false,
    ],
  ])('%s: %s', (_, p, k, expected) => {
    expect(pageServable(p, k, T, S)).toBe(expected);
  });
});

describe('a kind’s whole listing serves its pages', () => {
  it.each([
    ['size unknown, any key', -1, false, true],
    ['one full page, a key not yet accepted for the kind', 200, false, true],
    ['more than one page, a key not yet accepted for the kind', 201, false, false],
    ['sweepMaxPages full pages, an accepted key', 600, true, true],
    ['more than sweepMaxPages pages, an accepted key', 601, true, false],
  ])('%s: %s', (_, sweptCount, trusted, expected) => {
    expect(sweepServesKind(kind({ sweptCount }), trusted, S)).toBe(expected);
  });
});

describe('following a kind is not needed: someone just did it', () => {
  it.each([
    [
      'a read, the feed followed half the freshness bound ago',
      'any',
      'read',
      kind({ asOf: T - FRESH / 2 }),
      true,
    ],
    ['a read, a millisecond more', 'any', 'read', kind({ asOf: T - FRESH / 2 - 1 }), false],
    ['background work, 0.4 of the bound ago', 'any', 'background', kind({ asOf: T - FRESH * 0.4 }), true],
    ['background work, a millisecond more', 'any', 'background', kind({ asOf: T - FRESH * 0.4 - 1 }), false],
    [
      'a sweep, swept half the bound ago, no change since',
      'sweep',
      'read',
      kind({ sweptAt: T - FRESH / 2 }),
      true,
    ],
    [
      'a sweep, swept recently but a listed field changed after it',
      'sweep',
      'read',
      kind({ sweptAt: T - 1_000, listChangedAt: T - 1_000 - OVERLAP }),
      false,
    ],
    [
      'a sweep, swept a millisecond too long ago',
      'sweep',
      'read',
      kind({ sweptAt: T - FRESH / 2 - 1 }),
      false,
    ],
  ] as const)('%s: %s', (_, mode, purpose, k, expected) => {
    expect(followedAlready(k, mode, purpose, T, S)).toBe(expected);
  });
});

describe('how a kind is followed', () => {
  it.each([
    ['never followed, size unknown', 'any', kind(), { how: 'sweep', lapsed: true }],
    [
      'followed, one page or less: always a sweep (it does all a feed does)',
      'any',
      kind({ asOf: T - 1_000, sweptAt: T - 1_000, sweptCount: 200 }),
      { how: 'sweep', lapsed: false },
    ],
    [
      'followed, several pages, swept recently: the feed',
      'any',
      kind({ asOf: T - 1_000, sweptAt: T - DELETED / 2, sweptCount: 500 }),
      { how: 'changes', lapsed: false },
    ],
    [
      'followed, several pages, a sweep due (half the deletion bound)',
      'any',
      kind({ asOf: T - 1_000, sweptAt: T - DELETED / 2 - 1, sweptCount: 500 }),
      { how: 'sweep', lapsed: false },
    ],
    [
      'a sweep asked for, several pages',
      'sweep',
      kind({ asOf: T - 1_000, sweptAt: T - 1_000, sweptCount: 500 }),
      { how: 'sweep', lapsed: false },
    ],
    [
      'too large to sweep: the feed, even when a sweep is due',
      'sweep',
      kind({ asOf: T - 1_000, sweptCount: 601 }),
      { how: 'changes', lapsed: false },
    ],
    [
      'too large, not followed within the deletion bound: the feed from now',
      'any',
      kind({ asOf: T - DELETED - 1, sweptCount: 2_500 }),
      { how: 'changes', lapsed: true },
    ],
    [
      'small, not followed within the deletion bound',
      'any',
      kind({ asOf: T - DELETED - 1, sweptAt: T - DELETED - 1, sweptCount: 50 }),
      { how: 'sweep', lapsed: true },
    ],
  ] as const)('%s', (_, mode, k, expected) => {
    expect(followPlan(k, mode, T, S)).toEqual(expected);
  });
});

describe('serving from memory also follows the kind ahead of need', () => {
  it.each([
    ['feed followed 0.8 of the freshness bound ago, key trusted lately', T - FRESH * 0.8, T, false],
    ['feed a millisecond older', T - FRESH * 0.8 - 1, T, true],
    ['key half through its trust, feed 0.4 of the bound old', T - FRESH * 0.4 - 1, T - TRUST / 2 - 1, true],
    [
      'key half through its trust, feed newer than 0.4 of the bound',
      T - FRESH * 0.4,
      T - TRUST / 2 - 1,
      false,
    ],
    ['key not yet half through its trust', T - FRESH * 0.4 - 1, T - TRUST / 2, false],
  ])('%s: %s', (_, asOf, keyKindAt, expected) => {
    expect(followAheadDue(kind({ asOf }), keyKindAt, T, S)).toBe(expected);
  });
});

describe('the change feed asks from', () => {
  it.each([
    ['the overlap before the last follow, in whole seconds', 10_000_500, 0, 9_998],
    ['earlier by SalesBinder’s clock running behind', 10_000_500, -1_500, 9_997],
    ['never before 0', 1_000, -5_000, 0],
  ])('%s', (_, from, skew, expected) => {
    expect(feedStart(from, skew, S)).toBe(expected);
  });
});

describe('SalesBinder’s clock against ours, from a Date header', () => {
  it.each([
    ['behind: the middle of the call against the header', 1_000, 1_000, 1_200, -100],
    ['ahead: taken as level (it only widens the overlap)', 5_000, 1_000, 1_200, 0],
    ['hours behind: at most an hour', 0, 10_000_000, 10_000_000, -3_600_000],
  ])('%s', (_, answeredAt, sentAt, receivedAt, expected) => {
    expect(skewFrom(answeredAt, sentAt, receivedAt)).toBe(expected);
  });
});

describe('what SalesBinder said of a key', () => {
  it.each([
    ['accepted exactly the trust window ago', key({ acceptedAt: T - TRUST }), true],
    ['accepted a millisecond longer ago', key({ acceptedAt: T - TRUST - 1 }), false],
    ['never accepted', key(), false],
  ])('%s: accepted recently %s', (_, state, expected) => {
    expect(acceptedRecently(state, T, S)).toBe(expected);
  });

  it.each([
    ['accepted exactly a day (knownPersonMs) ago', key({ acceptedAt: T - S.knownPersonMs }), true],
    ['accepted a millisecond longer ago', key({ acceptedAt: T - S.knownPersonMs - 1 }), false],
    ['never accepted', key(), false],
  ])('%s: a known person, not a newcomer, %s', (_, state, expected) => {
    expect(knownPerson(state, T, S)).toBe(expected);
  });

  it.each([
    ['let read this kind exactly the trust window ago', key({ kinds: { 2: T - TRUST } }), true],
    ['a millisecond longer ago', key({ kinds: { 2: T - TRUST - 1 } }), false],
    ['accepted, but only for another kind', key({ acceptedAt: T, kinds: { 8: T } }), false],
    ['accepted for no kind yet (a 404)', key({ acceptedAt: T }), false],
  ])('%s: may read customers from memory %s', (_, state, expected) => {
    expect(trustedFor(state, 2, T, S)).toBe(expected);
  });

  it.each([
    ['nothing known of it', undefined, 2, true],
    [
      'stored a tenth of the window ago, for this kind',
      key({ acceptedAt: T - TRUST / 10, kinds: { 2: T - TRUST / 10 } }),
      2,
      false,
    ],
    [
      'stored a millisecond more than a tenth ago',
      key({ acceptedAt: T - TRUST / 10 - 1, kinds: { 2: T - TRUST / 10 - 1 } }),
      2,
      true,
    ],
    ['stored lately, but not for this kind', key({ acceptedAt: T, kinds: { 8: T } }), 2, true],
    ['stored lately, and the call said no kind', key({ acceptedAt: T }), null, false],
  ] as const)('%s: acceptance written again %s', (_, current, contextId, expected) => {
    expect(acceptanceWriteDue(current, contextId, T, S)).toBe(expected);
  });
});
