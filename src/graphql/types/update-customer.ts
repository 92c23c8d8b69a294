import { type CustomerChanges, updateCustomerRules, wireChangesFrom } from '../../domain/customer-changes.ts';
import type { SavedCustomer } from '../../salesbinder/api.ts';
import { builder } from '../builder.ts';
import { refusalOf } from '../conditional-writes.ts';
import { PAYLOAD_ERROR_TYPES, payloadErrorFrom } from '../errors.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { CustomerRef } from './customer.ts';
import { DateTime } from './date-time.ts';

/** A payload counted by member for metrics (resolved-type-plugin.ts): failures caught before the resolver too. */
export function countPayload(mutation: string) {
  return {
    onResolvedType: (context: GatewayContext, typeName: string) => context.onPayload?.(mutation, typeName),
  };
}

/** `ifMatch`, as updateCustomer and deleteCustomer take it. */
export const IF_MATCH_DESCRIPTION =
  "Refuse with CustomerConflictError unless the account's `version` is still this one (pass the `version` you last read). Sees every change of a field, even two within one second. A check, not a lock: SalesBinder has no conditional write, so a change landing between the gateway's read and its write is not caught.";

/** `ifUnmodifiedSince`, as updateCustomer and deleteCustomer take it. */
export const IF_UNMODIFIED_SINCE_DESCRIPTION =
  "Refuse with CustomerConflictError when the account changed after this instant (pass the modifiedAt you last read). SalesBinder's `modified` has whole seconds, so a change made in the same second as the one you loaded is not seen: use ifMatch for that. A check, not a lock: SalesBinder has no conditional write, so a change landing between the gateway's read and its write is not caught.";

export const AddressInput = builder.inputType('AddressInput', {
  description:
    'Parts of an address to change. A part left out is not touched; a part set to null is cleared. Values are sent verbatim (no trimming), at most 255 characters each.',
  fields: (t) => ({
    line1: t.string({ description: 'First line (street, suite).' }),
    line2: t.string({ description: 'Second line.' }),
    city: t.string({ description: 'City.' }),
    region: t.string({ description: 'Province, state or region.' }),
    country: t.string({ description: 'Country.' }),
    postalCode: t.string({ description: 'Postal or ZIP code, sent verbatim (01234 stays 01234).' }),
  }),
});

const UpdateCustomerInput = builder.inputType('UpdateCustomerInput', {
  description:
    'What to change. A field left out is not touched. A field set to null is cleared (sent to SalesBinder as an empty string), except `name`, which cannot be cleared. At least one field must be given. Values are sent verbatim, at most 255 characters each.',
  fields: (t) => ({
    name: t.string({ description: 'Business name; may not be null or blank.' }),
    officeEmail: t.string({
      description: 'Office e-mail: an address HTML\'s <input type="email"> accepts, or null to clear.',
    }),
    officePhone: t.string({ description: 'Office phone number (SalesBinder field office_phone).' }),
    officeFax: t.string({ description: 'Office fax number.' }),
    url: t.string({ description: 'Company website address.' }),
    billingAddress: t.field({
      type: AddressInput,
      description: 'Billing address parts to change; null clears all six parts.',
    }),
    shippingAddress: t.field({
      type: AddressInput,
      description: 'Shipping address parts to change; null clears all six parts.',
    }),
  }),
});

const UpdateCustomerSuccess = builder.objectRef<SavedCustomer>('UpdateCustomerSuccess').implement({
  description: 'SalesBinder saved the edit.',
  // Failures are Error instances, matched by class before this runs.
  isTypeOf: (value) =>
    !(value instanceof Error) && typeof value === 'object' && value !== null && 'customer' in value,
  fields: (t) => ({
    customer: t.field({
      type: CustomerRef,
      description: 'The whole account after the edit.',
      resolve: (s) => s.customer,
    }),
    message: t.exposeString('message', { description: "SalesBinder's own confirmation, e.g. Saved." }),
  }),
});

const UpdateCustomerPayload = builder.errorUnion('UpdateCustomerPayload', {
  description:
    'The outcome of an edit: UpdateCustomerSuccess, or the typed failure that explains why nothing changed.',
  types: [UpdateCustomerSuccess, ...PAYLOAD_ERROR_TYPES],
  extensions: countPayload('updateCustomer'),
});

builder.mutationType({
  description: 'Edits, creates and deletes.',
  fields: (t) => ({
    updateCustomer: t.field({
      type: UpdateCustomerPayload,
      description:
        "Edits a SalesBinder account with the caller's own API key (PUT /api/2.0/customers/{id}.json or .xml). With `ifMatch` (or `ifUnmodifiedSince`), the edit is refused with CustomerConflictError when the account changed since that version (or after that instant). Every outcome is a member of the payload; send the key as `Authorization: Bearer <key>`.",
      args: {
        id: t.arg.id({ required: true, description: 'The account to edit (a SalesBinder UUID).' }),
        input: t.arg({ type: UpdateCustomerInput, required: true, description: 'What to change.' }),
        ifUnmodifiedSince: t.arg({ type: DateTime, description: IF_UNMODIFIED_SINCE_DESCRIPTION }),
        ifMatch: t.arg.string({ description: IF_MATCH_DESCRIPTION }),
      },
      // One schema over all arguments, so that every broken rule is reported in one answer.
      validate: updateCustomerRules,
      resolve: async (_root, args, ctx) => {
        const id = String(args.id);
        const loader = ctx.customerLoader();
        try {
          const refusal = await refusalOf(ctx, id, args);
          if (refusal) return refusal;
          const saved = await ctx
            .salesbinder()
            .updateCustomer(id, wireChangesFrom(args.input as CustomerChanges));
          // Later reads in this request see the account as the edit left it, without a call.
          loader.clear(id).prime(id, saved.customer);
          return saved;
        } catch (error) {
          return payloadErrorFrom(error, id);
        }
      },
    }),
  }),
});
