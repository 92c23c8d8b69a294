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

/** The kind of a SalesBinder `context_id`; undefined for a context this gateway does not know. */
export function kindOfContextId(contextId: number): AccountKind | undefined {
  return KIND_OF_CONTEXT_ID.get(contextId);
}

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
  /** null when SalesBinder's record does not say (its View and List answers may leave it out). */
  archived: boolean | null;
  createdAt: Date;
  modifiedAt: Date;
}

/** A decoded SalesBinder record: JSON gives numbers and booleans, XML gives strings only. */
export type WireRecord = Readonly<Record<string, unknown>>;

/**
 * The fields of a Customer an answer did not carry (SalesBinder's View and List answers leave some
 * out), as paths (`vatNumber`, `billingAddress.city`): null there means unknown, not blank, and a
 * richer answer's value may stand (budget: store.ts, mergeRecord). Kept beside the object, so that
 * the Customer itself is what every other layer sees.
 */
const UNSAID = new WeakMap<Customer, readonly string[]>();

/** The paths of the fields the answer `customer` was read from did not carry; empty for a whole record. */
export function unsaidFields(customer: Customer): readonly string[] {
  return UNSAID.get(customer) ?? [];
}

/** `to`, a copy of `from` with other values, keeps what `from` did not say (returns `to`). */
export function keepUnsaid<T extends Customer>(to: T, from: Customer): T {
  const unsaid = UNSAID.get(from);
  if (unsaid !== undefined && to !== from) UNSAID.set(to, unsaid);
  return to;
}

/** The Customer path each SalesBinder field maps to, for the fields answers may leave out. */
const PATH_OF_FIELD: ReadonlyArray<readonly [string, string]> = [
  ['customer_number', 'customerNumber'],
  ['office_email', 'officeEmail'],
  ['office_phone', 'officePhone'],
  ['office_fax', 'officeFax'],
  ['url', 'url'],
  ['vat_number', 'vatNumber'],
  ['archived', 'archived'],
  ...(['billing', 'shipping'] as const).flatMap((prefix) =>
    (
      [
        ['address_1', 'line1'],
        ['address_2', 'line2'],
        ['city', 'city'],
        ['region', 'region'],
        ['country', 'country'],
        ['postal_code', 'postalCode'],
      ] as const
    ).map(([field, path]) => [`${prefix}_${field}`, `${prefix}Address.${path}`] as const),
  ),
];

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

/**
 * `true`/`false`, `1`/`0` and their string forms; anything else (absent, `null`, `""` as XML
 * writes a null, or a value of no known form) is unknown, and unknown is null, never a guess.
 */
function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (v === 1 || v === '1' || v === 'true') return true;
  if (v === 0 || v === '0' || v === 'false') return false;
  return null;
}

// RFC 3339 / ISO 8601 with a date and a time. Date.parse alone accepts far more, and reads a time
// without an offset as the server's local time, which would shift every account by its zone.
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An instant; null when the value is none. A time without an offset (`2016-11-11 01:13:09`, as
 * a MySQL column prints) is read as UTC: SalesBinder writes its times in UTC (`+00:00` in every
 * documented answer), and refusing such a record would make its account unreadable, and, were
 * every record written so, every read. Assumed, not documented.
 */
function instant(value: unknown): Date | null {
  const match = typeof value === 'string' ? TIMESTAMP.exec(value.trim()) : null;
  if (!match) return null;
  const [, day, time, offset] = match;
  const date = new Date(`${day}T${time}${offset ?? 'Z'}`);
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

/** SalesBinder's `context_id` → kind; undefined when the record does not say (absent, null or blank). */
function kindOf(value: unknown): AccountKind | null | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return undefined;
  }
  const contextId = integer(value);
  return contextId === null ? null : (kindOfContextId(contextId) ?? null);
}

/**
 * Maps one SalesBinder account record to a `Customer`; throws `MalformedRecordError` when it is not one.
 *
 * `listedAs` is the kind of the list the record was read from (`contextId=N`): SalesBinder's List
 * answer may leave `context_id` out, yet every record of it is of the kind asked for. A record that
 * does say its context keeps its own word, even when it differs: it is the more specific statement,
 * and a list that mixes kinds is SalesBinder's to explain, not the gateway's to overwrite.
 */
export function customerFromWire(record: unknown, listedAs?: AccountKind): Customer {
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
  const ownKind = kindOf(r.context_id);
  const customer: Customer = {
    id,
    customerNumber: integer(r.customer_number),
    kind: ownKind === undefined ? (listedAs ?? null) : ownKind,
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
  const unsaid = PATH_OF_FIELD.filter(([field]) => r[field] === undefined).map(([, path]) => path);
  if (unsaid.length > 0) UNSAID.set(customer, unsaid);
  return customer;
}

/** A Customer as JSON (its instants as RFC 3339 strings) back to a Customer, for what is stored. */
export function customerFromJson(
  value:
    | Customer
    | (Omit<Customer, 'createdAt' | 'modifiedAt'> & {
        createdAt: string;
        modifiedAt: string;
      }),
): Customer {
  return { ...value, createdAt: new Date(value.createdAt), modifiedAt: new Date(value.modifiedAt) };
}
