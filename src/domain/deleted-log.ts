/**
 * SalesBinder's deletion feed, `deleted_log.{json|xml}` (salesbinder-api.md): the ids of accounts
 * of a kind deleted since an instant. `count`, `page` and `pages` come as strings (`pages` 0 when
 * nothing was deleted); the records sit under `deletedlog` (one client also accepts
 * `deleted_log`), as an array of arrays or flat; in XML (assumed) as `<deletedlog>` holding
 * `<deleted_log>` elements. One entry that cannot be read is left out, not the answer.
 */
import { MalformedRecordError } from './customer.ts';
import { countFromWire } from './customer-page.ts';

export interface DeletionPage {
  /** SalesBinder's count of deletions since the instant asked, over every page. */
  count: number;
  /** The ids deleted, as this page lists them. */
  ids: string[];
}

/** Every entry, however SalesBinder nested them (arrays of arrays, XML's element wrapper). */
function entries(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.flatMap(entries);
  if (typeof value === 'object' && !('record_id' in value) && 'deleted_log' in value)
    return entries((value as { deleted_log: unknown }).deleted_log);
  return [value];
}

/**
 * One page of the deletion feed for `contextId`. An entry of another kind is left out (the feed
 * was asked for one kind); one without a string `record_id` too.
 */
export function deletionPageFromWire(envelope: unknown, contextId: number): DeletionPage {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope))
    throw new MalformedRecordError('the answer is not a deletion log');
  const e = envelope as Record<string, unknown>;
  const listed = e.deletedlog ?? e.deleted_log;
  if (listed === undefined && countFromWire(e.count) === undefined)
    throw new MalformedRecordError('the answer is not a deletion log');
  const ids: string[] = [];
  for (const entry of entries(listed)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { record_id: id, context_id: kind } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || id === '' || id.length > 100) continue;
    if (kind !== undefined && kind !== null && kind !== '' && Number(kind) !== contextId) continue;
    ids.push(id);
  }
  return { count: countFromWire(e.count) ?? ids.length, ids };
}
