/**
 * What was deleted of a held kind (held-kind.ts) since a moment: SalesBinder's `deleted_log` for
 * the kinds it is trusted to cover (`deletedLogKinds`), checked by a count now and then
 * (`countCheckMs`); a count alone for the others, and for a kind whose `deleted_log` failed or
 * missed a deletion here (then a warning says so).
 */
import type { CustomerPage } from '../../domain/customer-page.ts';
import { SalesBinderError } from '../errors.ts';
import { FULL_PAGE, feedStart } from './freshness.ts';
import { heldKeyOf } from './held-state.ts';
import type { CallPurpose } from './key-trust.ts';
import type { Session } from './session.ts';
import type { ContextId } from './store/store.ts';

/** A deletion feed that needs more pages than this is not read further: the kind is counted. */
const MAX_DELETION_PAGES = 3;

type DeletionVerdict =
  | 'list again'
  | {
      /** Ids SalesBinder's deletion feed named. */
      gone: string[];
      /**
       * Whether every deletion is known: the deletion feed answered (and a count, when one was
       * made, is not lower), or the count matches. Not when a count is higher than the listing
       * without a deletion feed (a new account the change feed has not shown yet): next time.
       */
      confirmed: boolean;
    };

/**
 * What was deleted of the kind since `from` (our clock): `deleted_log` where it is trusted for the
 * kind, and a count now and then (always where it is not). `size`: the listing's accounts before.
 */
export async function deletionsSince(
  s: Session,
  contextId: ContextId,
  from: number,
  size: number,
  purpose: CallPurpose,
): Promise<DeletionVerdict> {
  const { settings, now, held } = s.rt;
  const key = heldKeyOf(s.scope, contextId);
  // A kind just listed counts as counted then (a deletion feed is checked by a count later).
  const standing = held.counted.get(key) ?? { demoted: false, countedAt: now() };
  held.counted.set(key, standing);
  let gone: string[] | undefined;
  if (settings.deletedLogKinds.includes(contextId) && !standing.demoted) {
    try {
      gone = await deletedIds(s, contextId, feedStart(from, s.rt.skews.get(s.scope) ?? 0, settings), purpose);
    } catch (error) {
      // Not sent (no room in the windows), or the key's own answer (401, 403: a key that may not
      // read the kind proves nothing of the feed): try again later. Any other answer but a list:
      // count instead.
      if (
        error instanceof SalesBinderError &&
        (error.status === undefined || error.status === 401 || error.status === 403)
      )
        throw error;
      standing.demoted = true;
      s.log.warn(
        { deletedLog: { contextId, status: error instanceof SalesBinderError ? error.status : undefined } },
        "SalesBinder's deleted_log did not answer for this kind: its deletions are learned from counts",
      );
    }
  }
  const countDue = gone === undefined || standing.countedAt < now() - settings.countCheckMs;
  if (!countDue) return { gone: gone ?? [], confirmed: true };
  const counted = await listPage(s, { contextId, page: 1, pageLimit: 1 }, purpose);
  standing.countedAt = now();
  const count = counted.count ?? 0;
  const left = size - new Set(gone ?? []).size;
  if (count < left) {
    if (gone !== undefined) {
      standing.demoted = true;
      s.log.warn(
        { deletedLog: { contextId, missed: left - count } },
        "SalesBinder's deleted_log missed deletions of this kind: its deletions are learned from counts",
      );
    }
    return 'list again';
  }
  return { gone: gone ?? [], confirmed: gone !== undefined || count === left };
}

/** Every id the deletion feed lists since `since` (epoch seconds), a few pages at most. */
async function deletedIds(
  s: Session,
  contextId: ContextId,
  since: number,
  purpose: CallPurpose,
): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; page <= MAX_DELETION_PAGES; page++) {
    const answer = await s.key.send(
      purpose,
      () => contextId,
      (priority) =>
        s.calls.listDeletions({ contextId, deletedSince: since, page, pageLimit: FULL_PAGE }, { priority }),
    );
    ids.push(...answer.ids);
    if (answer.ids.length < FULL_PAGE || ids.length >= answer.count) return ids;
  }
  throw new SalesBinderError('SB_UNREADABLE', 'more deletions than a few pages list', { status: 200 });
}

/**
 * One list call of a kind for following or keeping it (follow-kind.ts, held-kind.ts), with this
 * caller's key: its answer proves the key for the kind, a 403 takes the kind from the key.
 */
export function listPage(
  s: Session,
  query: { contextId: ContextId; page: number; pageLimit: number; modifiedSince?: number },
  purpose: CallPurpose,
): Promise<CustomerPage> {
  return s.key.send(
    purpose,
    () => query.contextId,
    (priority) => s.calls.listCustomers(query, { priority }),
    query.contextId,
  );
}
