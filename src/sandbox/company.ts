/**
 * A company's worth of customers, made up the same way every time: names people would type a few
 * letters of, customer numbers, e-mail domains (a company's own, or a common provider's) and
 * countries, so that searches, pages and opens from the whole list behave as they would on a real
 * SalesBinder account of that size. The seed's nine customers stay; generated ones come after them.
 */
import { seededRandom } from './random.ts';
import { blankCustomer, type CustomerRecord } from './seed.ts';

/** Generated customers are numbered from here (the seed's numbers are all below 1000). */
export const FIRST_GENERATED_NUMBER = 1001;
/** One generated customer in this many comes from View and List without the fields pages leave out. */
const LEAN_EVERY = 7;

// biome-ignore format: a table reads better in rows
const FIRST_WORDS = [
  'Acorn', 'Alder', 'Alpine', 'Amber', 'Anchor', 'Apex', 'Arrow', 'Aspen', 'Atlas', 'Aurora',
  'Bay', 'Beacon', 'Birch', 'Blue', 'Bright', 'Brook', 'Cedar', 'Central', 'Coastal', 'Copper',
  'Crest', 'Crown', 'Delta', 'Eagle', 'East', 'Echo', 'Elm', 'Emerald', 'Falcon', 'First', 'Fox',
  'Golden', 'Granite', 'Green', 'Harbor', 'Hill', 'Iron', 'Ivy', 'Juniper', 'Lake', 'Laurel',
  'Lion', 'Maple', 'Meadow', 'Metro', 'Milton', 'North', 'Oak', 'Ocean', 'Orchard', 'Pine',
  'Prairie', 'Quarry', 'Red', 'River', 'Rock', 'Royal', 'Sage', 'Silver', 'South', 'Spruce',
  'Star', 'Stone', 'Summit', 'Sun', 'Timber', 'Union', 'Valley', 'West', 'Willow',
];
// biome-ignore format: a table reads better in rows
const SECOND_WORDS = [
  'Bakery', 'Builders', 'Cafe', 'Cargo', 'Clinic', 'Coffee', 'Components', 'Construction',
  'Consulting', 'Design', 'Dental', 'Distribution', 'Electric', 'Engineering', 'Farms', 'Fitness',
  'Foods', 'Freight', 'Furniture', 'Garden', 'Glass', 'Hardware', 'Health', 'Imports',
  'Industries', 'Interiors', 'Labs', 'Logistics', 'Machinery', 'Marine', 'Media', 'Medical',
  'Metals', 'Motors', 'Office', 'Optics', 'Outfitters', 'Packaging', 'Paper', 'Pharmacy',
  'Plastics', 'Plumbing', 'Printing', 'Properties', 'Retail', 'Robotics', 'Software', 'Solar',
  'Sports', 'Supply', 'Systems', 'Textiles', 'Tools', 'Trading', 'Travel', 'Vineyards', 'Water',
  'Wholesale', 'Works',
];
const SUFFIXES = ['', '', '', 'Ltd', 'Inc.', 'LLC', 'GmbH', 'Co.', '& Sons', 'Group', 'SA', 'Pty Ltd'];
const MAILBOXES = ['sales', 'info', 'orders', 'accounts', 'hello', 'office', 'purchasing', 'admin'];
/** Small companies often write from a provider's address: one e-mail domain shared by many. */
const PROVIDERS = ['mailbox.example', 'postal.example', 'netmail.example'];

interface Country {
  name: string;
  /** How many in a hundred customers come from it. */
  weight: number;
  cities: readonly string[];
  phone: string;
}

// biome-ignore format: a table reads better in rows
const COUNTRIES: readonly Country[] = [
  { name: 'United States', weight: 34, cities: ['Portland', 'Austin', 'Denver', 'Boston', 'Chicago'], phone: '+1' },
  { name: 'Canada', weight: 14, cities: ['Vancouver', 'Toronto', 'Calgary', 'Halifax'], phone: '+1' },
  { name: 'United Kingdom', weight: 10, cities: ['Leeds', 'Bristol', 'London', 'Glasgow'], phone: '+44' },
  { name: 'Germany', weight: 8, cities: ['Hamburg', 'Köln', 'München', 'Leipzig'], phone: '+49' },
  { name: 'Australia', weight: 7, cities: ['Perth', 'Sydney', 'Brisbane'], phone: '+61' },
  { name: 'France', weight: 6, cities: ['Lyon', 'Nantes', 'Lille'], phone: '+33' },
  { name: 'Netherlands', weight: 5, cities: ['Utrecht', 'Rotterdam'], phone: '+31' },
  { name: 'Ireland', weight: 4, cities: ['Cork', 'Galway'], phone: '+353' },
  { name: 'New Zealand', weight: 4, cities: ['Auckland', 'Dunedin'], phone: '+64' },
  { name: 'Mexico', weight: 3, cities: ['Monterrey', 'Puebla'], phone: '+52' },
  { name: 'Japan', weight: 3, cities: ['Osaka', 'Sapporo'], phone: '+81' },
  { name: 'South Africa', weight: 2, cities: ['Durban', 'Cape Town'], phone: '+27' },
];
const COUNTRY_WEIGHT = COUNTRIES.reduce((sum, c) => sum + c.weight, 0);

function pickFrom<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function countryOf(random: () => number): Country {
  let left = random() * COUNTRY_WEIGHT;
  for (const country of COUNTRIES) {
    left -= country.weight;
    if (left < 0) return country;
  }
  return COUNTRIES[0] as Country;
}

/** A version-4-shaped UUID from the generator, so ids are the same on every run. */
function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(random() * 4)] as string;
  const text = hex.join('');
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

const DAY_MS = 86_400_000;
const FIRST_CREATED = Date.parse('2015-01-01T00:00:00Z');
const LAST_MODIFIED = Date.parse('2025-12-31T00:00:00Z');

/** SalesBinder's timestamp format: seconds, UTC written as +00:00. */
function timestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

export interface GeneratedCompany {
  customers: CustomerRecord[];
  /** Those printed by View and List without the fields pages leave out (one in `LEAN_EVERY`). */
  leanIds: Set<string>;
}

/**
 * `count` customers (context 2), numbered from FIRST_GENERATED_NUMBER, each name unique; the same
 * ones for the same `count` and `seed`, and the first n of a larger company are the n of a smaller.
 */
export function generateCustomers(count: number, seed = 1): GeneratedCompany {
  const random = seededRandom(seed);
  const names = new Set<string>();
  const customers: CustomerRecord[] = [];
  const leanIds = new Set<string>();
  for (let i = 0; i < count; i++) {
    let name = '';
    for (let attempt = 0; attempt < 20 && (name === '' || names.has(name)); attempt++) {
      const suffix = pickFrom(random, SUFFIXES);
      name = `${pickFrom(random, FIRST_WORDS)} ${pickFrom(random, SECOND_WORDS)}${suffix ? ` ${suffix}` : ''}`;
    }
    // Past twenty draws the names run out: a branch number tells them apart, as companies do.
    if (names.has(name)) name = `${name} ${i + 1}`;
    names.add(name);
    const country = countryOf(random);
    const city = pickFrom(random, country.cities);
    const words = name.split(' ');
    const domain =
      random() < 0.15 ? pickFrom(random, PROVIDERS) : `${slug(`${words[0]} ${words[1]}`)}.example`;
    const created =
      FIRST_CREATED + Math.floor(random() * ((LAST_MODIFIED - FIRST_CREATED) / DAY_MS)) * DAY_MS;
    const modified = created + Math.floor(random() * ((LAST_MODIFIED - created) / 1000)) * 1000;
    const street = `${1 + Math.floor(random() * 9000)} ${pickFrom(random, FIRST_WORDS)} Street`;
    const record: CustomerRecord = {
      ...blankCustomer(),
      id: uuid(random),
      name,
      customer_number: FIRST_GENERATED_NUMBER + i,
      office_email: `${pickFrom(random, MAILBOXES)}@${domain}`,
      office_phone: `${country.phone} ${100 + Math.floor(random() * 900)} 555 ${String(Math.floor(random() * 10_000)).padStart(4, '0')}`,
      billing_address_1: street,
      billing_city: city,
      billing_country: country.name,
      shipping_address_1: street,
      shipping_city: city,
      shipping_country: country.name,
      context_id: 2,
      created: timestamp(created),
      modified: timestamp(modified),
    };
    customers.push(record);
    if (i % LEAN_EVERY === LEAN_EVERY - 1) leanIds.add(record.id);
  }
  return { customers, leanIds };
}
