/**
 * What the sandbox offers beyond SalesBinder's API so that tests and benchmarks can play a
 * company's day: the list endpoint's modifiedSince feed, changes "made in SalesBinder itself",
 * users with per-kind and per-account keys, its request log over HTTP (keys masked), and its
 * clock in the Date header.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { type CustomerRecord, DEMO_ADMIN_KEY, DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';

const START = Date.UTC(2026, 10, 27, 9, 0, 0);
const basic = (key: string) => `Basic ${Buffer.from(`${key}:x`).toString('base64')}`;

describe('the sandbox’s control API and change feed', () => {
  let sandbox: Sandbox;
  let clock = START;

  const api = (path: string, key = DEMO_ADMIN_KEY, init: RequestInit = {}) =>
    fetch(`${sandbox.url}${path}`, { ...init, headers: { authorization: basic(key), ...init.headers } });
  const control = (path: string, method: string, body?: unknown) =>
    fetch(`${sandbox.url}/_sandbox${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  const listed = async (query: string, key?: string): Promise<CustomerRecord[]> => {
    const response = await api(`/api/2.0/customers.json?${query}`, key);
    if (response.status !== 200) return [];
    return ((await response.json()) as { customers: CustomerRecord[][] }).customers.flat();
  };

  beforeAll(async () => {
    sandbox = createSandbox({ rateLimits: false, now: () => clock });
    await sandbox.listen();
  });
  afterAll(() => sandbox.close());
  beforeEach(() => {
    sandbox.reset();
    clock = START;
  });

  describe('modifiedSince', () => {
    it('lists only the accounts of the kind changed after that instant, whole', async () => {
      expect(await listed(`contextId=2&modifiedSince=${START / 1000}`)).toEqual([]);
      clock = START + 5_000;
      sandbox.app.edit(DOC_EXAMPLE_ID, { office_phone: '(604) 555-0000' });
      const changed = await listed(`contextId=2&modifiedSince=${START / 1000}&pageLimit=200`);
      expect(changed.map((r) => r.id)).toEqual([DOC_EXAMPLE_ID]);
      expect(changed[0]?.office_phone).toBe('(604) 555-0000');
      expect(changed[0]?.modified).toBe('2026-11-27T09:00:05+00:00');
      // Not a prospect, and not changed after its own second: the boundary second is left out.
      expect(await listed(`contextId=8&modifiedSince=${START / 1000}`)).toEqual([]);
      expect(await listed(`contextId=2&modifiedSince=${START / 1000 + 5}`)).toEqual([]);
    });

    it('refuses a modifiedSince that is not epoch seconds', async () => {
      expect((await api('/api/2.0/customers.json?contextId=2&modifiedSince=yesterday')).status).toBe(400);
    });
  });

  describe('changes made in SalesBinder itself', () => {
    it('edits an account over HTTP as the web app would, moving modified', async () => {
      clock = START + 61_000;
      const response = await control(`/customers/${DOC_EXAMPLE_ID}`, 'PATCH', { name: 'Renamed in the app' });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { customer: CustomerRecord };
      expect(body.customer.name).toBe('Renamed in the app');
      expect(body.customer.modified).toBe('2026-11-27T09:01:01+00:00');
      const view = (await (await api(`/api/2.0/customers/${DOC_EXAMPLE_ID}.json`)).json()) as {
        customer: CustomerRecord;
      };
      expect(view.customer.name).toBe('Renamed in the app');
      // The app's edits reach the API unrecorded: they are not API requests.
      expect(sandbox.requests.map((r) => r.method)).toEqual(['GET']);
    });

    it('refuses what the web app would refuse, and answers 404 for no such account', async () => {
      expect((await control(`/customers/${DOC_EXAMPLE_ID}`, 'PATCH', { name: ' ' })).status).toBe(422);
      expect(
        (await control('/customers/00000000-0000-4000-8000-000000000000', 'PATCH', { name: 'x' })).status,
      ).toBe(404);
      expect((await control(`/customers/${DOC_EXAMPLE_ID}`, 'PATCH', ['not', 'an', 'object'])).status).toBe(
        400,
      );
    });

    it('deletes and creates accounts', async () => {
      expect((await control(`/customers/${DOC_EXAMPLE_ID}`, 'DELETE')).status).toBe(204);
      expect((await api(`/api/2.0/customers/${DOC_EXAMPLE_ID}.json`)).status).toBe(404);
      expect((await control(`/customers/${DOC_EXAMPLE_ID}`, 'DELETE')).status).toBe(404);
      const created = await control('/customers', 'POST', { context_id: 8, name: 'New prospect' });
      expect(created.status).toBe(201);
      const { customer } = (await created.json()) as { customer: CustomerRecord };
      expect((await listed('contextId=8&pageLimit=200')).map((r) => r.id)).toContain(customer.id);
    });
  });

  describe('users and their keys', () => {
    it('answers 403 for a kind the key may not view, in lists, views and edits', async () => {
      const key = sandbox.keys.add({ modify: true, kinds: [8] });
      expect((await api('/api/2.0/customers.json?contextId=2', key)).status).toBe(403);
      expect((await api('/api/2.0/customers.json?contextId=8', key)).status).toBe(200);
      expect((await api(`/api/2.0/customers/${DOC_EXAMPLE_ID}.json`, key)).status).toBe(403);
      const put = await api(`/api/2.0/customers/${DOC_EXAMPLE_ID}.json`, key, {
        method: 'PUT',
        body: JSON.stringify({ customer: { name: 'x' } }),
        headers: { 'content-type': 'application/json' },
      });
      expect(put.status).toBe(403);
    });

    it('answers 401 for a key of another account, and for a revoked key', async () => {
      const created = await control('/keys', 'POST', { kinds: [2], accounts: ['globex'] });
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: string };
      expect(key).toMatch(/^[a-z0-9]{40}$/);
      expect((await api('/globex/api/2.0/customers.json?contextId=2', key)).status).toBe(200);
      expect((await api('/acme/api/2.0/customers.json?contextId=2', key)).status).toBe(401);
      expect((await control(`/keys/${key}`, 'DELETE')).status).toBe(204);
      expect((await api('/globex/api/2.0/customers.json?contextId=2', key)).status).toBe(401);
    });

    it('forgets added keys on reset, but never the demo keys', async () => {
      const key = sandbox.keys.add({ kinds: [2] });
      sandbox.reset();
      expect((await api('/api/2.0/customers.json?contextId=2', key)).status).toBe(401);
      expect((await api('/api/2.0/customers.json?contextId=2')).status).toBe(200);
    });

    it('refuses a malformed key request', async () => {
      expect((await control('/keys', 'POST', { kinds: [3] })).status).toBe(400);
      expect((await control('/keys', 'POST', { key: 'has space' })).status).toBe(400);
    });
  });

  describe('the request log over HTTP', () => {
    it('lists what reached the API in order, each key masked as a short hash', async () => {
      await api('/api/2.0/customers.json?contextId=2');
      await api(`/api/2.0/customers/${DOC_EXAMPLE_ID}.json`, 'madeupkey0000000000000000000000000000000');
      const response = await control('/requests', 'GET');
      const text = await response.text();
      expect(text).not.toContain(DEMO_ADMIN_KEY);
      expect(text).not.toContain('madeupkey');
      expect(text).not.toContain(Buffer.from(`${DEMO_ADMIN_KEY}:x`).toString('base64'));
      const { requests, last } = JSON.parse(text) as {
        requests: Array<{
          seq: number;
          path: string;
          status: number;
          key: string;
          headers: Record<string, string>;
        }>;
        last: number;
      };
      expect(requests.map((r) => [r.seq, r.path, r.status])).toEqual([
        [1, '/api/2.0/customers.json?contextId=2', 200],
        [2, `/api/2.0/customers/${DOC_EXAMPLE_ID}.json`, 401],
      ]);
      expect(requests[0]?.key).toMatch(/^sha256:[0-9a-f]{12}$/);
      expect(requests[1]?.key).not.toBe(requests[0]?.key);
      expect(requests[0]?.headers.authorization).toBeUndefined();
      expect(last).toBe(2);
      const later = (await (await control('/requests?after=1', 'GET')).json()) as { requests: unknown[] };
      expect(later.requests).toHaveLength(1);
    });
  });

  it('dates its answers on its own clock, the one modified is on', async () => {
    clock = Date.UTC(2030, 0, 1, 0, 0, 0);
    const response = await api(`/api/2.0/customers/${DOC_EXAMPLE_ID}.json`);
    expect(response.headers.get('date')).toBe('Tue, 01 Jan 2030 00:00:00 GMT');
  });
});
