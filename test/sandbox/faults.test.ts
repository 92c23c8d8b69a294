import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../src/sandbox/faults.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';

const VIEW = `/api/2.0/customers/${DOC_EXAMPLE_ID}.json`;
const VIEW_XML = `/api/2.0/customers/${DOC_EXAMPLE_ID}.xml`;
const LIST = '/api/2.0/customers.json?contextId=2';
const AUTHORIZATION = `Basic ${Buffer.from(`${DEMO_ADMIN_KEY}:x`).toString('base64')}`;

interface Call {
  method?: string;
  /** False sends no Authorization header. */
  auth?: boolean;
  body?: string;
  signal?: AbortSignal;
}

/** Keeps its ordinary answer apart from any fault's, to check the sandbox is back to normal. */
async function expectNormalView(sandbox: Sandbox): Promise<void> {
  const response = await fetch(sandbox.url + VIEW, { headers: { authorization: AUTHORIZATION } });
  expect(response.status).toBe(200);
  expect((await response.json()).customer.id).toBe(DOC_EXAMPLE_ID);
}

/** The error a fetch rejects with, or undefined if it did not. */
async function failure(promise: Promise<unknown>): Promise<Error | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('sandbox faults', () => {
  let sandbox: Sandbox;
  const clock = Date.UTC(2024, 6, 1, 12, 0, 0);

  function request(path: string, call: Call = {}): Promise<Response> {
    return fetch(sandbox.url + path, {
      method: call.method ?? 'GET',
      headers: call.auth === false ? {} : { authorization: AUTHORIZATION },
      body: call.body,
      redirect: 'manual',
      signal: call.signal ?? AbortSignal.timeout(5_000),
    });
  }

  function control(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${sandbox.url}/_sandbox/${path}`, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
  }

  beforeAll(async () => {
    sandbox = createSandbox({ rateLimits: false, now: () => clock });
    await sandbox.listen();
  });
  afterAll(() => sandbox.close());
  beforeEach(() => {
    sandbox.setRateLimits(false);
    sandbox.reset();
  });

  describe('each kind', () => {
    it('answers 503 with a small JSON message by default', async () => {
      sandbox.faults.add({ kind: 'status' });
      const response = await request(VIEW);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ message: 'Service Unavailable' });
    });

    it('answers the status in XML when the path asks for XML', async () => {
      sandbox.faults.add({ kind: 'status', status: 500 });
      const response = await request(VIEW_XML);
      expect(response.status).toBe(500);
      expect(await response.text()).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><response><message>Internal Server Error</message></response>',
      );
    });

    it('answers the status with an HTML error page when asked to', async () => {
      sandbox.faults.add({ kind: 'status', status: 502, html: true });
      const response = await request(VIEW);
      expect(response.status).toBe(502);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('<h1>502 Bad Gateway</h1>');
    });

    it.each([
      ['message', '{"message":"Name cannot be left blank"}', '<message>Name cannot be left blank</message>'],
      [
        'v1',
        '{"Errors":[{"Error":{"message":"Name cannot be left blank"}}]}',
        '<Errors><Error><message>Name cannot be left blank</message></Error></Errors>',
      ],
      [
        'fields',
        '{"message":{"errors":{"billing_city":{"invalid":"Name cannot be left blank"}}}}',
        '<message><errors><billing_city><invalid>Name cannot be left blank</invalid></billing_city></errors></message>',
      ],
    ] as const)('answers a rejection in the %s form, in JSON and in XML', async (form, json, xml) => {
      sandbox.faults.add({
        kind: 'status',
        status: 422,
        form,
        message: 'Name cannot be left blank',
        ...(form === 'fields' && { field: 'billing_city' }),
      });
      const byJson = await request(VIEW);
      expect(byJson.status).toBe(422);
      expect(await byJson.text()).toBe(json);
      const byXml = await request(VIEW_XML);
      expect(byXml.status).toBe(422);
      expect(await byXml.text()).toBe(`<?xml version="1.0" encoding="UTF-8"?><response>${xml}</response>`);
    });

    it('sends Retry-After with a 429 when given, and none otherwise', async () => {
      sandbox.faults.add({ kind: 'status', status: 429, retryAfter: 7, times: 1 });
      sandbox.faults.add({ kind: 'status', status: 429, times: 1 });
      const withHeader = await request(VIEW);
      expect(withHeader.status).toBe(429);
      expect(withHeader.headers.get('retry-after')).toBe('7');
      expect(await withHeader.json()).toEqual({ message: 'Too Many Requests' });
      const withoutHeader = await request(VIEW);
      expect(withoutHeader.status).toBe(429);
      expect(withoutHeader.headers.get('retry-after')).toBeNull();
    });

    it('delays and then answers normally, authentication included', async () => {
      sandbox.faults.add({ kind: 'delay', delayMs: 150 });
      const started = performance.now();
      const response = await request(VIEW);
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
      expect((await response.json()).customer.id).toBe(DOC_EXAMPLE_ID);
      expect((await request(VIEW, { auth: false })).status).toBe(401);
    });

    it('adds a delay to the fault that answers after it, for slow errors', async () => {
      sandbox.faults.add({ kind: 'delay', delayMs: 100 });
      sandbox.faults.add({ kind: 'status', status: 504 });
      const started = performance.now();
      expect((await request(VIEW)).status).toBe(504);
      expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    });

    it('stalls without answering until the client gives up, recording status 0', async () => {
      sandbox.faults.add({ kind: 'stall', times: 1 });
      const error = await failure(request(VIEW, { signal: AbortSignal.timeout(200) }));
      expect(error?.name).toBe('TimeoutError');
      expect(sandbox.requests[0]).toMatchObject({ path: VIEW, status: 0 });
    });

    it('stalls after 200 headers and half the announced body', async () => {
      sandbox.faults.add({ kind: 'stall', afterHeaders: true });
      const response = await request(VIEW, { signal: AbortSignal.timeout(300) });
      expect(response.status).toBe(200);
      expect(Number(response.headers.get('content-length'))).toBeGreaterThan(500);
      expect((await failure(response.text()))?.name).toBe('TimeoutError');
      expect(sandbox.requests[0]?.status).toBe(0);
    });

    it('resets the connection without answering, recording status 0', async () => {
      sandbox.faults.add({ kind: 'reset' });
      const error = await failure(request(VIEW));
      expect(error).toBeInstanceOf(TypeError);
      expect((error?.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNRESET');
      expect(sandbox.requests[0]?.status).toBe(0);
    });

    it('does the work, then resets instead of answering: a delete happens, its answer is lost', async () => {
      sandbox.faults.add({ kind: 'lost', match: { method: 'DELETE' } });
      const error = await failure(request(VIEW, { method: 'DELETE' }));
      expect((error?.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNRESET');
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toBeUndefined();
      expect(sandbox.requests[0]?.status).toBe(200);
      expect((await request(VIEW)).status).toBe(404);
    });

    it('answers 200 with truncated JSON', async () => {
      sandbox.faults.add({ kind: 'malformed' });
      const response = await request(VIEW);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text.startsWith('{"customer":{')).toBe(true);
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
    });

    it('answers 200 with XML whose tags are left open', async () => {
      sandbox.faults.add({ kind: 'malformed' });
      const response = await request(VIEW_XML);
      expect(response.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const text = await response.text();
      expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?><response><customer>')).toBe(true);
      expect(XMLValidator.validate(text)).not.toBe(true);
    });

    it('answers a valid JSON list of exactly 2 MiB by default', async () => {
      sandbox.faults.add({ kind: 'oversized' });
      const response = await request(LIST);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(Buffer.byteLength(text)).toBe(2 * 1024 * 1024);
      const body = JSON.parse(text);
      expect(body.customers.length).toBeGreaterThan(1000);
      expect(body.count).toBe(String(body.customers.length));
    });

    it('answers a valid XML list of the bytes asked for', async () => {
      sandbox.faults.add({ kind: 'oversized', bytes: 300_000 });
      const text = await (await request(VIEW_XML)).text();
      expect(Buffer.byteLength(text)).toBe(300_000);
      expect(XMLValidator.validate(text)).toBe(true);
      const body = new XMLParser().parse(text).response;
      expect(body.customers.customer.length).toBe(Number(body.count));
    });

    it('redirects with 302 to the same path on example.invalid by default', async () => {
      sandbox.faults.add({ kind: 'redirect' });
      const response = await request(`/acme${LIST}`);
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(`https://example.invalid/acme${LIST}`);
    });

    it('redirects with the status and location given', async () => {
      sandbox.faults.add({ kind: 'redirect', status: 307, location: 'https://login.example.invalid/' });
      const response = await request(VIEW);
      expect(response.status).toBe(307);
      expect(response.headers.get('location')).toBe('https://login.example.invalid/');
      expect(sandbox.requests[0]?.status).toBe(307);
    });

    it('answers 200 with an HTML maintenance page', async () => {
      sandbox.faults.add({ kind: 'html' });
      const response = await request(VIEW);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('maintenance');
    });

    it.each<Fault>([
      { kind: 'status' },
      { kind: 'delay', delayMs: 10 },
      { kind: 'stall' },
      { kind: 'stall', afterHeaders: true },
      { kind: 'reset' },
      { kind: 'malformed' },
      { kind: 'oversized' },
      { kind: 'redirect' },
      { kind: 'html' },
      { kind: 'odd', oddity: 'no-modified' },
    ])('keeps serving normally after a $kind fault', async (fault) => {
      sandbox.faults.add({ ...fault, times: 1 });
      await failure(request(VIEW, { signal: AbortSignal.timeout(200) }).then((response) => response.text()));
      await expectNormalView(sandbox);
      expect(sandbox.faults.list()).toEqual([]);
    });
  });

  describe('odd records', () => {
    it('writes times without an offset, in views and lists, JSON and XML, leaving the store as it was', async () => {
      sandbox.faults.add({ kind: 'odd', oddity: 'no-offset' });
      const view = (await (await request(VIEW)).json()).customer;
      expect(view.created).toBe('2016-11-11 01:13:09');
      expect(view.modified).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      const listed = (await (await request(LIST)).json()).customers.flat();
      expect(
        listed.every((r: { modified: string }) => /:\d{2}$/.test(r.modified) && !r.modified.includes('+')),
      ).toBe(true);
      expect(await (await request(VIEW_XML)).text()).toContain('<created>2016-11-11 01:13:09</created>');
      expect(sandbox.customer(DOC_EXAMPLE_ID)?.created).toBe('2016-11-11T01:13:09+00:00');
    });

    it('leaves modified out of the one record named, and only that one', async () => {
      sandbox.faults.add({ kind: 'odd', oddity: 'no-modified', id: DOC_EXAMPLE_ID });
      const listed: Array<{ id: string; modified?: string }> = (
        await (await request(LIST)).json()
      ).customers.flat();
      expect(listed.filter((r) => r.modified === undefined).map((r) => r.id)).toEqual([DOC_EXAMPLE_ID]);
      expect(listed.length).toBeGreaterThan(1);
    });

    it('refuses an odd fault without its oddity', () => {
      expect(() => sandbox.faults.add({ kind: 'odd' })).toThrow(/oddity/);
    });
  });

  describe('which requests', () => {
    async function faultedShare(count: number): Promise<boolean[]> {
      const hits: boolean[] = [];
      for (let i = 0; i < count; i++) hits.push((await request(VIEW)).status === 503);
      return hits;
    }

    it('affects a repeatable, roughly even half of 200 requests at rate 0.5', async () => {
      sandbox.faults.add({ kind: 'status', rate: 0.5 });
      const first = await faultedShare(200);
      const affected = first.filter(Boolean).length;
      expect(affected).toBeGreaterThanOrEqual(70);
      expect(affected).toBeLessThanOrEqual(130);
      sandbox.reset();
      sandbox.faults.add({ kind: 'status', rate: 0.5 });
      expect(await faultedShare(200)).toEqual(first);
    });

    it('picks other requests with another faultSeed', async () => {
      sandbox.faults.add({ kind: 'status', rate: 0.5 });
      const seeded1 = await faultedShare(50);
      const other = createSandbox({ rateLimits: false, faultSeed: 2 });
      await other.listen();
      try {
        other.faults.add({ kind: 'status', rate: 0.5 });
        const seeded2: boolean[] = [];
        for (let i = 0; i < 50; i++) seeded2.push((await fetch(other.url + VIEW)).status === 503);
        expect(seeded2).not.toEqual(seeded1);
      } finally {
        await other.close();
      }
    });

    it('affects exactly `times` requests, counting down in the list, then removes itself', async () => {
      const id = sandbox.faults.add({ kind: 'status', status: 500, times: 2 });
      expect(sandbox.faults.list()).toEqual([{ id, kind: 'status', status: 500, times: 2, remaining: 2 }]);
      expect((await request(VIEW)).status).toBe(500);
      expect(sandbox.faults.list()[0]?.remaining).toBe(1);
      expect((await request(VIEW)).status).toBe(500);
      expect(sandbox.faults.list()).toEqual([]);
      expect((await request(VIEW)).status).toBe(200);
      expect(sandbox.requests.map((recorded) => recorded.status)).toEqual([500, 500, 200]);
    });

    it('matches by method, whatever its case', async () => {
      sandbox.faults.add({ kind: 'status', match: { method: 'delete' } });
      expect((await request(VIEW)).status).toBe(200);
      expect((await request(VIEW, { method: 'DELETE' })).status).toBe(503);
      expect(sandbox.customer(DOC_EXAMPLE_ID)).toBeDefined();
    });

    it('matches by a substring of the path or its query', async () => {
      sandbox.faults.add({
        kind: 'status',
        status: 500,
        match: { path: `customers/${DOC_EXAMPLE_ID.slice(0, 4)}` },
      });
      sandbox.faults.add({ kind: 'status', status: 502, match: { path: '.xml' } });
      sandbox.faults.add({ kind: 'status', status: 504, match: { path: 'page=2' } });
      expect((await request(VIEW)).status).toBe(500);
      expect((await request('/api/2.0/customers.xml?contextId=2')).status).toBe(502);
      expect((await request(`${LIST}&page=2`)).status).toBe(504);
      expect((await request(LIST)).status).toBe(200);
    });

    it('lets the first fault in insertion order that matches answer', async () => {
      sandbox.faults.add({ kind: 'status', status: 500, match: { method: 'PUT' } });
      sandbox.faults.add({ kind: 'status', status: 502 });
      sandbox.faults.add({ kind: 'status', status: 504 });
      expect((await request(VIEW)).status).toBe(502);
      expect((await request(VIEW, { method: 'PUT', body: '{}' })).status).toBe(500);
    });

    it('answers before authentication and rate limits, and faulted requests do not count against them', async () => {
      sandbox.setRateLimits({ perTenSeconds: 1, perMinute: 1, blockSeconds: 60 });
      sandbox.faults.add({ kind: 'status', times: 3 });
      for (let i = 0; i < 3; i++) expect((await request(VIEW, { auth: false })).status).toBe(503);
      expect((await request(VIEW)).status).toBe(200);
      expect((await request(VIEW)).status).toBe(429);
    });

    it('records the body and headers of faulted requests and the status sent', async () => {
      sandbox.faults.add({ kind: 'status', status: 500 });
      await request(VIEW, { method: 'PUT', body: '{"customer":{"name":"x"}}' });
      expect(sandbox.requests).toEqual([
        expect.objectContaining({
          method: 'PUT',
          path: VIEW,
          body: '{"customer":{"name":"x"}}',
          status: 500,
        }),
      ]);
      expect(sandbox.requests[0]?.headers.authorization).toBe(AUTHORIZATION);
    });
  });

  describe('programmatic control', () => {
    it('lists copies of the faults in order and removes one by id', () => {
      const first = sandbox.faults.add({ kind: 'delay', delayMs: 5, match: { path: '.xml' } });
      const second = sandbox.faults.add({ kind: 'reset', rate: 0.1 });
      const listed = sandbox.faults.list();
      expect(listed).toEqual([
        { id: first, kind: 'delay', delayMs: 5, match: { path: '.xml' } },
        { id: second, kind: 'reset', rate: 0.1 },
      ]);
      if (listed[0]?.match) listed[0].match.path = 'changed';
      expect(sandbox.faults.list()[0]?.match?.path).toBe('.xml');
      expect(sandbox.faults.remove(first)).toBe(true);
      expect(sandbox.faults.remove(first)).toBe(false);
      expect(sandbox.faults.list().map((fault) => fault.id)).toEqual([second]);
    });

    it('throws on an invalid fault, saying what is wrong', () => {
      expect(() => sandbox.faults.add({ kind: 'status', rate: 1.5 })).toThrow(/rate: Too big/);
      expect(() => sandbox.faults.add({ kind: 'delay' })).toThrow(/delayMs/);
      expect(() => sandbox.faults.add({ kind: 'reset', status: 500 })).toThrow(
        'Invalid fault: Unrecognized key: "status" (a reset fault takes kind, match, rate, times)',
      );
      expect(sandbox.faults.list()).toEqual([]);
    });

    it('clears every fault, and so does reset', async () => {
      sandbox.faults.add({ kind: 'status' });
      sandbox.faults.clear();
      expect(sandbox.faults.list()).toEqual([]);
      sandbox.faults.add({ kind: 'status' });
      sandbox.reset();
      expect(sandbox.faults.list()).toEqual([]);
      await expectNormalView(sandbox);
    });
  });

  describe('control endpoint', () => {
    it('adds one fault or several and lists them', async () => {
      const one = await control('POST', 'faults', { kind: 'status', status: 500, times: 1 });
      expect(one.status).toBe(201);
      const { ids: oneIds } = await one.json();
      const many = await control('POST', 'faults', [
        { kind: 'html', match: { method: 'GET' } },
        { kind: 'reset' },
      ]);
      const { ids: manyIds } = await many.json();
      expect([...oneIds, ...manyIds]).toHaveLength(3);
      const listed = await control('GET', 'faults');
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual({
        faults: [
          { id: oneIds[0], kind: 'status', status: 500, times: 1, remaining: 1 },
          { id: manyIds[0], kind: 'html', match: { method: 'GET' } },
          { id: manyIds[1], kind: 'reset' },
        ],
      });
      expect((await request(VIEW)).status).toBe(500);
    });

    it('removes one fault by id and answers 404 to an unknown id', async () => {
      const { ids } = await (await control('POST', 'faults', [{ kind: 'status' }, { kind: 'html' }])).json();
      expect((await control('DELETE', `faults/${ids[0]}`)).status).toBe(204);
      expect(sandbox.faults.list().map((fault) => fault.id)).toEqual([ids[1]]);
      const again = await control('DELETE', `faults/${ids[0]}`);
      expect(again.status).toBe(404);
      expect(await again.json()).toEqual({ message: `No fault ${ids[0]}` });
    });

    it('clears every fault', async () => {
      sandbox.faults.add({ kind: 'status' });
      sandbox.faults.add({ kind: 'reset' });
      expect((await control('DELETE', 'faults')).status).toBe(204);
      expect(sandbox.faults.list()).toEqual([]);
    });

    it('resets the sandbox like reset()', async () => {
      await request(VIEW, { method: 'DELETE' });
      sandbox.faults.add({ kind: 'status' });
      expect((await control('POST', 'reset')).status).toBe(204);
      expect(sandbox.faults.list()).toEqual([]);
      expect(sandbox.requests).toEqual([]);
      await expectNormalView(sandbox);
    });

    it.each([
      [{ kind: 'teapot' }, "kind: Invalid discriminator value. Expected 'status' | 'delay'"],
      [{ kind: 'status', rate: 2 }, 'rate: Too big: expected number to be <=1'],
      [{ kind: 'status', status: 302 }, 'status: Too small: expected number to be >=400'],
      [{ kind: 'delay' }, 'delayMs: Invalid input: expected number, received undefined'],
      [{ kind: 'status', times: 0 }, 'times: Too small: expected number to be >=1'],
      [{ kind: 'stall', match: { url: 'x' } }, 'match: Unrecognized key: "url"'],
      [{ kind: 'delay', delayMs: 5, status: 500 }, '(a delay fault takes kind, match, rate, times, delayMs)'],
      [{ kind: 'status', form: 'v2' }, 'form: Invalid option: expected one of "message"|"v1"|"fields"'],
      [
        { kind: 'status', form: 'fields', field: '<name>' },
        'field: Expected a field name such as billing_city',
      ],
      [
        [{ kind: 'html' }, { kind: 'oversized', bytes: 10 }],
        '[1].bytes: Too small: expected number to be >=1024',
      ],
      [[], 'Expected a fault or a non-empty array of faults'],
      ['{"kind": ', 'The body is not JSON'],
    ])('rejects %j with 400 and a message that says why, adding nothing', async (body, why) => {
      const response = await control('POST', 'faults', body);
      expect(response.status).toBe(400);
      expect((await response.json()).message).toContain(why);
      expect(sandbox.faults.list()).toEqual([]);
    });

    it('answers 413 to a body over 64 KiB', async () => {
      const body = JSON.stringify({ kind: 'status', match: { path: 'x'.repeat(64 * 1024) } });
      expect((await control('POST', 'faults', body)).status).toBe(413);
      expect(sandbox.faults.list()).toEqual([]);
    });

    it('answers 405 with the allowed methods and 404 elsewhere under /_sandbox/', async () => {
      const put = await control('PUT', 'faults', {});
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toBe('GET, POST, DELETE');
      expect((await control('GET', 'reset')).headers.get('allow')).toBe('POST');
      expect((await control('GET', 'faults/fault-1')).headers.get('allow')).toBe('DELETE');
      expect((await control('GET', 'nothing')).status).toBe(404);
    });

    it('is neither recorded, faulted, authenticated nor rate-limited', async () => {
      sandbox.setRateLimits({ perTenSeconds: 1, perMinute: 1, blockSeconds: 60 });
      sandbox.faults.add({ kind: 'reset' });
      for (let i = 0; i < 5; i++) expect((await control('GET', 'faults')).status).toBe(200);
      expect(sandbox.requests).toEqual([]);
    });
  });

  describe('close', () => {
    // In a process of its own: vitest's worker keeps timers of its own (its task reports are
    // throttled by a 100 ms timer), so counting the timers of the test's process can say nothing
    // about the sandbox's. Here nothing but the sandbox and the script's fetches run, and a timer
    // left behind would keep the process alive.
    const script = `
      const { createSandbox } = await import('./src/sandbox/sandbox.ts');
      const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
      const tick = () => new Promise((resolve) => setImmediate(resolve));
      const sandbox = createSandbox({ rateLimits: false });
      const url = await sandbox.listen();
      sandbox.faults.add({ kind: 'stall', times: 1 });
      sandbox.faults.add({ kind: 'stall', afterHeaders: true, times: 1 });
      sandbox.faults.add({ kind: 'delay', delayMs: 60_000 });
      const pending = [1, 2, 3].map(() =>
        fetch(url + ${JSON.stringify(VIEW)}, { signal: AbortSignal.timeout(10_000) })
          .then((response) => response.text())
          .then(() => 'answered', (error) => error.name),
      );
      // The delay holds its exchange with a timer, armed once the request's body is read.
      while (sandbox.requests.length < 3 || timers() === 0) await tick();
      const held = timers();
      await sandbox.close();
      const errors = await Promise.all(pending);
      console.log(JSON.stringify({
        held,
        errors,
        statuses: sandbox.requests.map((recorded) => recorded.status),
        timersAfterClose: timers(),
      }));
    `;

    it('ends stalled and delayed requests at once, and leaves nothing to keep a process alive', async () => {
      // The script ends on its own (no exit call): a timer left behind would keep it alive until
      // the kill below, and its report says what was left.
      const ended = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        timeout: 15_000,
      }).then(
        ({ stdout }) => ({ stdout, signal: null }),
        (error: { stdout: string; signal: string | null }) => error,
      );
      expect(JSON.parse(ended.stdout)).toEqual({
        held: 1,
        // Ended by close(), not by the client's 10 s signal (that would be a TimeoutError).
        errors: ['TypeError', 'TypeError', 'TypeError'],
        statuses: [0, 0, 0],
        timersAfterClose: 0,
      });
      expect(ended.signal).toBeNull();
    });
  });
});
