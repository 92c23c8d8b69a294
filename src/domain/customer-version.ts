/**
 * `Customer.version`: an opaque token for one state of an account, for `ifMatch`. SalesBinder's
 * `modified` has whole seconds, so two edits within one second leave it unchanged; the version
 * changes whenever a value this API exposes does.
 *
 * It is made only of what every SalesBinder answer carries (View, List and Edit alike), so the
 * same state gives the same version however it was read: `kind` (`context_id`), `archived` and
 * `vatNumber` are left out because SalesBinder's View and List answers may leave them out.
 */
import { createHash } from 'node:crypto';
import type { Address, Customer } from './customer.ts';

/** The version's form: a format tag and 128 bits of SHA-256, base64url. */
export const VERSION_PATTERN = /^1\.[A-Za-z0-9_-]{22}$/;

const address = (a: Address) => [a.line1, a.line2, a.city, a.region, a.country, a.postalCode];

export function versionOf(customer: Customer): string {
  const state = [
    customer.id,
    customer.customerNumber,
    customer.name,
    customer.officeEmail,
    customer.officePhone,
    customer.officeFax,
    customer.url,
    ...address(customer.billingAddress),
    ...address(customer.shippingAddress),
    customer.createdAt.getTime(),
    customer.modifiedAt.getTime(),
  ];
  return `1.${createHash('sha256').update(JSON.stringify(state)).digest('base64url').slice(0, 22)}`;
}
