/**
 * The failure table's upstream rows, against a real HTTP server on loopback that misbehaves on
 * cue: each answer maps to its typed payload member, with the number of calls it cost.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { UPDATE } from '../helpers/operations.ts';
import { type ScriptedUpstream, startScriptedUpstream } from '../helpers/scripted-upstream.ts';

const record = seedCustomers().find((c) => c.id === DOC_EXAMPLE_ID);
const saved = JSON.stringify({ message: 'Saved', customer: record });
const admin = { authorization: bearer(DEMO_ADMIN_KEY) };

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (_req: unknown, res: import('node:http').ServerResponse) =>
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(typeof body === 'string' ? body : JSON.stringify(body));
}

describe('updateCustomer when SalesBinder misbehaves', () => {
  let upstream: ScriptedUpstream;
  let gw: TestGateway;
  const edit = (input: Record<string, unknown> = { name: 'x' }) =>
    gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input }, admin).then((r) => r.body.data?.updateCustomer);

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await startGateway({
      env: {
        SALESBINDER_URL: upstream.url,
        SALESBINDER_HEADERS_TIMEOUT_MS: '300',
        SALESBINDER_BODY_TIMEOUT_MS: '300',
        SALESBINDER_DEADLINE_MS: '1000',
        SALESBINDER_MAX_RESPONSE_BYTES: '8192',
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.hits.length = 0;
  });

  it('returns UpdateCustomerSuccess for a well-formed 200', async () => {
    upstream.answer(json(200, saved));
    expect((await edit()).__typename).toBe('UpdateCustomerSuccess');
  });

  describe('SalesBinder rejecting the values (400/422)', () => {
    it('maps each field SalesBinder names back to its input path', async () => {
      upstream.answer(
        json(422, {
          message: {
            errors: {
              billing_city: { _required: 'This field is required' },
              name: { maxLength: 'Too long', other: 'second rule' },
              office_phone: { phone: 'Not a phone number' },
              customer_label_id: { exists: 'Unknown label' },
            },
          },
        }),
      );
      const payload = await edit();
      expect(payload.__typename).toBe('CustomerInputError');
      expect(payload.fieldErrors).toEqual([
        { path: ['input', 'billingAddress', 'city'], message: 'This field is required' },
        { path: ['input', 'name'], message: 'Too long' },
        { path: ['input', 'officePhone'], message: 'Not a phone number' },
        { path: ['input'], message: 'Unknown label' },
      ]);
      expect(upstream.hits).toHaveLength(1);
    });

    it.each([
      ['a 400 with no body', 400, ''],
      ['a 422 with an HTML body', 422, '<html><body>Unprocessable</body></html>'],
      ['a 422 whose message is a plain string', 422, '{"message":"Invalid data"}'],
    ])('puts %s at path ["input"]', async (_, status, body) => {
      upstream.answer(json(status, body));
      const payload = await edit();
      expect(payload.__typename).toBe('CustomerInputError');
      expect(payload.fieldErrors).toHaveLength(1);
      expect(payload.fieldErrors[0].path).toEqual(['input']);
    });
  });

  describe('rate limits (429)', () => {
    it('uses Retry-After when SalesBinder sends it', async () => {
      upstream.answer(json(429, { message: 'Too Many Requests' }, { 'retry-after': '17' }));
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderRateLimitError', retryAfterSeconds: 17 });
    });

    it('reads Retry-After as an HTTP date too', async () => {
      const at = new Date(Date.now() + 30_000).toUTCString();
      upstream.answer(json(429, '', { 'retry-after': at }));
      const payload = await edit();
      expect(payload.retryAfterSeconds).toBeGreaterThanOrEqual(28);
      expect(payload.retryAfterSeconds).toBeLessThanOrEqual(31);
    });

    it('waits a minute when SalesBinder sends no Retry-After', async () => {
      upstream.answer(json(429, ''));
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderRateLimitError', retryAfterSeconds: 60 });
    });
  });

  describe('SalesBinder failing (retryable)', () => {
    it.each([500, 502, 503, 504, 522])(
      'returns SalesBinderUnavailableError, retryable, for HTTP %i',
      async (status) => {
        upstream.answer(json(status, '<html>error</html>'));
        expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
        expect(upstream.hits).toHaveLength(1);
      },
    );

    it('returns SalesBinderUnavailableError, retryable, when the headers do not come in time', async () => {
      upstream.answer(() => {});
      const started = Date.now();
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('returns SalesBinderUnavailableError, retryable, when the body stalls halfway', async () => {
      upstream.answer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
        res.write('{"message":"Saved","customer":{');
      });
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
    });

    it('returns SalesBinderUnavailableError, retryable, when the connection is reset', async () => {
      upstream.answer((req) => req.socket.destroy());
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
    });
  });

  describe('answers that cannot be used (not retryable)', () => {
    const large = JSON.stringify({
      message: 'Saved',
      customer: { ...record, vat_number: 'v'.repeat(20_000) },
    });
    it.each([
      ['a body that is not JSON', json(200, '{"message": "Saved", "customer": {')],
      ['an HTML page with status 200', json(200, '<!DOCTYPE html><html><body>Maintenance</body></html>')],
      ['a 200 without the account record', json(200, { message: 'Saved' })],
      [
        'a record without created/modified',
        json(200, { message: 'Saved', customer: { id: DOC_EXAMPLE_ID, name: 'x' } }),
      ],
      ['a JSON array', json(200, [])],
      ['a body over the size cap', json(200, large)],
      ['an unexpected status (409)', json(409, '{}')],
    ])('returns SalesBinderUnavailableError, not retryable, for %s', async (_, script) => {
      upstream.answer(script);
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: false });
      expect(upstream.hits).toHaveLength(1);
    });

    it('does not follow a redirect', async () => {
      upstream.answer((_req, res) => res.writeHead(302, { location: `${upstream.url}/elsewhere` }).end());
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: false });
      expect(upstream.hits.map((h) => h.path)).toEqual([`/api/2.0/customers/${DOC_EXAMPLE_ID}.json`]);
    });
  });

  it('keeps serving after every kind of failure', async () => {
    upstream.answer(json(200, saved));
    expect((await edit()).__typename).toBe('UpdateCustomerSuccess');
    expect((await gw.fetch('/health')).status).toBe(200);
  });
});

describe('updateCustomer when SalesBinder cannot be reached', () => {
  it('returns SalesBinderUnavailableError, retryable, for a refused connection', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as import('node:net').AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));

    const gw = await startGateway({ env: { SALESBINDER_URL: `http://127.0.0.1:${port}` } });
    try {
      const { body } = await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'x' } }, admin);
      expect(body.data?.updateCustomer).toMatchObject({
        __typename: 'SalesBinderUnavailableError',
        retryable: true,
      });
    } finally {
      await gw.close();
    }
  });
});
