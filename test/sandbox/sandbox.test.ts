import { connect } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import {
  type CustomerRecord,
  DEMO_ADMIN_KEY,
  DEMO_VIEWER_KEY,
  DOC_EXAMPLE_ID,
  FIELDS_PAGES_LEAVE_OUT,
  PAGE_SHAPED_IDS,
  seedCustomers,
} from '../../src/sandbox/seed.ts';

const START = Date.UTC(2024, 6, 1, 12, 0, 0);
const DOC_PATH = `/api/2.0/customers/${DOC_EXAMPLE_ID}`;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** The record of the documentation's Edit Account response, before the rename. */
const DOC_RECORD = {
  id: DOC_EXAMPLE_ID,
  name: 'Acme Company',
  customer_number: 641,
  office_email: 'sales@acme-company.com',
  office_phone: '(604) 555-5555',
  office_fax: '',
  url: 'acme-company.com',
  billing_address_1: 'Suite 100 - 1234 West 4th Avenue',
  billing_address_2: '',
  billing_city: 'Vancouver',
  billing_region_id: null,
  billing_region: 'BC',
  billing_postal_code: 'V6P 6W5',
  billing_country_id: null,
  billing_country: 'Canada',
  shipping_address_1: 'Suite 100 - 1234 West 4th Avenue',
  shipping_address_2: '',
  shipping_city: 'Vancouver',
  shipping_region_id: null,
  shipping_region: 'BC',
  shipping_postal_code: 'V6P 6W5',
  shipping_country_id: null,
  shipping_country: 'Canada',
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
  modified: '2016-11-11T01:13:09+00:00',
  created: '2016-11-11T01:13:09+00:00',
};

const xml = new XMLParser({
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'customer',
});

function basic(key: string, password = 'x'): string {
  return `Basic ${Buffer.from(`${key}:${password}`).toString('base64')}`;
}

interface Call {
  method?: string;
  key?: string | null;
  authorization?: string;
  body?: string;
  contentType?: string;
}

function caller(sandbox: () => Sandbox) {
  return (path: string, call: Call = {}): Promise<Response> => {
    const headers: Record<string, string> = {};
    const authorization =
      call.authorization ?? (call.key === null ? undefined : basic(call.key ?? DEMO_ADMIN_KEY));
    if (authorization !== undefined) headers.authorization = authorization;
    if (call.contentType !== undefined) headers['content-type'] = call.contentType;
    return fetch(sandbox().url + path, { method: call.method ?? 'GET', headers, body: call.body });
  };
}

function putJson(customer: unknown, key?: string): Call {
  return { method: 'PUT', key, body: JSON.stringify({ customer }), contentType: 'application/json' };
}

function putXml(body: string): Call {
  return { method: 'PUT', body, contentType: 'application/xml' };
}

async function listAll(request: ReturnType<typeof caller>, query: string): Promise<CustomerRecord[]> {
  const response = await request(`/api/2.0/customers.json?${query}`);
  const body = await response.json();
  return body.customers.flat();
}

describe('the SalesBinder sandbox', () => {
  let sandbox: Sandbox;
  let clock = START;
  const request = caller(() => sandbox);

  beforeAll(async () => {
    sandbox = createSandbox({ rateLimits: false, now: () => clock });
    await sandbox.listen();
  });
  afterAll(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
    clock = START;
  });

  describe('view', () => {
    it('answers the documentation example account with its fields in the documentation order and types', async () => {
      const response = await request(`${DOC_PATH}.json`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = await response.json();
      expect(body).toEqual({ customer: DOC_RECORD });
      expect(Object.keys(body.customer)).toEqual(Object.keys(DOC_RECORD));
    });

    it('gives every seed account every documented field in the same order', () => {
      for (const record of seedCustomers()) expect(Object.keys(record)).toEqual(Object.keys(DOC_RECORD));
    });

    it('answers the same account in XML with numbers as text, booleans as 0 and null as empty elements', async () => {
      const response = await request(`${DOC_PATH}.xml`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const text = await response.text();
      expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?><response><customer><id>')).toBe(true);
      const [customer] = xml.parse(text).response.customer;
      expect(customer).toMatchObject({
        name: 'Acme Company',
        customer_number: '641',
        context_id: '2',
        archived: '0',
        office_fax: '',
        billing_region_id: '',
      });
    });

    it.each([UNKNOWN_ID, 'not-an-id', DOC_EXAMPLE_ID.toUpperCase(), '%E0%A4%A'])(
      'answers 404 Not Found to the unknown id %s',
      async (id) => {
        const response = await request(`/api/2.0/customers/${id}.json`);
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ message: 'Not Found' });
      },
    );

    it('answers 404 in XML to an unknown id asked as XML', async () => {
      const response = await request(`/api/2.0/customers/${UNKNOWN_ID}.xml`);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><response><message>Not Found</message></response>',
      );
    });
  });

  describe('list', () => {
    it('answers count, page and pages as strings and each record in its own inner array', async () => {
      const response = await request('/api/2.0/customers.json?contextId=2');
      expect(response.status).toBe(200);
      const body = await response.json();
      const customers = seedCustomers().filter((record) => record.context_id === 2);
      expect(body).toMatchObject({ count: String(customers.length), page: '1', pages: '1' });
      expect(body.customers).toHaveLength(customers.length);
      for (const inner of body.customers) expect(inner).toHaveLength(1);
    });

    it('orders by customer number', async () => {
      const numbers = (await listAll(request, 'contextId=2')).map((record) => record.customer_number);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    });

    it.each([
      [2, 8],
      [8, 4],
      [10, 4],
    ])('lists only the accounts of context %i, at least %i of them', async (contextId, atLeast) => {
      const records = await listAll(request, `contextId=${contextId}`);
      expect(records.length).toBeGreaterThanOrEqual(atLeast);
      const ofContext = seedCustomers().filter((record) => record.context_id === contextId);
      expect(records.map((record) => record.id).sort()).toEqual(ofContext.map((record) => record.id).sort());
      // The records that say their context (not all do: see 'as the pages print records') say this one.
      expect(
        records.every((record) => record.context_id === undefined || record.context_id === contextId),
      ).toBe(true);
    });

    it('pages through with pageLimit and answers 404 past the last page', async () => {
      const all = await listAll(request, 'contextId=2');
      const pages = Math.ceil(all.length / 3);
      const paged: CustomerRecord[] = [];
      for (let page = 1; page <= pages; page++) {
        const body = await (
          await request(`/api/2.0/customers.json?contextId=2&page=${page}&pageLimit=3`)
        ).json();
        expect(body).toMatchObject({ count: String(all.length), page: String(page), pages: String(pages) });
        paged.push(...body.customers.flat());
      }
      expect(paged).toEqual(all);
      const beyond = await request(`/api/2.0/customers.json?contextId=2&page=${pages + 1}&pageLimit=3`);
      expect(beyond.status).toBe(404);
      expect(await beyond.json()).toEqual({ message: 'Not Found' });
    });

    it('answers 404 in XML past the last page asked as XML', async () => {
      const response = await request('/api/2.0/customers.xml?contextId=10&page=2&pageLimit=200');
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><response><message>Not Found</message></response>',
      );
    });

    it('answers 404 past the end of a search without matches, but page 1 of it with count 0', async () => {
      const query = 'contextId=8&s=nothing-like-this';
      expect((await request(`/api/2.0/customers.json?${query}`)).status).toBe(200);
      expect((await request(`/api/2.0/customers.json?${query}&page=2`)).status).toBe(404);
    });

    it.each([
      ['ACME', ['Acme Company']],
      ['641', ['Acme Company']],
      ['SALES@acme', ['Acme Company']],
      ['canada', ['Acme Company']],
      ['café', ['Café Olé SARL']],
    ])(
      'searches name, customer number, e-mail and country case-insensitively for %s',
      async (term, names) => {
        const records = await listAll(request, `contextId=2&s=${encodeURIComponent(term)}`);
        expect(records.map((record) => record.name)).toEqual(names);
      },
    );

    it('answers count 0 and pages 1 when nothing matches', async () => {
      const body = await (await request('/api/2.0/customers.json?contextId=8&s=nothing-like-this')).json();
      expect(body).toEqual({ count: '0', page: '1', pages: '1', customers: [] });
    });

    it.each([
      '',
      'contextId=3',
      'contextId=two',
      'contextId=2&pageLimit=0',
      'contextId=2&pageLimit=201',
      'contextId=2&page=0',
      'contextId=2&page=-1',
    ])('answers 400 Bad Request to the query "%s"', async (query) => {
      const response = await request(`/api/2.0/customers.json?${query}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ message: 'Bad Request' });
    });

    it('accepts pageLimit 200', async () => {
      expect((await request('/api/2.0/customers.json?contextId=2&pageLimit=200')).status).toBe(200);
    });

    it('answers a list in XML as customers holding one customer element per record', async () => {
      const response = await request('/api/2.0/customers.xml?contextId=10&pageLimit=2');
      const body = xml.parse(await response.text()).response;
      expect(body.count).toBe(String(seedCustomers().filter((record) => record.context_id === 10).length));
      expect(body.page).toBe('1');
      expect(body.customers.customer).toHaveLength(2);
      expect(body.customers.customer[0].context_id).toBe('10');
    });
  });

  describe('as the pages print records', () => {
    const pageShaped = seedCustomers().filter((record) => PAGE_SHAPED_IDS.has(record.id));
    const left = (record: Record<string, unknown>) =>
      FIELDS_PAGES_LEAVE_OUT.filter((field) => Object.hasOwn(record, field));
    const viewOf = async (id: string, format: 'json' | 'xml') => {
      const response = await request(`/api/2.0/customers/${id}.${format}`);
      expect(response.status).toBe(200);
      return format === 'json'
        ? (await response.json()).customer
        : xml.parse(await response.text()).response.customer[0];
    };

    it('plays both shapes among the accounts of every kind', () => {
      for (const contextId of [2, 8, 10]) {
        const ofContext = seedCustomers().filter((record) => record.context_id === contextId);
        expect(ofContext.some((record) => PAGE_SHAPED_IDS.has(record.id))).toBe(true);
        expect(ofContext.some((record) => !PAGE_SHAPED_IDS.has(record.id))).toBe(true);
      }
      expect(pageShaped.some((record) => record.archived)).toBe(true);
      expect(pageShaped.some((record) => record.vat_number !== '')).toBe(true);
    });

    it.each(['json', 'xml'] as const)(
      'views those accounts in %s without context_id, archived, vat_number or the region and country ids',
      async (format) => {
        for (const record of pageShaped) {
          const viewed = await viewOf(record.id, format);
          expect(left(viewed)).toEqual([]);
          expect(viewed).toMatchObject({ id: record.id, name: record.name, created: record.created });
          expect(Object.keys(viewed)).toEqual(
            Object.keys(record).filter(
              (field) => !(FIELDS_PAGES_LEAVE_OUT as readonly string[]).includes(field),
            ),
          );
        }
        expect(left(await viewOf(DOC_EXAMPLE_ID, format))).toEqual([...FIELDS_PAGES_LEAVE_OUT]);
      },
    );

    it.each(['json', 'xml'] as const)(
      'lists them in %s as it views them, beside whole records',
      async (format) => {
        const response = await request(`/api/2.0/customers.${format}?contextId=2&pageLimit=200`);
        const records: Record<string, unknown>[] =
          format === 'json'
            ? (await response.json()).customers.flat()
            : xml.parse(await response.text()).response.customers.customer;
        const shapes = records.map((record) => [record.id, left(record).length === 0]);
        expect(shapes).toContainEqual([DOC_EXAMPLE_ID, false]);
        for (const record of pageShaped.filter((r) => r.context_id === 2)) {
          expect(shapes).toContainEqual([record.id, true]);
        }
      },
    );

    it('answers an edit of such an account with the whole record, as the Edit page shows', async () => {
      const [record] = pageShaped;
      const response = await request(`/api/2.0/customers/${record?.id}.json`, putJson({ name: 'Edited' }));
      const { customer } = await response.json();
      expect(Object.keys(customer)).toEqual(Object.keys(DOC_RECORD));
      expect(customer).toMatchObject({ context_id: record?.context_id, archived: record?.archived });
    });
  });

  describe('edit', () => {
    it('renames the documentation example and answers Saved with the whole record', async () => {
      clock = Date.parse('2016-11-11T01:16:55.678Z');
      const response = await request(`${DOC_PATH}.json`, putJson({ name: 'API Renamed Customer' }));
      expect(response.status).toBe(200);
      const body = await response.json();
      const expected = { ...DOC_RECORD, name: 'API Renamed Customer', modified: '2016-11-11T01:16:55+00:00' };
      expect(body).toEqual({ message: 'Saved', customer: expected });
      expect(Object.keys(body)).toEqual(['message', 'customer']);
      expect(Object.keys(body.customer)).toEqual(Object.keys(DOC_RECORD));
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toEqual(expected);
    });

    it('changes only the fields sent', async () => {
      const before = sandbox.customer(DOC_EXAMPLE_ID);
      await request(`${DOC_PATH}.json`, putJson({ billing_city: 'Burnaby', shipping_postal_code: '' }));
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toEqual({
        ...before,
        billing_city: 'Burnaby',
        shipping_postal_code: '',
        modified: '2024-07-01T12:00:00+00:00',
      });
    });

    it('stores values verbatim: leading zeros, whitespace, markup and non-ASCII', async () => {
      const values = {
        name: '  Ça & <Co> "Ünïcødé" 🚀  ',
        billing_postal_code: '01234',
        billing_address_2: '   ',
        shipping_region: "O'Hare\ttab",
      };
      const response = await request(`${DOC_PATH}.json`, putJson(values));
      expect((await response.json()).customer).toMatchObject(values);
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toMatchObject(values);
    });

    it('ignores fields that are not editable', async () => {
      await request(
        `${DOC_PATH}.json`,
        putJson({ customer_number: 1, context_id: 10, archived: true, id: 'x' }),
      );
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toMatchObject({
        id: DOC_EXAMPLE_ID,
        customer_number: 641,
        context_id: 2,
        archived: false,
      });
    });

    it('edits from an XML body like the documentation example and answers in XML', async () => {
      const body =
        '<?xml version="1.0" encoding="UTF-8" ?>\n<customer>\n  <name>API Renamed Customer</name>\n</customer>';
      const response = await request(`${DOC_PATH}.xml`, putXml(body));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const answer = xml.parse(await response.text()).response;
      expect(answer.message).toBe('Saved');
      expect(answer.customer[0]).toMatchObject({
        name: 'API Renamed Customer',
        office_email: 'sales@acme-company.com',
      });
    });

    it('round-trips escaped, accented, emoji, zero-led, empty and whitespace-only values through XML', async () => {
      const values = {
        name: 'Ça & <Co> "Ünïcødé" \'q\' 🚀',
        billing_postal_code: '01234',
        billing_address_2: '   ',
        office_fax: '',
        url: '',
      };
      const body =
        '<?xml version="1.0" encoding="UTF-8"?><customer>' +
        '<name>Ça &amp; &lt;Co&gt; &quot;Ünïcødé&quot; &apos;q&apos; 🚀</name>' +
        '<billing_postal_code>01234</billing_postal_code><billing_address_2>   </billing_address_2>' +
        '<office_fax/><url></url></customer>';
      expect((await request(`${DOC_PATH}.json`, putXml(body))).status).toBe(200);
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toMatchObject(values);
      const text = await (await request(`${DOC_PATH}.xml`)).text();
      expect(text).toContain('<name>Ça &amp; &lt;Co&gt; &quot;Ünïcødé&quot; &apos;q&apos; 🚀</name>');
      expect(xml.parse(text).response.customer[0]).toMatchObject(values);
    });

    it('reads the body by its Content-Type, whatever the path suffix', async () => {
      const response = await request(`${DOC_PATH}.xml`, putJson({ name: 'JSON in, XML out' }));
      expect(xml.parse(await response.text()).response.customer[0].name).toBe('JSON in, XML out');
    });

    it('answers 422 with every field error at once and stores nothing', async () => {
      const before = sandbox.customer(DOC_EXAMPLE_ID);
      const response = await request(
        `${DOC_PATH}.json`,
        putJson({
          name: ' ',
          office_email: 'not an address',
          billing_city: 'x'.repeat(256),
          url: 'fine.example',
        }),
      );
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual({
        message: {
          errors: {
            name: { _required: 'This field is required' },
            office_email: { email: 'Please supply a valid email address.' },
            billing_city: { maxLength: 'Must be at most 255 characters' },
          },
        },
      });
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toEqual(before);
    });

    it('counts the 255 characters in code points, so 255 emoji fit', async () => {
      const ok = await request(`${DOC_PATH}.json`, putJson({ billing_address_1: '🚀'.repeat(255) }));
      expect(ok.status).toBe(200);
      const tooLong = await request(`${DOC_PATH}.json`, putJson({ billing_address_1: '🚀'.repeat(256) }));
      expect(tooLong.status).toBe(422);
    });

    it('accepts an empty e-mail address', async () => {
      expect((await request(`${DOC_PATH}.json`, putJson({ office_email: '' }))).status).toBe(200);
    });

    it('answers 422 to a value that is not a string', async () => {
      const response = await request(`${DOC_PATH}.json`, putJson({ office_phone: 6045555555 }));
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual({
        message: { errors: { office_phone: { string: 'Must be a string' } } },
      });
    });

    it('answers 422 in XML as message, errors, field, rule', async () => {
      const response = await request(`${DOC_PATH}.xml`, putXml('<customer><name></name></customer>'));
      expect(response.status).toBe(422);
      expect(await response.text()).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><response><message><errors><name><_required>This field is required</_required></name></errors></message></response>',
      );
    });

    it.each([
      ['application/json', ''],
      ['application/json', '{"customer":'],
      ['application/json', '{"name":"x"}'],
      ['application/json', '{"customer":"x"}'],
      ['application/json', '{"customer":["x"]}'],
      ['application/json', '[]'],
      ['application/xml', '<customer><name>x</customer>'],
      ['application/xml', '<name>x</name>'],
      ['application/xml', '<customer>text<name>x</name></customer>'],
      ['application/xml', '<!DOCTYPE customer [<!ENTITY x "y">]><customer><name>&x;</name></customer>'],
      ['application/xml', '<!DOCTYPE customer SYSTEM "file:///etc/passwd"><customer/>'],
    ])('answers 400 Bad Request to the %s body %s', async (contentType, body) => {
      const response = await request(`${DOC_PATH}.json`, { method: 'PUT', body, contentType });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ message: 'Bad Request' });
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toEqual(DOC_RECORD);
    });

    it('answers 404 to an edit of an unknown id', async () => {
      const response = await request(`/api/2.0/customers/${UNKNOWN_ID}.json`, putJson({ name: 'x' }));
      expect(response.status).toBe(404);
    });

    it('answers 413 to a body over 1 MiB', async () => {
      const body = JSON.stringify({ customer: { name: 'x'.repeat(1024 * 1024) } });
      const response = await request(`${DOC_PATH}.json`, {
        method: 'PUT',
        body,
        contentType: 'application/json',
      });
      expect(response.status).toBe(413);
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toEqual(DOC_RECORD);
    });
  });

  describe('create and delete', () => {
    it('creates an account with a new id, the next customer number and created = modified = now', async () => {
      const response = await request('/api/2.0/customers.json', {
        method: 'POST',
        body: JSON.stringify({
          customer: { context_id: 8, name: 'Nouveau Prospect', billing_postal_code: '01000' },
        }),
        contentType: 'application/json',
      });
      expect(response.status).toBe(200);
      const { message, customer } = await response.json();
      expect(message).toBe('Saved');
      expect(customer.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Object.keys(customer)).toEqual(Object.keys(DOC_RECORD));
      const highest = Math.max(...seedCustomers().map((record) => record.customer_number));
      expect(customer).toMatchObject({
        name: 'Nouveau Prospect',
        context_id: 8,
        customer_number: highest + 1,
        billing_postal_code: '01000',
        archived: false,
        created: '2024-07-01T12:00:00+00:00',
        modified: '2024-07-01T12:00:00+00:00',
      });
      expect(sandbox.customer(customer.id)).toEqual(customer);
    });

    it('creates from XML with context_id as text', async () => {
      const response = await request('/api/2.0/customers.xml', {
        method: 'POST',
        body: '<customer><context_id>10</context_id><name>Fournisseur</name></customer>',
        contentType: 'application/xml',
      });
      expect(response.status).toBe(200);
      expect(xml.parse(await response.text()).response.customer[0]).toMatchObject({ context_id: '10' });
    });

    it('answers 422 to a create without a name or a valid context_id', async () => {
      const response = await request('/api/2.0/customers.json', {
        method: 'POST',
        body: JSON.stringify({ customer: { context_id: 3 } }),
        contentType: 'application/json',
      });
      expect(response.status).toBe(422);
      expect(Object.keys((await response.json()).message.errors).sort()).toEqual(['context_id', 'name']);
    });

    it('deletes an account', async () => {
      const response = await request(`${DOC_PATH}.json`, { method: 'DELETE' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ message: 'Deleted' });
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toBeUndefined();
      expect((await request(`${DOC_PATH}.json`)).status).toBe(404);
    });
  });

  describe('authentication and permissions', () => {
    it.each([
      ['no Authorization header', { key: null }],
      ['an unknown key', { key: 'unknownkey000000000000000000000000000000' }],
      ['a Bearer token', { authorization: `Bearer ${DEMO_ADMIN_KEY}` }],
      ['Basic credentials without a colon', { authorization: `Basic ${btoa(DEMO_ADMIN_KEY)}` }],
      ['Basic credentials that are not base64', { authorization: 'Basic !!!' }],
      ['an empty Basic', { authorization: 'Basic ' }],
    ] satisfies [string, Call][])('answers 401 to %s', async (_, call) => {
      const response = await request(`${DOC_PATH}.json`, call);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: 'Unauthorized' });
    });

    it('answers 401 before 404 to an unknown path without a key', async () => {
      expect((await request('/api/2.0/items.json', { key: null })).status).toBe(401);
    });

    it('takes any password', async () => {
      expect((await request(`${DOC_PATH}.json`, { authorization: basic(DEMO_ADMIN_KEY, '') })).status).toBe(
        200,
      );
      expect(
        (await request(`${DOC_PATH}.json`, { authorization: basic(DEMO_ADMIN_KEY, 'a:b') })).status,
      ).toBe(200);
    });

    it('lets the viewer key view and list', async () => {
      expect((await request(`${DOC_PATH}.json`, { key: DEMO_VIEWER_KEY })).status).toBe(200);
      expect((await request('/api/2.0/customers.json?contextId=2', { key: DEMO_VIEWER_KEY })).status).toBe(
        200,
      );
    });

    it('answers 403 to an edit with the viewer key and changes nothing', async () => {
      const response = await request(
        `${DOC_PATH}.json`,
        putJson({ name: 'Viewer was here' }, DEMO_VIEWER_KEY),
      );
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: 'Forbidden' });
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toEqual(DOC_RECORD);
    });

    it('answers 403 to a create or a delete with the viewer key', async () => {
      const create = await request('/api/2.0/customers.json', {
        method: 'POST',
        key: DEMO_VIEWER_KEY,
        body: JSON.stringify({ customer: { context_id: 2, name: 'x' } }),
        contentType: 'application/json',
      });
      expect(create.status).toBe(403);
      expect((await request(`${DOC_PATH}.json`, { method: 'DELETE', key: DEMO_VIEWER_KEY })).status).toBe(
        403,
      );
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toEqual(DOC_RECORD);
    });
  });

  describe('paths and methods', () => {
    it.each([
      '/',
      '/api/2.0/items.json',
      '/api/2.0/customers',
      '/api/2.0/customers/',
      '/api/1.0/customers.json',
    ])('answers 404 to the path %s', async (path) => {
      expect((await request(path)).status).toBe(404);
    });

    it.each([
      ['PATCH', DOC_PATH, 'GET, PUT, DELETE'],
      ['POST', DOC_PATH, 'GET, PUT, DELETE'],
      ['PUT', '/api/2.0/customers', 'GET, POST'],
    ])('answers 405 to %s %s with the allowed methods', async (method, path, allow) => {
      const response = await request(`${path}.json`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
    });

    it('serves any account under its path prefix from the one shared store', async () => {
      await request(`/acme${DOC_PATH}.json`, putJson({ name: 'Renamed via acme' }));
      const viaGlobex = await (await request(`/globex${DOC_PATH}.json`)).json();
      expect(viaGlobex.customer.name).toBe('Renamed via acme');
      expect(sandbox.requests.map((recorded) => recorded.account)).toEqual(['acme', 'globex']);
    });

    it('keeps serving after a client hangs up in the middle of a body', async () => {
      const { hostname, port } = new URL(sandbox.url);
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(`PUT ${DOC_PATH}.json HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"cust`);
          setTimeout(() => socket.destroy(), 20);
        });
        socket.on('close', () => resolve());
      });
      expect((await request(`${DOC_PATH}.json`)).status).toBe(200);
      expect(sandbox.requests[0]).toMatchObject({ method: 'PUT', status: 0 });
    });
  });

  describe('recording and reset', () => {
    it('records every request in order with path, account, lower-case headers, raw body and status', async () => {
      const body = JSON.stringify({ customer: { name: 'Récord' } });
      await request(`/acme${DOC_PATH}.json`, { method: 'PUT', body, contentType: 'application/json' });
      await request('/api/2.0/customers.json?contextId=2&s=ac%20me', { key: null });
      expect(sandbox.requests).toHaveLength(2);
      expect(sandbox.requests[0]).toMatchObject({
        method: 'PUT',
        path: `/acme${DOC_PATH}.json`,
        account: 'acme',
        body,
        status: 200,
      });
      expect(sandbox.requests[0]?.headers).toMatchObject({
        authorization: basic(DEMO_ADMIN_KEY),
        'content-type': 'application/json',
      });
      expect(sandbox.requests[1]).toMatchObject({
        method: 'GET',
        path: '/api/2.0/customers.json?contextId=2&s=ac%20me',
        account: '',
        body: '',
        status: 401,
      });
    });

    it('hands out copies of stored accounts', () => {
      const copy = sandbox.customer(DOC_EXAMPLE_ID);
      if (copy) copy.name = 'changed';
      expect(sandbox.customer(DOC_EXAMPLE_ID)?.name).toBe('Acme Company');
    });

    it('puts the seed data back and clears the requests on reset', async () => {
      await request(`${DOC_PATH}.json`, { method: 'DELETE' });
      sandbox.reset();
      expect(sandbox.requests).toEqual([]);
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toEqual(DOC_RECORD);
    });
  });
});

describe('the SalesBinder sandbox rate limits', () => {
  let sandbox: Sandbox;
  let clock = START;
  const request = caller(() => sandbox);
  const VIEW = `${DOC_PATH}.json`;

  async function statuses(count: number, path = VIEW, call: Call = {}): Promise<number[]> {
    const result: number[] = [];
    for (let i = 0; i < count; i++) result.push((await request(path, call)).status);
    return result;
  }

  beforeAll(async () => {
    sandbox = createSandbox({ now: () => clock });
    await sandbox.listen();
  });
  afterAll(() => sandbox.close());
  beforeEach(() => {
    sandbox.setRateLimits(undefined);
    sandbox.reset();
    clock = START;
  });

  it('answers 429 to the 16th request within 10 s and then blocks the account for 60 s', async () => {
    expect(await statuses(15)).toEqual(Array(15).fill(200));
    const refused = await request(VIEW);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(await refused.json()).toEqual({ message: 'Too Many Requests' });
    clock += 59_999;
    expect((await request(VIEW)).status).toBe(429);
    clock += 1;
    expect((await request(VIEW)).status).toBe(200);
  });

  it('lets 15 requests through again once the oldest leave the 10 s window', async () => {
    expect(await statuses(15)).toEqual(Array(15).fill(200));
    clock += 10_000;
    expect(await statuses(15)).toEqual(Array(15).fill(200));
  });

  it('answers 429 to the 51st request within a minute', async () => {
    for (let i = 0; i < 50; i++) {
      expect((await request(VIEW)).status).toBe(200);
      clock += 1_000;
    }
    expect((await request(VIEW)).status).toBe(429);
  });

  it('counts refused requests too', async () => {
    expect(await statuses(15, VIEW, { key: null })).toEqual(Array(15).fill(401));
    expect((await request(VIEW)).status).toBe(429);
  });

  it('limits each account separately', async () => {
    await statuses(16, `/acme${VIEW}`);
    expect((await request(`/acme${VIEW}`)).status).toBe(429);
    expect((await request(`/globex${VIEW}`)).status).toBe(200);
    expect((await request(VIEW)).status).toBe(200);
  });

  it('sends Retry-After with the seconds left when asked to', async () => {
    const withHeader = createSandbox({ now: () => clock, retryAfterHeader: true });
    await withHeader.listen();
    try {
      const requestWithHeader = caller(() => withHeader);
      for (let i = 0; i < 15; i++) await requestWithHeader(VIEW);
      expect((await requestWithHeader(VIEW)).headers.get('retry-after')).toBe('60');
      clock += 20_500;
      expect((await requestWithHeader(VIEW)).headers.get('retry-after')).toBe('40');
    } finally {
      await withHeader.close();
    }
  });

  it('applies custom limits and switches them off', async () => {
    sandbox.setRateLimits({ perTenSeconds: 2, perMinute: 5, blockSeconds: 5 });
    expect(await statuses(3)).toEqual([200, 200, 429]);
    // Past the block, but the refused request is still in the 10 s window.
    clock += 5_000;
    expect((await request(VIEW)).status).toBe(429);
    clock += 10_000;
    expect((await request(VIEW)).status).toBe(200);
    sandbox.setRateLimits(false);
    expect(await statuses(60)).toEqual(Array(60).fill(200));
  });

  it('takes no limits when created with rateLimits false', async () => {
    const unlimited = createSandbox({ rateLimits: false, now: () => clock });
    await unlimited.listen();
    try {
      const requestUnlimited = caller(() => unlimited);
      for (let i = 0; i < 60; i++) expect((await requestUnlimited(VIEW)).status).toBe(200);
    } finally {
      await unlimited.close();
    }
  });

  it('clears windows and blocks on reset', async () => {
    await statuses(16);
    sandbox.reset();
    expect((await request(VIEW)).status).toBe(200);
  });
});
