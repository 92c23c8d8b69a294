import type { CustomerRecord } from './seed.ts';

/** The fields of SalesBinder's Add and Edit Account pages (with `office_phone`, as every example uses). */
export const EDITABLE_FIELDS = [
  'name',
  'office_email',
  'office_phone',
  'office_fax',
  'url',
  'billing_address_1',
  'billing_address_2',
  'billing_city',
  'billing_region',
  'billing_country',
  'billing_postal_code',
  'shipping_address_1',
  'shipping_address_2',
  'shipping_city',
  'shipping_region',
  'shipping_country',
  'shipping_postal_code',
] as const satisfies readonly (keyof CustomerRecord)[];

export type EditableField = (typeof EDITABLE_FIELDS)[number];
export type Changes = Partial<Pick<CustomerRecord, EditableField>>;
/** CakePHP's shape: field, then rule, then text. */
export type FieldErrors = Record<string, Record<string, string>>;

export const CONTEXT_IDS = [2, 8, 10] as const;

const MAX_LENGTH = 255;
// What HTML's <input type="email"> accepts, the rule the gateway checks before sending.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

type Result<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

function addError(errors: FieldErrors, field: string, rule: string, text: string): void {
  errors[field] = { ...errors[field], [rule]: text };
}

function isBlank(value: string): boolean {
  return value.trim() === '';
}

/** The editable fields present in `input`, checked; other fields are ignored as SalesBinder does. */
export function readChanges(input: Record<string, unknown>): Result<Changes> {
  const changes: Changes = {};
  const errors: FieldErrors = {};
  for (const field of EDITABLE_FIELDS) {
    if (!Object.hasOwn(input, field)) continue;
    const value = input[field];
    if (typeof value !== 'string') {
      addError(errors, field, 'string', 'Must be a string');
      continue;
    }
    if (field === 'name' && isBlank(value)) addError(errors, field, '_required', 'This field is required');
    if (field === 'office_email' && value !== '' && !EMAIL.test(value)) {
      addError(errors, field, 'email', 'Please supply a valid email address.');
    }
    // Code points, not UTF-16 units: an emoji is one character to a MySQL utf8mb4 column.
    if ([...value].length > MAX_LENGTH) {
      addError(errors, field, 'maxLength', `Must be at most ${MAX_LENGTH} characters`);
    }
    changes[field] = value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: changes };
}

/** A new account needs a name and a kind on top of the edit rules. */
export function readNewCustomer(
  input: Record<string, unknown>,
): Result<{ contextId: number; changes: Changes }> {
  const read = readChanges(input);
  const errors: FieldErrors = read.ok ? {} : read.errors;
  if (!Object.hasOwn(input, 'name')) addError(errors, 'name', '_required', 'This field is required');
  // context_id comes as a number or a numeric string (always text in XML); accept both.
  const given = input.context_id;
  const contextId = CONTEXT_IDS.find(
    (id) => (typeof given === 'number' || typeof given === 'string') && String(given) === String(id),
  );
  if (contextId === undefined) {
    addError(errors, 'context_id', 'inList', 'Must be 2 (customer), 8 (prospect) or 10 (supplier)');
  }
  if (!read.ok || contextId === undefined || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { contextId, changes: read.value } };
}
