/** May view and modify accounts. */
export const DEMO_ADMIN_KEY = 'demoadminkey0000000000000000000000000000';
/** May only view accounts. */
export const DEMO_VIEWER_KEY = 'demoviewerkey000000000000000000000000000';
/** The account of SalesBinder's Edit Account documentation page. */
export const DOC_EXAMPLE_ID = '19d367c8-97c7-409f-bf67-2ad543493648';

/** An account as SalesBinder returns it; the field order is the documentation's. */
export type CustomerRecord = {
  id: string;
  name: string;
  customer_number: number;
  office_email: string;
  office_phone: string;
  office_fax: string;
  url: string;
  billing_address_1: string;
  billing_address_2: string;
  billing_city: string;
  billing_region_id: string | null;
  billing_region: string;
  billing_postal_code: string;
  billing_country_id: string | null;
  billing_country: string;
  shipping_address_1: string;
  shipping_address_2: string;
  shipping_city: string;
  shipping_region_id: string | null;
  shipping_region: string;
  shipping_postal_code: string;
  shipping_country_id: string | null;
  shipping_country: string;
  vat_number: string;
  context_id: number;
  document_count: number | null;
  tax_rate1: string | null;
  tax_rate2: string | null;
  customer_date: string | null;
  archived: boolean;
  customer_label_id: string | null;
  pricing_tier_id: string;
  user_id: string;
  modified: string;
  created: string;
};

/** A record with every field blank, in the documentation's order: spreading over it keeps that order. */
export function blankCustomer(): CustomerRecord {
  return {
    id: '',
    name: '',
    customer_number: 0,
    office_email: '',
    office_phone: '',
    office_fax: '',
    url: '',
    billing_address_1: '',
    billing_address_2: '',
    billing_city: '',
    billing_region_id: null,
    billing_region: '',
    billing_postal_code: '',
    billing_country_id: null,
    billing_country: '',
    shipping_address_1: '',
    shipping_address_2: '',
    shipping_city: '',
    shipping_region_id: null,
    shipping_region: '',
    shipping_postal_code: '',
    shipping_country_id: null,
    shipping_country: '',
    vat_number: '',
    context_id: 2,
    document_count: null,
    tax_rate1: null,
    tax_rate2: null,
    customer_date: null,
    archived: false,
    customer_label_id: null,
    pricing_tier_id: '',
    user_id: '',
    modified: '',
    created: '',
  };
}

interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}

function address(prefix: 'billing' | 'shipping', a: Address): Partial<CustomerRecord> {
  return {
    [`${prefix}_address_1`]: a.line1 ?? '',
    [`${prefix}_address_2`]: a.line2 ?? '',
    [`${prefix}_city`]: a.city ?? '',
    [`${prefix}_region`]: a.region ?? '',
    [`${prefix}_postal_code`]: a.postalCode ?? '',
    [`${prefix}_country`]: a.country ?? '',
  };
}

/** Most accounts ship where they are billed. */
function sameAddress(a: Address): Partial<CustomerRecord> {
  return { ...address('billing', a), ...address('shipping', a) };
}

type Seed = Pick<CustomerRecord, 'id' | 'name' | 'customer_number' | 'context_id' | 'created'> &
  Partial<CustomerRecord>;

function account(seed: Seed): CustomerRecord {
  return { ...blankCustomer(), modified: seed.created, ...seed };
}

const CUSTOMER = 2;
const PROSPECT = 8;
const SUPPLIER = 10;

const SEEDS: readonly CustomerRecord[] = [
  account({
    id: DOC_EXAMPLE_ID,
    name: 'Acme Company',
    customer_number: 641,
    office_email: 'sales@acme-company.com',
    office_phone: '(604) 555-5555',
    url: 'acme-company.com',
    ...sameAddress({
      line1: 'Suite 100 - 1234 West 4th Avenue',
      city: 'Vancouver',
      region: 'BC',
      postalCode: 'V6P 6W5',
      country: 'Canada',
    }),
    context_id: CUSTOMER,
    created: '2016-11-11T01:13:09+00:00',
  }),
  account({
    id: 'fd61e9a8-5315-41f7-a6d3-3208dc16d6db',
    name: 'Northwind Traders',
    customer_number: 102,
    office_email: 'orders@northwind.example',
    office_phone: '+1 206-555-0142',
    office_fax: '+1 206-555-0143',
    url: 'https://northwind.example',
    ...sameAddress({
      line1: '1201 Second Avenue',
      line2: 'Floor 14',
      city: 'Seattle',
      region: 'WA',
      postalCode: '98101',
      country: 'United States',
    }),
    vat_number: '',
    context_id: CUSTOMER,
    created: '2017-03-02T17:45:10+00:00',
    modified: '2023-08-19T09:12:44+00:00',
  }),
  account({
    id: '810050c3-346e-4415-ad1c-05191baaafa3',
    name: 'Café Olé SARL',
    customer_number: 355,
    office_email: 'contact@cafe-ole.example',
    office_phone: '+33 4 74 55 12 34',
    url: 'cafe-ole.example',
    ...sameAddress({
      line1: '12 rue Gambetta',
      city: 'Bourg-en-Bresse',
      region: 'Auvergne-Rhône-Alpes',
      postalCode: '01000',
      country: 'France',
    }),
    vat_number: 'FR40303265045',
    context_id: CUSTOMER,
    created: '2018-06-14T08:30:00+00:00',
    modified: '2024-01-05T16:02:31+00:00',
  }),
  account({
    id: '8add08d6-6363-4b23-84c2-1f0c154d036e',
    name: 'Globex Corporation',
    customer_number: 118,
    office_email: 'accounts.payable@globex.example',
    office_phone: '(555) 010-4477',
    url: 'www.globex.example',
    ...address('billing', {
      line1: 'PO Box 742',
      city: 'Springfield',
      region: 'OR',
      postalCode: '97477',
      country: 'United States',
    }),
    ...address('shipping', {
      line1: '742 Evergreen Terrace',
      line2: 'Loading dock B',
      city: 'Springfield',
      region: 'OR',
      postalCode: '97477',
      country: 'United States',
    }),
    context_id: CUSTOMER,
    created: '2017-01-20T22:05:51+00:00',
    modified: '2022-11-30T13:40:00+00:00',
  }),
  account({
    id: '8831fcc2-2e8b-4559-bcba-d283d33d0ac8',
    name: '株式会社さくら商事',
    customer_number: 702,
    office_email: 'info@sakura-shoji.example',
    office_phone: '+81 3-5555-0199',
    office_fax: '+81 3-5555-0198',
    url: 'sakura-shoji.example',
    ...sameAddress({
      line1: '千代田区丸の内1-1-1',
      line2: 'パレスビル 5F',
      city: '東京',
      region: '東京都',
      postalCode: '100-0005',
      country: 'Japan',
    }),
    context_id: CUSTOMER,
    created: '2019-04-01T00:00:00+00:00',
    modified: '2021-07-07T07:07:07+00:00',
  }),
  account({
    id: 'f961a5cf-ec08-4d4f-9dd4-8d851c2584ce',
    name: 'Initech LLC',
    customer_number: 233,
    office_phone: '512-555-0110',
    ...address('billing', {
      line1: '4120 Freidrich Lane',
      city: 'Austin',
      region: 'TX',
      country: 'United States',
    }),
    context_id: CUSTOMER,
    created: '2020-02-29T12:00:00+00:00',
  }),
  account({
    id: '525873cf-9c27-4b11-85ff-0a7b6f579560',
    name: 'Jørgensen & Søn ApS',
    customer_number: 589,
    office_email: 'post@jorgensen-son.example',
    office_phone: '+45 33 12 34 56',
    url: 'jorgensen-son.example',
    ...sameAddress({
      line1: 'Nørregade 7',
      city: 'København K',
      postalCode: '1165',
      country: 'Denmark',
    }),
    vat_number: 'DK12345678',
    context_id: CUSTOMER,
    created: '2021-09-15T10:20:30+00:00',
    modified: '2024-05-02T11:11:11+00:00',
  }),
  account({
    id: 'ca93677b-62f6-4fa0-b8b5-0484d56a735d',
    name: 'Blue Mountain Coffee Roasters',
    customer_number: 410,
    office_email: 'hello@bluemountain.example',
    office_phone: '+1 876-555-0123',
    ...sameAddress({ line1: '3 Hope Road', city: 'Kingston', region: 'St. Andrew', country: 'Jamaica' }),
    context_id: CUSTOMER,
    created: '2019-12-24T18:00:00+00:00',
  }),
  account({
    id: 'f3655431-cb46-4bf6-93d5-16a6d4a804af',
    name: 'Umbrella Health Pty Ltd',
    customer_number: 127,
    office_email: 'finance@umbrella-health.example',
    office_phone: '+61 2 5550 1234',
    url: 'https://umbrella-health.example/contact',
    ...sameAddress({
      line1: 'Level 20, 1 Martin Place',
      city: 'Sydney',
      region: 'NSW',
      postalCode: '2000',
      country: 'Australia',
    }),
    context_id: CUSTOMER,
    archived: true,
    created: '2016-05-05T05:05:05+00:00',
    modified: '2020-03-17T09:30:00+00:00',
  }),
  account({
    id: '07a563f0-bba6-4f89-9c7e-ede482323bb5',
    name: 'Hooli Inc.',
    customer_number: 805,
    office_email: 'procurement@hooli.example',
    office_phone: '650-555-0199',
    url: 'hooli.example',
    ...address('billing', {
      line1: '1 Hooli Way',
      city: 'Palo Alto',
      region: 'CA',
      postalCode: '94301',
      country: 'United States',
    }),
    context_id: PROSPECT,
    created: '2023-02-10T15:00:00+00:00',
  }),
  account({
    id: 'd3779da4-1fd4-4f9a-b248-510607b8f7f7',
    name: 'Zürcher Käse AG',
    customer_number: 812,
    office_email: 'verkauf@zuercher-kaese.example',
    office_phone: '+41 44 555 12 12',
    ...sameAddress({
      line1: 'Bahnhofstrasse 42',
      city: 'Zürich',
      region: 'ZH',
      postalCode: '8001',
      country: 'Switzerland',
    }),
    vat_number: 'CHE-123.456.789 MWST',
    context_id: PROSPECT,
    created: '2023-06-01T06:45:00+00:00',
    modified: '2023-06-02T08:00:00+00:00',
  }),
  account({
    id: '8ac04c92-ceb8-4d0b-b7e6-8cfb0ba60f36',
    name: 'Stark Industries',
    customer_number: 820,
    office_email: 'pepper@stark.example',
    context_id: PROSPECT,
    created: '2024-02-14T14:14:14+00:00',
  }),
  account({
    id: 'c17f3541-391d-4eec-a694-b03b9f7b3b1e',
    name: 'Los Pollos Hermanos',
    customer_number: 833,
    office_phone: '(505) 555-0147',
    url: 'lospolloshermanos.example',
    ...sameAddress({
      line1: '12000 Coors Rd SW',
      city: 'Albuquerque',
      region: 'NM',
      postalCode: '87121',
      country: 'United States',
    }),
    context_id: PROSPECT,
    created: '2024-03-03T03:03:03+00:00',
  }),
  account({
    id: '5f32665d-249c-44bd-98bf-0b9e48f1bad0',
    name: 'São Paulo Têxtil Ltda.',
    customer_number: 841,
    office_email: 'compras@sptextil.example',
    office_phone: '+55 11 5555-0100',
    ...sameAddress({
      line1: 'Avenida Paulista, 1578',
      line2: 'Conjunto 42',
      city: 'São Paulo',
      region: 'SP',
      postalCode: '01310-200',
      country: 'Brazil',
    }),
    context_id: PROSPECT,
    created: '2024-04-22T19:30:00+00:00',
    modified: '2024-04-23T10:00:00+00:00',
  }),
  account({
    id: '280343c7-7044-4d34-bc29-52dfac9c50de',
    name: 'Müller Präzisionsteile GmbH',
    customer_number: 901,
    office_email: 'einkauf@mueller-praezision.example',
    office_phone: '+49 351 5550 100',
    office_fax: '+49 351 5550 199',
    url: 'mueller-praezision.example',
    ...sameAddress({
      line1: 'Königsbrücker Straße 96',
      city: 'Dresden',
      region: 'Sachsen',
      postalCode: '01234',
      country: 'Germany',
    }),
    vat_number: 'DE123456789',
    context_id: SUPPLIER,
    created: '2016-09-01T07:00:00+00:00',
    modified: '2024-06-30T23:59:59+00:00',
  }),
  account({
    id: 'b8a09f63-546e-4c20-9c29-cc63f7f0b7f4',
    name: 'Pacific Paper Supply Co.',
    customer_number: 902,
    office_email: 'sales@pacificpaper.example',
    office_phone: '503-555-0177',
    url: 'pacificpaper.example',
    ...sameAddress({
      line1: '2200 NW Front Ave',
      city: 'Portland',
      region: 'OR',
      postalCode: '97209',
      country: 'United States',
    }),
    context_id: SUPPLIER,
    created: '2017-10-10T10:10:10+00:00',
  }),
  account({
    id: '2b0868ce-a274-4eee-aed4-2b1906fce73b',
    name: 'Nordic Timber AS',
    customer_number: 903,
    office_email: 'ordre@nordictimber.example',
    office_phone: '+47 22 55 50 00',
    ...sameAddress({ line1: 'Karl Johans gate 1', city: 'Oslo', postalCode: '0154', country: 'Norway' }),
    context_id: SUPPLIER,
    created: '2018-01-15T09:00:00+00:00',
  }),
  account({
    id: 'bacc0b7b-b86f-4216-ac40-7841bb5050bf',
    name: '深圳明亮电子有限公司 (Shenzhen Bright Electronics)',
    customer_number: 904,
    office_email: 'export@bright-electronics.example',
    office_phone: '+86 755 5555 0188',
    url: 'bright-electronics.example',
    ...sameAddress({
      line1: '南山区科技园南区 8 栋',
      city: '深圳',
      region: '广东省',
      postalCode: '518057',
      country: 'China',
    }),
    context_id: SUPPLIER,
    created: '2019-08-08T08:08:08+00:00',
  }),
  account({
    id: '2c3b0aff-cb19-4e88-bfd5-22e44c30f98c',
    name: "O'Brien & Daughters Freight Ltd",
    customer_number: 905,
    office_email: 'dispatch@obrien-freight.example',
    office_phone: '+353 1 555 0123',
    ...sameAddress({
      line1: '1 Custom House Quay',
      city: 'Dublin',
      postalCode: 'D01 X2E5',
      country: 'Ireland',
    }),
    context_id: SUPPLIER,
    archived: true,
    created: '2015-12-01T12:00:00+00:00',
    modified: '2019-02-28T17:30:00+00:00',
  }),
];

/**
 * Accounts whose View and List answers the sandbox prints as SalesBinder's own View and List
 * pages print theirs: without `context_id`, `archived`, `vat_number` and the region and country
 * ids (the Edit answer has them all). Not every one, since whether SalesBinder leaves them out
 * always or only on those pages is not known: a customer, an archived customer, a customer with a
 * VAT number, two prospects (one with a VAT number) and a supplier, so that every list mixes both
 * shapes.
 */
export const PAGE_SHAPED_IDS: ReadonlySet<string> = new Set([
  'fd61e9a8-5315-41f7-a6d3-3208dc16d6db', // Northwind Traders, customer
  '810050c3-346e-4415-ad1c-05191baaafa3', // Café Olé SARL, customer with a VAT number
  'f3655431-cb46-4bf6-93d5-16a6d4a804af', // Umbrella Health Pty Ltd, archived customer
  '07a563f0-bba6-4f89-9c7e-ede482323bb5', // Hooli Inc., prospect
  'd3779da4-1fd4-4f9a-b248-510607b8f7f7', // Zürcher Käse AG, prospect with a VAT number
  'b8a09f63-546e-4c20-9c29-cc63f7f0b7f4', // Pacific Paper Supply Co., supplier
]);

/** The fields SalesBinder's View and List pages leave out of a record. */
export const FIELDS_PAGES_LEAVE_OUT = [
  'vat_number',
  'context_id',
  'archived',
  'billing_region_id',
  'billing_country_id',
  'shipping_region_id',
  'shipping_country_id',
] as const satisfies readonly (keyof CustomerRecord)[];

/** The seed accounts, as fresh copies that the caller may change. */
export function seedCustomers(): CustomerRecord[] {
  return structuredClone([...SEEDS]);
}
