import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIRST_GENERATED_NUMBER, generateCustomers } from '../../src/sandbox/company.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { type CustomerRecord, DEMO_ADMIN_KEY, seedCustomers } from '../../src/sandbox/seed.ts';

const START = Date.UTC(2026, 11, 5, 12, 0, 0);
const SIZE = 2_500;

function basic(key: string): string {
  return `Basic ${Buffer.from(`${key}:x`).toString('base64')}`;
}

describe('a generated company', () => {
  it('is the same on every run, and the first customers of a larger one are a smaller one', () => {
    const small = generateCustomers(100);
    const again = generateCustomers(100);
    const large = generateCustomers(1_000);
    expect(again.customers).toEqual(small.customers);
    expect(large.customers.slice(0, 100)).toEqual(small.customers);
    expect([...again.leanIds]).toEqual([...small.leanIds]);
  });

  it('gives every customer a unique id, a unique name and the next customer number', () => {
    const { customers } = generateCustomers(10_000);
    expect(new Set(customers.map((c) => c.id)).size).toBe(10_000);
    expect(new Set(customers.map((c) => c.name)).size).toBe(10_000);
    expect(customers.map((c) => c.customer_number)).toEqual(
      customers.map((_, i) => FIRST_GENERATED_NUMBER + i),
    );
    for (const c of customers) {
      expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(c.context_id).toBe(2);
      expect(Date.parse(c.modified)).toBeGreaterThanOrEqual(Date.parse(c.created));
    }
  });

  it('has what people search by: shared words in names, shared e-mail domains, many countries', () => {
    const { customers } = generateCustomers(2_500);
    const withWord = customers.filter((c) => c.name.includes('Maple'));
    expect(withWord.length).toBeGreaterThan(10);
    expect(withWord.length).toBeLessThan(200);
    const domains = new Map<string, number>();
    for (const c of customers) {
      const domain = c.office_email.split('@')[1] ?? '';
      domains.set(domain, (domains.get(domain) ?? 0) + 1);
    }
    expect(Math.max(...domains.values())).toBeGreaterThan(50);
    expect(domains.size).toBeGreaterThan(500);
    expect(new Set(customers.map((c) => c.billing_country)).size).toBeGreaterThan(8);
  });
});

describe('the sandbox at a company size', () => {
  let sandbox: Sandbox;
  let clock = START;
  const get = async (path: string, key = DEMO_ADMIN_KEY) => {
    const response = await fetch(sandbox.url + path, { headers: { authorization: basic(key) } });
    const text = await response.text();
    return { status: response.status, text, body: text.startsWith('{') ? JSON.parse(text) : undefined };
  };
  const listAll = async (query: string): Promise<CustomerRecord[]> => {
    const records: CustomerRecord[] = [];
    for (let page = 1; ; page++) {
      const { status, body } = await get(`/api/2.0/customers.json?${query}&page=${page}&pageLimit=200`);
      if (status === 404) return records;
      records.push(...body.customers.flat());
      if (page >= Number(body.pages)) return records;
    }
  };

  beforeAll(async () => {
    sandbox = createSandbox({ rateLimits: false, now: () => clock, customers: SIZE });
    await sandbox.listen();
  });
  beforeEach(() => {
    clock = START;
    sandbox.reset();
    sandbox.setDeletedLog({ kinds: [2, 10], layout: 'nested' });
    sandbox.setChangeFeed({});
  });
  afterAll(() => sandbox.close());

  describe('list', () => {
    it('holds the seed and generated customers, SIZE in all, in 13 pages of 200 by customer number', async () => {
      const { body } = await get('/api/2.0/customers.json?contextId=2&pageLimit=200');
      expect(body).toMatchObject({ count: String(SIZE), page: '1', pages: '13' });
      const all = await listAll('contextId=2');
      expect(all).toHaveLength(SIZE);
      const numbers = all.map((c) => c.customer_number);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(sandbox.ids(2)).toEqual(all.map((c) => c.id));
      // Prospects and suppliers stay the seed's.
      expect((await get('/api/2.0/customers.json?contextId=8')).body.count).toBe('5');
    });

    it('prints some generated accounts as the List page does, without context_id, and the rest whole', async () => {
      const all = await listAll('contextId=2');
      const lean = all.filter((c: Partial<CustomerRecord>) => c.context_id === undefined);
      expect(lean.length).toBeGreaterThan(SIZE / 10);
      expect(lean.length).toBeLessThan(SIZE / 5);
      const [one] = lean;
      const viewed = await get(`/api/2.0/customers/${one?.id}.json`);
      expect(viewed.body.customer).not.toHaveProperty('context_id');
    });
  });

  describe('search, as assumed (docs/sandbox.md)', () => {
    const reference = (
      term: string,
      fields = ['name', 'customer_number', 'office_email', 'billing_country'],
    ) =>
      sandbox
        .ids(2)
        .map((id) => sandbox.customer(id) as CustomerRecord)
        .filter((c) =>
          fields.some((f) =>
            String(c[f as keyof CustomerRecord])
              .toLowerCase()
              .includes(term.toLowerCase()),
          ),
        )
        .map((c) => c.id);

    it('matches a substring of the name, number, e-mail or country, whatever the case, in customer number order', async () => {
      for (const term of ['maPLE', 'ple ba', '1234', 'netmail.example', 'ZEALAND', 'Acme']) {
        const found = (await listAll(`contextId=2&s=${encodeURIComponent(term)}`)).map((c) => c.id);
        expect(found.length, term).toBeGreaterThan(0);
        expect(found, term).toEqual(reference(term));
      }
    });

    it('does not look in other fields (city, phone, address)', async () => {
      const [someone] = sandbox
        .ids(2)
        .slice(100)
        .map((id) => sandbox.customer(id) as CustomerRecord);
      const street = someone?.billing_address_1 ?? '';
      const found = await listAll(`contextId=2&s=${encodeURIComponent(street)}`);
      expect(found).toEqual([]);
      expect((await listAll('contextId=2&s=Vancouver')).map((c) => c.name)).toEqual([]);
    });

    it('compares accents as they are and takes % and _ literally', async () => {
      expect((await listAll(`contextId=2&s=${encodeURIComponent('olé')}`)).map((c) => c.name)).toEqual([
        'Café Olé SARL',
      ]);
      expect((await listAll('contextId=2&s=cafe%20ole')).map((c) => c.name)).toEqual([]);
      expect(await listAll(`contextId=2&s=${encodeURIComponent('%')}`)).toEqual([]);
      expect(await listAll('contextId=2&s=_')).toEqual([]);
    });

    it('looks only in the field `field` names, and in all four for an unknown one', async () => {
      const byCountry = (await listAll('contextId=2&s=canada&field=billing_country')).map((c) => c.id);
      expect(byCountry).toEqual(reference('canada', ['billing_country']));
      const byName = await listAll('contextId=2&s=canada&field=name');
      expect(byName).toEqual([]);
      const anyField = (await listAll('contextId=2&s=canada&field=phone')).map((c) => c.id);
      expect(anyField).toEqual(reference('canada'));
    });
  });

  describe('deleted_log', () => {
    it('lists accounts deleted in SalesBinder itself and through the API, oldest first, after deletedSince', async () => {
      const [a, b, c] = sandbox.ids(2).slice(500, 503) as [string, string, string];
      const since = Math.floor(clock / 1000);
      clock += 1_000;
      expect(sandbox.app.remove(a)).toBe(true);
      clock += 1_000;
      const deleted = await fetch(`${sandbox.url}/api/2.0/customers/${b}.json`, {
        method: 'DELETE',
        headers: { authorization: basic(DEMO_ADMIN_KEY) },
      });
      expect(deleted.status).toBe(200);
      clock += 1_000;
      sandbox.app.remove(c);

      const all = await get(
        `/api/2.0/deleted_log.json?contextId=2&deletedSince=${since}&page=1&pageLimit=200`,
      );
      expect(all.status).toBe(200);
      expect(all.body).toEqual({
        count: '3',
        page: '1',
        pages: '1',
        deletedlog: [a, b, c].map((id) => [{ context_id: 2, record_id: id }]),
      });
      // The boundary second itself is left out, as modifiedSince's is.
      const later = await get(`/api/2.0/deleted_log.json?contextId=2&deletedSince=${since + 2}`);
      expect(later.body.deletedlog).toEqual([[{ context_id: 2, record_id: c }]]);
      // Without deletedSince, everything logged.
      expect((await get('/api/2.0/deleted_log.json?contextId=2')).body.count).toBe('3');
    });

    it('answers pages 0 when nothing was deleted, pages through with pageLimit and 404 past the last page', async () => {
      const empty = await get('/api/2.0/deleted_log.json?contextId=2&deletedSince=0&page=1&pageLimit=200');
      expect(empty.body).toEqual({ count: '0', page: '1', pages: '0', deletedlog: [] });
      for (const id of sandbox.ids(2).slice(0, 5)) sandbox.app.remove(id);
      const second = await get('/api/2.0/deleted_log.json?contextId=2&page=2&pageLimit=2');
      expect(second.body).toMatchObject({ count: '5', page: '2', pages: '3' });
      expect(second.body.deletedlog).toHaveLength(2);
      expect((await get('/api/2.0/deleted_log.json?contextId=2&page=4&pageLimit=2')).status).toBe(404);
    });

    it('covers customers and suppliers, not prospects, unless told to', async () => {
      const prospect = sandbox.ids(8)[0] as string;
      const supplier = sandbox.ids(10)[0] as string;
      sandbox.app.remove(prospect);
      sandbox.app.remove(supplier);
      expect((await get('/api/2.0/deleted_log.json?contextId=10')).body.count).toBe('1');
      expect((await get('/api/2.0/deleted_log.json?contextId=8')).body).toEqual({
        count: '0',
        page: '1',
        pages: '0',
        deletedlog: [],
      });
      sandbox.setDeletedLog({ kinds: [2, 8, 10] });
      expect((await get('/api/2.0/deleted_log.json?contextId=8')).body.deletedlog).toEqual([
        [{ context_id: 8, record_id: prospect }],
      ]);
    });

    it('answers flat records when laid out so, and XML as count, page, pages and deletedlog of deleted_log', async () => {
      const id = sandbox.ids(2)[7] as string;
      sandbox.app.remove(id);
      sandbox.setDeletedLog({ layout: 'flat' });
      expect((await get('/api/2.0/deleted_log.json?contextId=2')).body.deletedlog).toEqual([
        { context_id: 2, record_id: id },
      ]);
      const xml = await get('/api/2.0/deleted_log.xml?contextId=2');
      const parsed = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'deleted_log' }).parse(
        xml.text,
      );
      expect(parsed.response).toEqual({
        count: '1',
        page: '1',
        pages: '1',
        deletedlog: { deleted_log: [{ context_id: '2', record_id: id }] },
      });
    });

    it('answers 400 to bad parameters, 403 for a kind the key may not view, 405 to other methods', async () => {
      expect((await get('/api/2.0/deleted_log.json')).status).toBe(400);
      expect((await get('/api/2.0/deleted_log.json?contextId=3')).status).toBe(400);
      expect((await get('/api/2.0/deleted_log.json?contextId=2&deletedSince=yesterday')).status).toBe(400);
      expect((await get('/api/2.0/deleted_log.json?contextId=2&pageLimit=201')).status).toBe(400);
      const viewer = sandbox.keys.add({ kinds: [10] });
      expect((await get('/api/2.0/deleted_log.json?contextId=2', viewer)).status).toBe(403);
      expect((await get('/api/2.0/deleted_log.json?contextId=10', viewer)).status).toBe(200);
      const posted = await fetch(`${sandbox.url}/api/2.0/deleted_log.json?contextId=2`, {
        method: 'POST',
        headers: { authorization: basic(DEMO_ADMIN_KEY) },
      });
      expect(posted.status).toBe(405);
    });

    it('forgets deletions on reset, and brings the deleted accounts back', async () => {
      const id = sandbox.ids(2)[42] as string;
      sandbox.app.remove(id);
      sandbox.reset();
      expect((await get('/api/2.0/deleted_log.json?contextId=2')).body.count).toBe('0');
      expect(sandbox.customer(id)).toBeDefined();
    });
  });

  describe('the change feed as SalesBinder might answer it', () => {
    it('leaves out changes made up to shiftSeconds after the instant asked, when its clock is shifted', async () => {
      const id = sandbox.ids(2)[10] as string;
      const since = Math.floor(clock / 1000);
      clock += 5_000;
      sandbox.app.edit(id, { office_phone: '555' });
      const straight = await get(`/api/2.0/customers.json?contextId=2&modifiedSince=${since}`);
      expect(straight.body.customers.flat().map((c: CustomerRecord) => c.id)).toEqual([id]);
      sandbox.setChangeFeed({ shiftSeconds: 3_600 });
      expect((await get(`/api/2.0/customers.json?contextId=2&modifiedSince=${since}`)).body.count).toBe('0');
    });

    it('answers every account of the kind when modifiedSince is ignored', async () => {
      sandbox.setChangeFeed({ ignored: true });
      const since = Math.floor(clock / 1000);
      expect((await get(`/api/2.0/customers.json?contextId=2&modifiedSince=${since}`)).body.count).toBe(
        String(SIZE),
      );
    });
  });

  it('numbers a created account after the largest, and keeps the seed accounts as they are', () => {
    const created = sandbox.app.create({ context_id: 2, name: 'Brand New Ltd' });
    expect(created.customer_number).toBe(FIRST_GENERATED_NUMBER + SIZE - 9);
    for (const seed of seedCustomers()) expect(sandbox.customer(seed.id)).toEqual(seed);
  });
});
