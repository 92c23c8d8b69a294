import { z } from 'zod';
import { ACCOUNT_KINDS, type Address, CONTEXT_ID_OF_KIND, type Customer } from '../../domain/customer.ts';
import { isCustomerId, MAX_VALUE_LENGTH } from '../../domain/customer-changes.ts';
import { cursorOf, MAX_PAGE_LIMIT, offsetAfterCursor, pagesFor } from '../../domain/customer-page.ts';
import { versionOf } from '../../domain/customer-version.ts';
import { builder } from '../builder.ts';
import type { GatewayContext } from '../gateway-context.ts';
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

const AddressRef = builder.objectRef<Address>('Address').implement({
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
        "Customer, prospect or supplier; null when SalesBinder's record does not say (an account read by id may leave its context out) or names a context this gateway does not know. An account listed by `customers(kind)` that does not say has that kind.",
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
    archived: t.exposeBoolean('archived', {
      nullable: true,
      description:
        "Whether the account is archived in SalesBinder; null when SalesBinder's answer does not say (its View and List answers may leave it out).",
    }),
    createdAt: t.field({
      type: DateTime,
      description: 'When the account was created.',
      resolve: (c) => c.createdAt,
    }),
    modifiedAt: t.field({
      type: DateTime,
      description:
        'When the account last changed, in whole seconds (SalesBinder keeps no finer time): two edits within one second share it. To edit without overwriting, pass `version` as ifMatch.',
      resolve: (c) => c.modifiedAt,
    }),
    version: t.string({
      description:
        "An opaque token for this version of the account. It changes whenever a field of this type changes, even twice within one second (SalesBinder's `modified` has whole seconds), and is the same whether the account was read by id, from a list, or returned by an edit. Pass it as `ifMatch`.",
      resolve: (c) => versionOf(c),
    }),
  }),
});

/** The account with this id through the request's loader; null when there is none (or the id is no SalesBinder id). */
async function loadCustomer(ctx: GatewayContext, id: string): Promise<Customer | null> {
  if (!isCustomerId(id)) return null;
  try {
    return await ctx.customerLoader().load(id);
  } catch (error) {
    throw queryErrorFrom(error);
  }
}

builder.asEntity(CustomerRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, ctx) => loadCustomer(ctx, id),
});

const CustomerConnection = builder.connectionObject(
  {
    type: CustomerRef,
    name: 'CustomerConnection',
    description: 'One page of accounts, Relay style.',
    fields: (t) => ({
      totalCount: t.int({
        description: "SalesBinder's count of every account matching the query, on all pages.",
        resolve: (connection) => connection.totalCount,
      }),
    }),
  },
  { name: 'CustomerEdge', description: 'An account and its cursor.' },
);

interface Window {
  /** SalesBinder's count of the accounts matching the query. */
  count: number;
  /** The accounts of the window, each at its place in SalesBinder's list. */
  edges: Array<{ place: number; customer: Customer }>;
  /** The last place of the window SalesBinder answered, read or left out; undefined for none. */
  last: number | undefined;
  /** Whether a page read shows the list to end within the window (a short page, a 404 past it). */
  ended: boolean;
}

/**
 * Reads SalesBinder pages until the window [offset, offset + first) is filled or the list ends.
 * Places are SalesBinder's: a record left out as unreadable keeps its place, so cursors stay
 * SalesBinder's offsets and the next page neither repeats nor skips an account.
 */
async function windowOf(
  ctx: GatewayContext,
  query: { contextId: number; search?: string | undefined },
  offset: number,
  first: number,
): Promise<Window> {
  const api = ctx.salesbinder();
  const edges: Window['edges'] = [];
  let count: number | undefined;
  let last: number | undefined;
  let ended = false;
  const pages = pagesFor(offset, first);
  for (const { page, pageLimit } of pages) {
    const result = await api.listCustomers({ ...query, page, pageLimit });
    const leftOut = new Set(result.leftOut ?? []);
    const answered = result.customers.length + leftOut.size;
    const start = (page - 1) * pageLimit;
    count ??= result.count;
    if (answered === 0 && (result.count === undefined || page > 1)) {
      // Past the last page (a 404, or an empty page after the first): the list ends at or before
      // this page, which is not a count.
      ended = true;
      break;
    }
    let next = 0;
    for (let i = 0; i < answered; i++) {
      const place = start + i;
      const customer = leftOut.has(i) ? undefined : result.customers[next++];
      if (place < offset || place >= offset + first) continue;
      last = place;
      if (customer) edges.push({ place, customer });
    }
    // A short page is the last one: there is nothing further to read.
    if (answered < pageLimit) {
      ended = true;
      break;
    }
  }
  if (count === undefined) {
    // Nothing of the window answered a count: the list's first page (of the size the client pages
    // with, which the budget most likely remembers) says it, rather than one made up.
    const head = await api.listCustomers({ ...query, page: 1, pageLimit: pages[0]?.pageLimit ?? first });
    count = head.count ?? head.customers.length + (head.leftOut?.length ?? 0);
  }
  return { count: Math.max(count, last === undefined ? 0 : last + 1), edges, last, ended };
}

builder.queryFields((t) => ({
  customer: t.field({
    type: CustomerRef,
    nullable: true,
    description:
      'The account with this id (GET customers/{id}); null when no account has this id, or when the id is not a SalesBinder id (then nothing is asked of SalesBinder).',
    args: { id: t.arg.id({ required: true, description: 'A SalesBinder account id (a UUID).' }) },
    resolve: (_root, { id }, ctx) => loadCustomer(ctx, String(id)),
  }),
  customers: t.field({
    type: CustomerConnection,
    description:
      'Relay-style pages over one account kind, optionally filtered by a search term (GET customers?contextId&s&page&pageLimit).',
    args: {
      kind: t.arg({ type: AccountKindRef, defaultValue: 'CUSTOMER', description: 'Which accounts to list.' }),
      search: t.arg.string({
        description: "SalesBinder's search: matches name, account number, e-mail or country.",
      }),
      first: t.arg.int({ defaultValue: 20, description: `Page size, 1 to ${MAX_PAGE_LIMIT}.` }),
      after: t.arg.string({ description: "An earlier answer's endCursor (or any edge's cursor)." }),
    },
    validate: z.object({
      kind: z.unknown().optional(),
      search: z.string().max(MAX_VALUE_LENGTH, `Must be at most ${MAX_VALUE_LENGTH} characters`).nullish(),
      first: z
        .number({ error: `Must be 1 to ${MAX_PAGE_LIMIT}` })
        .int()
        .min(1, `Must be 1 to ${MAX_PAGE_LIMIT}`)
        .max(MAX_PAGE_LIMIT, `Must be 1 to ${MAX_PAGE_LIMIT}`),
      after: z
        .string()
        .refine(
          (c) => offsetAfterCursor(c) !== undefined,
          'Not a cursor from this API: pass an endCursor it returned',
        )
        .nullish(),
    }),
    resolve: async (_root, { kind, search, first, after }, ctx) => {
      const offset = after == null ? 0 : (offsetAfterCursor(after) ?? 0);
      const size = first ?? 20;
      let page: Window;
      try {
        page = await windowOf(
          ctx,
          { contextId: CONTEXT_ID_OF_KIND[kind ?? 'CUSTOMER'], search: search ?? undefined },
          offset,
          size,
        );
      } catch (error) {
        throw queryErrorFrom(error);
      }
      // What was listed need not be read again in this request.
      const loader = ctx.customerLoader();
      for (const { customer } of page.edges) loader.prime(customer.id, customer);
      const edges = page.edges.map(({ place, customer }) => ({ cursor: cursorOf(place), node: customer }));
      // The cursor of the window's last place, even when its record was left out as unreadable:
      // paging on from it neither repeats nor skips. Never a next page without a cursor to reach it.
      const endCursor = page.last === undefined ? null : cursorOf(page.last);
      return {
        edges,
        pageInfo: {
          hasNextPage: !page.ended && page.last !== undefined && page.last + 1 < page.count,
          hasPreviousPage: offset > 0,
          startCursor: edges[0]?.cursor ?? null,
          endCursor,
        },
        totalCount: page.count,
      };
    },
  }),
}));
