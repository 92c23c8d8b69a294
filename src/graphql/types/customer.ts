import { ACCOUNT_KINDS, type Address, type Customer } from '../../domain/customer.ts';
import { isCustomerId } from '../../domain/customer-changes.ts';
import { SalesBinderError } from '../../salesbinder/errors.ts';
import { builder } from '../builder.ts';
import { queryErrorFrom } from '../query-errors.ts';
import { DateTime } from './date-time.ts';

const KIND_DESCRIPTIONS = {
  CUSTOMER: 'A customer (SalesBinder context_id 2).',
  PROSPECT: 'A prospect (SalesBinder context_id 8).',
  SUPPLIER: 'A supplier (SalesBinder context_id 10).',
} as const;

export const AccountKindRef = builder.enumType('AccountKind', {
  description: "Which of SalesBinder's three account contexts an account belongs to.",
  values: Object.fromEntries(ACCOUNT_KINDS.map((k) => [k, { value: k, description: KIND_DESCRIPTIONS[k] }])),
});

export const AddressRef = builder.objectRef<Address>('Address').implement({
  description: 'A postal address as SalesBinder keeps it; blank parts are null.',
  fields: (t) => ({
    line1: t.exposeString('line1', { nullable: true, description: 'First line (street, suite).' }),
    line2: t.exposeString('line2', { nullable: true, description: 'Second line.' }),
    city: t.exposeString('city', { nullable: true, description: 'City.' }),
    region: t.exposeString('region', { nullable: true, description: 'Province, state or region.' }),
    country: t.exposeString('country', {
      nullable: true,
      description: 'Country, as entered in SalesBinder.',
    }),
    postalCode: t.exposeString('postalCode', {
      nullable: true,
      description: 'Postal or ZIP code, verbatim (leading zeros kept).',
    }),
  }),
});

export const CustomerRef = builder.objectRef<Customer>('Customer').implement({
  description:
    'A SalesBinder account (customer, prospect or supplier). Blank strings from SalesBinder are returned as null.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "SalesBinder's id of the account (a UUID)." }),
    customerNumber: t.exposeInt('customerNumber', {
      nullable: true,
      description: "SalesBinder's account number, shown to users.",
    }),
    kind: t.field({
      type: AccountKindRef,
      nullable: true,
      description:
        'Customer, prospect or supplier; null if SalesBinder sends a context this gateway does not know.',
      resolve: (c) => c.kind,
    }),
    name: t.exposeString('name', { description: 'Business name.' }),
    officeEmail: t.exposeString('officeEmail', { nullable: true, description: 'Office e-mail address.' }),
    officePhone: t.exposeString('officePhone', { nullable: true, description: 'Office phone number.' }),
    officeFax: t.exposeString('officeFax', { nullable: true, description: 'Office fax number.' }),
    url: t.exposeString('url', { nullable: true, description: 'Company website address.' }),
    vatNumber: t.exposeString('vatNumber', { nullable: true, description: 'VAT or tax number.' }),
    billingAddress: t.field({
      type: AddressRef,
      description: 'Billing address.',
      resolve: (c) => c.billingAddress,
    }),
    shippingAddress: t.field({
      type: AddressRef,
      description: 'Shipping address.',
      resolve: (c) => c.shippingAddress,
    }),
    archived: t.exposeBoolean('archived', { description: 'Whether the account is archived in SalesBinder.' }),
    createdAt: t.field({
      type: DateTime,
      description: 'When the account was created.',
      resolve: (c) => c.createdAt,
    }),
    modifiedAt: t.field({
      type: DateTime,
      description:
        'When the account last changed; pass it back as ifUnmodifiedSince to edit without overwriting.',
      resolve: (c) => c.modifiedAt,
    }),
  }),
});

builder.asEntity(CustomerRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: async ({ id }, ctx) => {
    if (!isCustomerId(id)) return null;
    try {
      return await ctx.salesbinder().getCustomer(id);
    } catch (error) {
      if (error instanceof SalesBinderError && error.code === 'SB_NOT_FOUND') return null;
      throw queryErrorFrom(error);
    }
  },
});
