/**
 * SalesBinder's list envelope, with its quirks (salesbinder-api.md): `count`, `page` and `pages`
 * arrive as strings, `pages` may be missing, and records sit in an array of arrays whose inner
 * shape differs between clients. And the arithmetic that maps a Relay window (offset, first)
 * onto SalesBinder's pages (page, pageLimit).
 */
import { Buffer } from 'node:buffer';
import { type Customer, customerFromWire, kindOfContextId, MalformedRecordError } from './customer.ts';

export interface CustomerPage {
  /**
   * SalesBinder's count of every account matching the query, not just this page; undefined when
   * SalesBinder gave none (a 404 past the last page).
   */
  count: number | undefined;
  customers: Customer[];
  /**
   * Places (0-based, in SalesBinder's order on this page) of the records left out because they
   * could not be read (no id, name, created or modified): a problem for those records only.
   * Absent when there were none; `customers` holds the others in order.
   */
  leftOut?: readonly number[];
  /** When SalesBinder answered, by its clock (its Date header), when it said. */
  answeredAt?: number;
}

/** SalesBinder accepts at most this many records per page. */
export const MAX_PAGE_LIMIT = 200;

/** One of SalesBinder's counts (`count`, `page`, `pages`): a whole number, or a string of digits. */
export function countFromWire(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** Every record, however deeply SalesBinder nested its arrays. */
function records(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value)) return [value];
  return value.flatMap(records);
}

/** SalesBinder answered another page than the one asked for. */
export class WrongPageError extends MalformedRecordError {
  override name = 'WrongPageError';
}

/** What the list was asked for, which its answer must match. */
export interface ListedAs {
  /** SalesBinder's `contextId`: every record of the answer is of its kind unless it says otherwise. */
  contextId: number;
  /** 1-based: an answer that names another page is not this page's data. */
  page: number;
}

/**
 * One page of SalesBinder's list. An answer for another page than the one asked for (its `page`
 * differs) is refused: read as data, it would repeat or skip accounts without anyone noticing.
 * An answer that does not name its page is taken as the page asked for.
 */
export function customerPageFromWire(envelope: unknown, asked: ListedAs): CustomerPage {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    throw new MalformedRecordError('the answer is not a list of accounts');
  }
  const e = envelope as Record<string, unknown>;
  if (e.page !== undefined && e.page !== null && e.page !== '') {
    const page = countFromWire(e.page);
    if (page !== asked.page) {
      throw new WrongPageError(`the answer names another page than page ${asked.page}`);
    }
  }
  const kind = kindOfContextId(asked.contextId);
  const customers: Customer[] = [];
  const leftOut: number[] = [];
  records(e.customers).forEach((record, place) => {
    try {
      customers.push(customerFromWire(record, kind));
    } catch (error) {
      if (!(error instanceof MalformedRecordError)) throw error;
      leftOut.push(place);
    }
  });
  const answered = customers.length + leftOut.length;
  // When none of several records can be read, it is the answer that is odd (another shape, another
  // endpoint), not its records: refused whole, as before, rather than served as an empty page.
  if (customers.length === 0 && leftOut.length > 1) {
    throw new MalformedRecordError('none of the records of the answer is an account record');
  }
  return { count: countFromWire(e.count) ?? answered, customers, ...(leftOut.length > 0 && { leftOut }) };
}

export interface PageRequest {
  /** 1-based, as SalesBinder counts. */
  page: number;
  pageLimit: number;
  /** Records of that page to drop before the window starts. */
  skip: number;
}

/**
 * The SalesBinder pages that hold records [offset, offset + first). One page when possible: a
 * window aligned on `first` (the usual case, paging with a constant `first`) is page
 * offset / first + 1; otherwise the smallest page size up to 200 whose page holds the whole
 * window; failing that, two consecutive pages of `first`.
 */
export function pagesFor(offset: number, first: number): PageRequest[] {
  for (let limit = first; limit <= MAX_PAGE_LIMIT; limit++) {
    const skip = offset % limit;
    if (skip + first <= limit) return [{ page: Math.floor(offset / limit) + 1, pageLimit: limit, skip }];
  }
  const page = Math.floor(offset / first) + 1;
  return [
    { page, pageLimit: first, skip: offset % first },
    { page: page + 1, pageLimit: first, skip: 0 },
  ];
}

// Cursors are opaque to clients: a versioned offset, base64url-encoded. Anything else a client
// sends as `after` was not made here and is refused.
const CURSOR = /^sbc1:(\d{1,9})$/;

export function cursorOf(offset: number): string {
  return Buffer.from(`sbc1:${offset}`).toString('base64url');
}

/** The offset after which the next page starts, or undefined for a cursor this gateway did not make. */
export function offsetAfterCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(cursor)) return undefined;
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) + 1 : undefined;
}
