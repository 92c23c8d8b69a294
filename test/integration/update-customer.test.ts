/**
 * updateCustomer end to end: a real gateway on loopback in front of the real sandbox, checking
 * both what SalesBinder received and what the client got. Parameterised over wire formats.
 */
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { basic, bearer, CANARY_KEY, DEMO_ADMIN_KEY, DEMO_VIEWER_KEY } from '../helpers/keys.ts';
import { UPDATE } from '../helpers/operations.ts';
import { CONTENT_TYPE, FORMATS, sentFieldsOf } from '../helpers/wire.ts';

/** The documentation's example body, as its Edit Account page gives it in each format. */
const DOC_EXAMPLE_BODY = {
  json: '{"customer":{"name":"API Renamed Customer"}}',
  xml: '<?xml version="1.0" encoding="UTF-8"?><customer><name>API Renamed Customer</name></customer>',
};

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe.each(FORMATS)('updateCustomer over %s', (format) => {
  let gw: TestGateway;
  const edit = (
    input: Record<string, unknown>,
    headers: Record<string, string> = admin,
    id = DOC_EXAMPLE_ID,
  ) => gw.graphql(UPDATE, { id, input }, headers).then((r) => r.body.data?.updateCustomer);
  const edits = () => gw.sandbox.requests.filter((r) => r.method === 'PUT');
  const sentFields = () => {
    const last = edits().at(-1);
    if (!last) throw new Error('nothing reached SalesBinder');
    return sentFieldsOf(last.body, format);
  };

  beforeAll(async () => {
    gw = await startGateway({ env: { SALESBINDER_FORMAT: format } });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  describe("SalesBinder's documented example", () => {
    it('sends exactly the documented PUT with the caller’s key and returns the documented account', async () => {
      const payload = await edit({ name: 'API Renamed Customer' });

      expect(gw.sandbox.requests).toHaveLength(1);
      const [request] = gw.sandbox.requests;
      expect(request?.method).toBe('PUT');
      expect(request?.path).toBe(`/api/2.0/customers/${DOC_EXAMPLE_ID}.${format}`);
      expect(request?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${DEMO_ADMIN_KEY}:x`).toString('base64')}`,
      );
      expect(request?.headers['content-type']).toBe(CONTENT_TYPE[format]);
      expect(request?.headers.accept).toBe(CONTENT_TYPE[format]);
      expect(request?.body).toBe(DOC_EXAMPLE_BODY[format]);

      const stored = gw.sandbox.customer(DOC_EXAMPLE_ID);
      expect(payload).toEqual({
        __typename: 'UpdateCustomerSuccess',
        message: 'Saved',
        customer: {
          id: DOC_EXAMPLE_ID,
          name: 'API Renamed Customer',
          customerNumber: 641,
          kind: 'CUSTOMER',
          officeEmail: 'sales@acme-company.com',
          officePhone: '(604) 555-5555',
          officeFax: null,
          url: 'acme-company.com',
          vatNumber: null,
          archived: false,
          createdAt: '2016-11-11T01:13:09.000Z',
          modifiedAt: new Date(stored?.modified ?? '').toISOString(),
          billingAddress: {
            line1: 'Suite 100 - 1234 West 4th Avenue',
            line2: null,
            city: 'Vancouver',
            region: 'BC',
            country: 'Canada',
            postalCode: 'V6P 6W5',
          },
          shippingAddress: {
            line1: 'Suite 100 - 1234 West 4th Avenue',
            line2: null,
            city: 'Vancouver',
            region: 'BC',
            country: 'Canada',
            postalCode: 'V6P 6W5',
          },
        },
      });
      expect(stored?.name).toBe('API Renamed Customer');
    });

    it('accepts the key as HTTP Basic too, as SalesBinder itself does (curl -u KEY:x)', async () => {
      const payload = await edit(
        { name: 'Basic Caller' },
        { authorization: basic(DEMO_ADMIN_KEY, 'anything') },
      );
      expect(payload?.__typename).toBe('UpdateCustomerSuccess');
      expect(gw.sandbox.requests[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${DEMO_ADMIN_KEY}:x`).toString('base64')}`,
      );
    });
  });

  describe('omitted, null and partial fields', () => {
    it('sends only the fields given, and null as an empty string', async () => {
      await edit({ officeFax: null, url: 'example.org' });
      expect(sentFields()).toEqual({ office_fax: '', url: 'example.org' });
    });

    it('writes officePhone to office_phone (not the field table’s office_number)', async () => {
      await edit({ officePhone: '+1 604 555 0000' });
      expect(sentFields()).toEqual({ office_phone: '+1 604 555 0000' });
      expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.office_phone).toBe('+1 604 555 0000');
    });

    it('clears all six fields of an address set to null', async () => {
      const payload = await edit({ billingAddress: null });
      expect(sentFields()).toEqual({
        billing_address_1: '',
        billing_address_2: '',
        billing_city: '',
        billing_region: '',
        billing_country: '',
        billing_postal_code: '',
      });
      expect(payload.customer.billingAddress).toEqual({
        line1: null,
        line2: null,
        city: null,
        region: null,
        country: null,
        postalCode: null,
      });
      expect(payload.customer.shippingAddress.city).toBe('Vancouver');
    });

    it('changes only the given parts of a partial address', async () => {
      const payload = await edit({ shippingAddress: { city: 'Paris', postalCode: null } });
      expect(sentFields()).toEqual({ shipping_city: 'Paris', shipping_postal_code: '' });
      expect(payload.customer.shippingAddress).toMatchObject({
        line1: 'Suite 100 - 1234 West 4th Avenue',
        city: 'Paris',
        postalCode: null,
      });
    });

    it.each([
      ['an empty input', {}],
      ['only an empty address', { billingAddress: {} }],
      ['only empty addresses', { billingAddress: {}, shippingAddress: {} }],
    ])(
      'refuses %s as nothing to change, at path ["input"], without calling SalesBinder',
      async (_, input) => {
        const payload = await edit(input);
        expect(payload).toMatchObject({
          __typename: 'CustomerInputError',
          fieldErrors: [{ path: ['input'] }],
        });
        expect(gw.sandbox.requests).toHaveLength(0);
      },
    );
  });

  describe('values verbatim', () => {
    const verbatim = {
      name: '  Ünïcødé & Söns <Ltd> "quoted" 🚀  ',
      officePhone: '007',
      url: 'https://example.org/?a=1&b=<2>',
      billingAddress: { postalCode: '01234', line2: '   ', city: 'Zürich 🇨🇭', region: "Val-d'Oise" },
    };

    it('sends every value exactly as given: no trimming, case change or number conversion', async () => {
      await edit(verbatim);
      expect(sentFields()).toEqual({
        name: verbatim.name,
        office_phone: '007',
        url: verbatim.url,
        billing_address_2: '   ',
        billing_city: 'Zürich 🇨🇭',
        billing_region: "Val-d'Oise",
        billing_postal_code: '01234',
      });
    });

    it('returns the saved values exactly as SalesBinder stored them', async () => {
      const payload = await edit(verbatim);
      expect(payload.customer).toMatchObject({
        name: verbatim.name,
        officePhone: '007',
        url: verbatim.url,
        billingAddress: { postalCode: '01234', line2: '   ', city: 'Zürich 🇨🇭', region: "Val-d'Oise" },
      });
    });

    it('carries line breaks, tabs and text that looks like markup or escapes, both ways', async () => {
      const tricky = {
        name: 'CR\rLF\nCRLF\r\nTAB\t]]> &amp; &#65; <![CDATA[x]]> <!-- c --> \u0085\u2028',
        officeFax: '\r',
        billingAddress: { line1: '\r\n', line2: ' \t ' },
      };
      const payload = await edit(tricky);
      expect(sentFields()).toEqual({
        name: tricky.name,
        office_fax: '\r',
        billing_address_1: '\r\n',
        billing_address_2: ' \t ',
      });
      expect(payload.customer).toMatchObject({
        name: tricky.name,
        officeFax: '\r',
        billingAddress: { line1: '\r\n', line2: ' \t ' },
      });
    });

    it('accepts 255 characters, counting an emoji as one', async () => {
      const payload = await edit({ name: '🚀'.repeat(255), officeFax: 'f'.repeat(255) });
      expect(payload.__typename).toBe('UpdateCustomerSuccess');
      expect(payload.customer.name).toBe('🚀'.repeat(255));
    });
  });

  describe('rules checked before anything is sent', () => {
    it('reports every broken rule at once, one entry per field, and sends nothing', async () => {
      const { body } = await gw.graphql(
        UPDATE,
        {
          id: 'not-a-uuid',
          input: {
            name: '   ',
            officeEmail: 'not an address',
            url: 'u'.repeat(256),
            billingAddress: { city: 'c'.repeat(300) },
            shippingAddress: { postalCode: 'p'.repeat(256) },
          },
        },
        admin,
      );
      expect(body.data?.updateCustomer.__typename).toBe('CustomerInputError');
      const paths = body.data?.updateCustomer.fieldErrors.map((e: { path: string[] }) => e.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          ['id'],
          ['input', 'name'],
          ['input', 'officeEmail'],
          ['input', 'url'],
          ['input', 'billingAddress', 'city'],
          ['input', 'shippingAddress', 'postalCode'],
        ]),
      );
      expect(paths).toHaveLength(6);
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it.each([
      ['a null name', { name: null }, ['input', 'name'], /cleared/],
      ['an empty name', { name: '' }, ['input', 'name'], /blank/],
      ['an e-mail without a domain', { officeEmail: 'sales@' }, ['input', 'officeEmail'], /e-mail/],
      ['an empty e-mail', { officeEmail: '' }, ['input', 'officeEmail'], /e-mail/],
      ['256 characters', { officeFax: 'x'.repeat(256) }, ['input', 'officeFax'], /255/],
      [
        'a 256-character postal code',
        { billingAddress: { postalCode: '1'.repeat(256) } },
        ['input', 'billingAddress', 'postalCode'],
        /255/,
      ],
    ])('refuses %s with a CustomerInputError at its path', async (_, input, path, message) => {
      const payload = await edit(input);
      expect(payload.__typename).toBe('CustomerInputError');
      expect(payload.fieldErrors).toHaveLength(1);
      expect(payload.fieldErrors[0].path).toEqual(path);
      expect(payload.fieldErrors[0].message).toMatch(message);
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it('refuses a control character XML cannot carry, in every format alike', async () => {
      const payload = await edit({ name: 'Bell\u0007', billingAddress: { city: 'a\u0000' } });
      expect(payload.__typename).toBe('CustomerInputError');
      expect(payload.fieldErrors).toEqual([
        { path: ['input', 'name'], message: expect.stringMatching(/control characters/) },
        { path: ['input', 'billingAddress', 'city'], message: expect.stringMatching(/control characters/) },
      ]);
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it('clears the e-mail with null', async () => {
      const payload = await edit({ officeEmail: null });
      expect(sentFields()).toEqual({ office_email: '' });
      expect(payload.customer.officeEmail).toBeNull();
    });

    it('refuses an id that is not a SalesBinder id at path ["id"], without calling SalesBinder', async () => {
      const payload = await edit({ name: 'x' }, admin, '19d367c8-97c7-409f-bf67-2ad54349364');
      expect(payload).toMatchObject({ __typename: 'CustomerInputError', fieldErrors: [{ path: ['id'] }] });
      expect(gw.sandbox.requests).toHaveLength(0);
    });
  });

  describe('who the caller is', () => {
    it.each([
      ['no Authorization header', {}],
      ['an empty Authorization header', { authorization: '' }],
      ['an unknown scheme', { authorization: `Token ${DEMO_ADMIN_KEY}` }],
      ['a Bearer with no key', { authorization: 'Bearer' }],
      ['Basic that is not base64', { authorization: 'Basic %%%' }],
      ['a key with unsafe characters', { authorization: 'Bearer key\u00e9with\u00e9accents000000' }],
    ])('answers SalesBinderAuthError for %s, without calling SalesBinder', async (_, headers) => {
      const payload = await edit({ name: 'x' }, headers as Record<string, string>);
      expect(payload.__typename).toBe('SalesBinderAuthError');
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it('answers SalesBinderAuthError when SalesBinder rejects the key (401)', async () => {
      const payload = await edit({ name: 'x' }, { authorization: bearer(CANARY_KEY) });
      expect(payload.__typename).toBe('SalesBinderAuthError');
      expect(gw.sandbox.requests.map((r) => r.status)).toEqual([401]);
    });

    it('answers SalesBinderPermissionError when the key may only view (403)', async () => {
      const payload = await edit({ name: 'x' }, { authorization: bearer(DEMO_VIEWER_KEY) });
      expect(payload.__typename).toBe('SalesBinderPermissionError');
      expect(gw.sandbox.requests.map((r) => r.status)).toEqual([403]);
      expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.name).not.toBe('x');
    });

    it('sends each caller’s own key, never another’s', async () => {
      await Promise.all([
        edit({ name: 'by admin' }, { authorization: bearer(DEMO_ADMIN_KEY) }),
        edit({ name: 'by viewer' }, { authorization: bearer(DEMO_VIEWER_KEY) }),
        edit({ name: 'by admin again' }, { authorization: basic(DEMO_ADMIN_KEY) }),
      ]);
      const sent = gw.sandbox.requests.map((r) => [
        sentFieldsOf(r.body, format).name,
        r.headers.authorization,
      ]);
      expect(sent).toEqual(
        expect.arrayContaining([
          ['by admin', basic(DEMO_ADMIN_KEY)],
          ['by viewer', basic(DEMO_VIEWER_KEY)],
          ['by admin again', basic(DEMO_ADMIN_KEY)],
        ]),
      );
    });
  });

  describe('SalesBinder’s own answers', () => {
    it('answers CustomerNotFoundError with the id when SalesBinder answers 404', async () => {
      const payload = await edit({ name: 'x' }, admin, UNKNOWN_ID);
      expect(payload).toMatchObject({ __typename: 'CustomerNotFoundError', id: UNKNOWN_ID });
      expect(gw.sandbox.requests.map((r) => r.status)).toEqual([404]);
    });
  });
});

describe.each(FORMATS)('updateCustomer over %s with SalesBinder’s rate limits on', (format) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      env: { SALESBINDER_FORMAT: format },
      sandbox: { rateLimits: { perTenSeconds: 3, perMinute: 50, blockSeconds: 60 } },
    });
  });
  afterAll(() => gw.close());

  it('answers SalesBinderRateLimitError with a minute to wait when SalesBinder answers 429 without Retry-After', async () => {
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      const { body } = await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: `n${i}` } }, admin);
      outcomes.push(body.data?.updateCustomer);
    }
    expect(outcomes.slice(0, 3).map((o) => o.__typename)).toEqual(Array(3).fill('UpdateCustomerSuccess'));
    expect(outcomes[3]).toMatchObject({ __typename: 'SalesBinderRateLimitError', retryAfterSeconds: 60 });
  });
});
