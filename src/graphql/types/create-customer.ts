import { createCustomerRules, type NewCustomer, wireNewCustomerFrom } from '../../domain/customer-changes.ts';
import type { SavedCustomer } from '../../salesbinder/api.ts';
import { builder } from '../builder.ts';
import { CREATE_PAYLOAD_ERROR_TYPES, payloadErrorFrom } from '../errors.ts';
import { AccountKindRef, CustomerRef } from './customer.ts';
import { AddressInput, countPayload } from './update-customer.ts';

const CreateCustomerInput = builder.inputType('CreateCustomerInput', {
  description:
    'A new account: its kind and name are required; every other field is optional. The same mapping and rules as UpdateCustomerInput (values sent verbatim, at most 255 characters each).',
  fields: (t) => ({
    kind: t.field({
      type: AccountKindRef,
      required: true,
      defaultValue: 'CUSTOMER',
      description: 'Customer, prospect or supplier (SalesBinder context_id 2, 8 or 10).',
    }),
    name: t.string({ required: true, description: 'Business name; may not be blank.' }),
    officeEmail: t.string({
      description: 'Office e-mail: an address HTML\'s <input type="email"> accepts.',
    }),
    officePhone: t.string({ description: 'Office phone number (SalesBinder field office_phone).' }),
    officeFax: t.string({ description: 'Office fax number.' }),
    url: t.string({ description: 'Company website address.' }),
    billingAddress: t.field({ type: AddressInput, description: 'Billing address.' }),
    shippingAddress: t.field({ type: AddressInput, description: 'Shipping address.' }),
  }),
});

/** A create's success; a class of its own, so that the union tells it from an edit's by instanceof. */
class CreatedCustomer implements SavedCustomer {
  readonly message: string;
  readonly customer: SavedCustomer['customer'];
  constructor({ message, customer }: SavedCustomer) {
    this.message = message;
    this.customer = customer;
  }
}

const CreateCustomerSuccess = builder.objectType(CreatedCustomer, {
  name: 'CreateCustomerSuccess',
  isTypeOf: (value) => value instanceof CreatedCustomer,
  description: 'SalesBinder created the account.',
  fields: (t) => ({
    customer: t.field({
      type: CustomerRef,
      description: 'The new account, as SalesBinder saved it.',
      resolve: (s) => s.customer,
    }),
    message: t.exposeString('message', { description: "SalesBinder's own confirmation, e.g. Saved." }),
  }),
});

const CreateCustomerPayload = builder.errorUnion('CreateCustomerPayload', {
  description:
    'The outcome of a create: CreateCustomerSuccess, or the typed failure that explains why no account was created (or, for SalesBinderUnavailableError with retryable false, why it is not known whether one was).',
  types: [CreateCustomerSuccess, ...CREATE_PAYLOAD_ERROR_TYPES],
  extensions: countPayload('createCustomer'),
});

builder.mutationFields((t) => ({
  createCustomer: t.field({
    type: CreateCustomerPayload,
    description:
      "Creates an account with the caller's own API key (POST /api/2.0/customers.json or .xml). Never retried blindly: once the POST may have reached SalesBinder, a lost answer is SalesBinderUnavailableError with retryable false (the account may exist). With the same `idempotencyKey` (any string up to 255 characters, from the client) a repeated call within 24 hours returns the first call's outcome and creates nothing more.",
    args: {
      input: t.arg({ type: CreateCustomerInput, required: true, description: 'The new account.' }),
      idempotencyKey: t.arg.string({
        description:
          'Makes a retry safe: a new random string (a UUID, say) per account to create, sent again unchanged when retrying. Kept 24 hours per SalesBinder account and API key; used with another input, it is refused (CustomerInputError at idempotencyKey). 1 to 255 characters.',
      }),
    },
    // One schema over all arguments, so that every broken rule is reported in one answer.
    validate: createCustomerRules,
    resolve: async (_root, args, ctx) => {
      try {
        const saved = await ctx.createCustomer(
          wireNewCustomerFrom(args.input as NewCustomer),
          args.idempotencyKey ?? undefined,
        );
        // Later reads in this request see the new account without a call.
        ctx.customerLoader().clear(saved.customer.id).prime(saved.customer.id, saved.customer);
        return new CreatedCustomer(saved);
      } catch (error) {
        return payloadErrorFrom(error, '', CREATE_PAYLOAD_ERROR_TYPES);
      }
    },
  }),
}));
