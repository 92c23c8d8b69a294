/**
 * The account model the GraphQL layer exposes, and the one place where SalesBinder's record
 * becomes it: renaming, blank strings to null, `context_id` to a kind, timestamps to instants.
 */

export const ACCOUNT_KINDS = ['CUSTOMER', 'PROSPECT', 'SUPPLIER'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/** SalesBinder's `context_id` of each kind. */
export const CONTEXT_ID_OF_KIND: Readonly<Record<AccountKind, number>> = {
  CUSTOMER: 2,
  PROSPECT: 8,
  SUPPLIER: 10,
};

export const KIND_OF_CONTEXT_ID: ReadonlyMap<number, AccountKind> = new Map(
  ACCOUNT_KINDS.map((kind) => [CONTEXT_ID_OF_KIND[kind], kind]),
);

export interface Address {
  line1: string | null;
  line2: string | null;
  city: string | null;
  region: string | null;
  country: string | null;
  postalCode: string | null;
}

export interface Customer {
  id: string;
  customerNumber: number | null;
  kind: AccountKind | null;
  name: string;
  officeEmail: string | null;
  officePhone: string | null;
  officeFax: string | null;
  url: string | null;
  vatNumber: string | null;
  billingAddress: Address;
  shippingAddress: Address;
  archived: boolean;
  createdAt: Date;
  modifiedAt: Date;
}

/** A decoded SalesBinder record: JSON gives numbers and booleans, XML gives strings only. */
export type WireRecord = Readonly<Record<string, unknown>>;

/** Thrown when a record lacks what every account has (`id`, `name`, `created`, `modified`). */
export class MalformedRecordError extends Error {
  override name = 'MalformedRecordError';
}

/** `""` (and anything that is not a string) is null; other strings are kept verbatim. */
function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function integer(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim())) return Number(value.trim());
  return null;
}

function flag(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    return v === '1' || v === 'true';
  }
  return false;
}

// RFC 3339 / ISO 8601 with a date, a time and an offset; Date.parse alone accepts far more
// (and reads an offset-less time as local time, which would shift every account by the TZ).
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i;

function instant(value: unknown): Date | null {
  if (typeof value !== 'string' || !TIMESTAMP.test(value)) return null;
  const date = new Date(value.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? null : date;
}

function addressFromWire(record: WireRecord, prefix: 'billing' | 'shipping'): Address {
  return {
    line1: text(record[`${prefix}_address_1`]),
    line2: text(record[`${prefix}_address_2`]),
    city: text(record[`${prefix}_city`]),
    region: text(record[`${prefix}_region`]),
    country: text(record[`${prefix}_country`]),
    postalCode: text(record[`${prefix}_postal_code`]),
  };
}

/** Maps one SalesBinder account record to a `Customer`; throws `MalformedRecordError` when it is not one. */
export function customerFromWire(record: unknown): Customer {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new MalformedRecordError('the answer holds no account record');
  }
  const r = record as WireRecord;
  const id = text(r.id);
  const createdAt = instant(r.created);
  const modifiedAt = instant(r.modified);
  if (id === null || typeof r.name !== 'string' || createdAt === null || modifiedAt === null) {
    throw new MalformedRecordError('the account record lacks id, name, created or modified');
  }
  const contextId = integer(r.context_id);
  return {
    id,
    customerNumber: integer(r.customer_number),
    kind: contextId === null ? null : (KIND_OF_CONTEXT_ID.get(contextId) ?? null),
    name: r.name,
    officeEmail: text(r.office_email),
    officePhone: text(r.office_phone),
    officeFax: text(r.office_fax),
    url: text(r.url),
    vatNumber: text(r.vat_number),
    billingAddress: addressFromWire(r, 'billing'),
    shippingAddress: addressFromWire(r, 'shipping'),
    archived: flag(r.archived),
    createdAt,
    modifiedAt,
  };
}
