/**
 * What an edit may change, the rules it must meet before anything is sent, and its translation
 * into SalesBinder's body. One table drives both directions (input → wire field, and a wire field
 * named in SalesBinder's 422 → input path), so the two can never disagree.
 */
import { z } from 'zod';
import { ACCOUNT_KINDS, type AccountKind, CONTEXT_ID_OF_KIND } from './customer.ts';
import { VERSION_PATTERN } from './customer-version.ts';
import { isCarriableText } from './text.ts';

export interface AddressChanges {
  line1?: string | null | undefined;
  line2?: string | null | undefined;
  city?: string | null | undefined;
  region?: string | null | undefined;
  country?: string | null | undefined;
  postalCode?: string | null | undefined;
}

/** A field left out (undefined) is not touched; null clears it. */
export interface CustomerChanges {
  name?: string | null | undefined;
  officeEmail?: string | null | undefined;
  officePhone?: string | null | undefined;
  officeFax?: string | null | undefined;
  url?: string | null | undefined;
  billingAddress?: AddressChanges | null | undefined;
  shippingAddress?: AddressChanges | null | undefined;
}

/** The body of an edit: SalesBinder field name → value, in a fixed order. */
export type WireChanges = Record<string, string>;

/** A new account: its kind and name are required, every other field is optional. */
export interface NewCustomer extends CustomerChanges {
  kind: AccountKind;
  name: string;
}

/** The body of a create: `context_id` (a number, as SalesBinder's examples send it) first, then the fields. */
export type WireNewCustomer = Record<string, string | number>;

const SCALAR_FIELDS = [
  ['name', 'name'],
  ['officeEmail', 'office_email'],
  // SalesBinder's field table says office_number; its examples, its answers and its own plugin
  // use office_phone, and office_number is silently ignored.
  ['officePhone', 'office_phone'],
  ['officeFax', 'office_fax'],
  ['url', 'url'],
] as const satisfies ReadonlyArray<readonly [keyof CustomerChanges, string]>;

const ADDRESS_FIELDS = [
  ['line1', 'address_1'],
  ['line2', 'address_2'],
  ['city', 'city'],
  ['region', 'region'],
  ['country', 'country'],
  ['postalCode', 'postal_code'],
] as const satisfies ReadonlyArray<readonly [keyof AddressChanges, string]>;

const ADDRESSES = [
  ['billingAddress', 'billing'],
  ['shippingAddress', 'shipping'],
] as const satisfies ReadonlyArray<readonly [keyof CustomerChanges, string]>;

/** Every value SalesBinder stores is at most this many characters (Unicode code points). */
export const MAX_VALUE_LENGTH = 255;

/** SalesBinder's account ids are UUIDs; anything else is refused before a request is made. */
const CUSTOMER_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isCustomerId(id: string): boolean {
  return CUSTOMER_ID_PATTERN.test(id);
}

/** Translates changes into SalesBinder's body: only the given fields, null as `""`, values verbatim. */
export function wireChangesFrom(changes: CustomerChanges): WireChanges {
  const body: WireChanges = {};
  for (const [field, wire] of SCALAR_FIELDS) {
    const value = changes[field];
    if (value !== undefined) body[wire] = value ?? '';
  }
  for (const [field, prefix] of ADDRESSES) {
    const address = changes[field];
    if (address === undefined) continue;
    for (const [part, wire] of ADDRESS_FIELDS) {
      // A null address clears all six of its fields.
      const value = address === null ? null : address[part];
      if (value !== undefined) body[`${prefix}_${wire}`] = value ?? '';
    }
  }
  return body;
}

/** A create's body: the kind's `context_id`, then the fields as an edit sends them. */
export function wireNewCustomerFrom(customer: NewCustomer): WireNewCustomer {
  return { context_id: CONTEXT_ID_OF_KIND[customer.kind], ...wireChangesFrom(customer) };
}

const INPUT_PATH_OF_WIRE_FIELD = new Map<string, readonly string[]>([
  // Only a create sends it (the kind's context id).
  ['context_id', ['input', 'kind']],
  ...SCALAR_FIELDS.map(([field, wire]) => [wire, ['input', field]] as const),
  ...ADDRESSES.flatMap(([field, prefix]) =>
    ADDRESS_FIELDS.map(([part, wire]) => [`${prefix}_${wire}`, ['input', field, part]] as const),
  ),
]);

/** The GraphQL input path of a field SalesBinder complained about; `["input"]` when it has none. */
export function inputPathOfWireField(wireField: string): string[] {
  return [...(INPUT_PATH_OF_WIRE_FIELD.get(wireField) ?? ['input'])];
}

// ---- Rules checked before anything is sent --------------------------------------------------

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

const TOO_LONG = `Must be at most ${MAX_VALUE_LENGTH} characters`;

const NOT_TEXT = 'Must not contain control characters (other than tab and line breaks) or invalid Unicode';

const value = z
  .string()
  .refine((v) => codePoints(v) <= MAX_VALUE_LENGTH, TOO_LONG)
  .refine(isCarriableText, NOT_TEXT);
const clearable = value.nullable().optional();

const requiredName = z
  .string({ error: (issue) => (issue.input === null ? 'The name cannot be cleared' : undefined) })
  .refine((v) => v.trim() !== '', 'The name cannot be blank')
  .refine((v) => codePoints(v) <= MAX_VALUE_LENGTH, TOO_LONG)
  .refine(isCarriableText, NOT_TEXT);
const name = requiredName.optional();

// What <input type="email"> accepts (the WHATWG HTML rule), as zod ships it.
const officeEmail = value
  .regex(z.regexes.html5Email, 'Must be an e-mail address such as name@example.com')
  .nullable()
  .optional();

const address = z
  .object(Object.fromEntries(ADDRESS_FIELDS.map(([part]) => [part, clearable])))
  .nullable()
  .optional();

function hasChanges(changes: CustomerChanges): boolean {
  return Object.keys(wireChangesFrom(changes)).length > 0;
}

const fields = {
  name,
  officeEmail,
  officePhone: clearable,
  officeFax: clearable,
  url: clearable,
  billingAddress: address,
  shippingAddress: address,
};

const changes = z
  .object(fields)
  .refine(hasChanges, 'Nothing to change: give at least one field (null clears one)');

const accountId = z.string().regex(CUSTOMER_ID_PATTERN, 'Must be a SalesBinder account id (a UUID)');

/** `Customer.version` as ifMatch takes it: a value this API returned, or nothing. */
const ifMatch = z.string().regex(VERSION_PATTERN, 'Must be a Customer.version this API returned').nullish();

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const idempotencyKey = z
  .string()
  .refine((v) => v.trim() !== '', 'Must not be empty: any string up to 255 characters, unique per create')
  .refine(
    (v) => codePoints(v) <= MAX_IDEMPOTENCY_KEY_LENGTH,
    `Must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
  )
  .refine((v) => v.isWellFormed(), 'Must be valid Unicode')
  .nullish();

/**
 * The arguments of an edit as one schema, so that every broken rule is reported at once (a
 * validator per input type would only run once its fields' validators had passed).
 */
export const updateCustomerRules = z.object({
  id: accountId,
  input: changes,
  ifUnmodifiedSince: z.unknown().optional(),
  ifMatch,
});

/** The arguments of a create, every broken rule at once: the edit's rules, with kind and name required. */
export const createCustomerRules = z.object({
  input: z.object({ ...fields, kind: z.enum(ACCOUNT_KINDS), name: requiredName }),
  idempotencyKey,
});

/** The arguments of a delete. */
export const deleteCustomerRules = z.object({
  id: accountId,
  ifUnmodifiedSince: z.unknown().optional(),
  ifMatch,
});
