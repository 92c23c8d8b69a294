/**
 * The failure table's upstream rows, against a real HTTP server on loopback that misbehaves on
 * cue: each answer maps to its typed payload member, with the number of calls it cost. The rows
 * run in both wire formats; hostile XML has a suite of its own.
 */
import { Buffer } from 'node:buffer';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Payload, serialize } from '../../src/sandbox/formats.ts';
import { DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { UPDATE } from '../helpers/operations.ts';
import { type Script, type ScriptedUpstream, startScriptedUpstream } from '../helpers/scripted-upstream.ts';
import { CONTENT_TYPE, FORMATS, type Format } from '../helpers/wire.ts';

const record = seedCustomers().find((c) => c.id === DOC_EXAMPLE_ID);
const admin = { authorization: bearer(DEMO_ADMIN_KEY) };

/** A payload as SalesBinder would write it in `format` (the sandbox's serializer: `<response>…`). */
const write = (payload: unknown, format: Format) => serialize(payload as Payload, format);

function reply(
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): Script {
  return (_req, res: ServerResponse) =>
    res.writeHead(status, { 'content-type': contentType, ...headers }).end(body);
}

/** A payload in the format under test, labelled as that format. */
const answer = (format: Format, status: number, payload: unknown, headers?: Record<string, string>) =>
  reply(status, write(payload, format), CONTENT_TYPE[format], headers);

/** A body given verbatim, labelled as the format under test (a server's label proves nothing). */
const raw = (format: Format, status: number, body: string, headers?: Record<string, string>) =>
  reply(status, body, CONTENT_TYPE[format], headers);

const TIMEOUTS = {
  SALESBINDER_HEADERS_TIMEOUT_MS: '300',
  SALESBINDER_BODY_TIMEOUT_MS: '300',
  SALESBINDER_DEADLINE_MS: '1000',
  SALESBINDER_MAX_RESPONSE_BYTES: '8192',
  SALESBINDER_RETRY_BASE_MS: '5',
};

describe.each(FORMATS)('updateCustomer when SalesBinder misbehaves, over %s', (format) => {
  let upstream: ScriptedUpstream;
  let gw: TestGateway;
  const edit = (input: Record<string, unknown> = { name: 'x' }) =>
    gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input }, admin).then((r) => r.body.data?.updateCustomer);
  const saved = () => answer(format, 200, { message: 'Saved', customer: record });

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await startGateway({
      env: { SALESBINDER_URL: upstream.url, SALESBINDER_FORMAT: format, ...TIMEOUTS },
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
    upstream.answer(saved());
    expect(await edit()).toMatchObject({
      __typename: 'UpdateCustomerSuccess',
      message: 'Saved',
      customer: {
        id: DOC_EXAMPLE_ID,
        customerNumber: 641,
        kind: 'CUSTOMER',
        archived: false,
        officeFax: null,
      },
    });
    expect(upstream.hits.map((h) => [h.path, h.headers['content-type']])).toEqual([
      [`/api/2.0/customers/${DOC_EXAMPLE_ID}.${format}`, CONTENT_TYPE[format]],
    ]);
  });

  describe('SalesBinder rejecting the values (400/422)', () => {
    it('maps each field SalesBinder names back to its input path', async () => {
      upstream.answer(
        answer(format, 422, {
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

    const NO_TEXT = 'SalesBinder rejected the values without naming a field';
    it.each([
      ['a 400 with no body', 400, '', NO_TEXT],
      ['a 422 with an HTML body', 422, '<html><body>Unprocessable</body></html>', NO_TEXT],
      ['a 422 whose message is a plain string (JSON)', 422, '{"message":"Invalid data"}', 'Invalid data'],
      [
        'a 422 whose message is a plain string (XML)',
        422,
        '<response><message>Invalid data</message></response>',
        'Invalid data',
      ],
      [
        'a 400 in API 1.x’s form (JSON)',
        400,
        '{"Errors":[{"Error":{"message":"Name cannot be left blank"}},{"Error":{"message":"Too long"}}]}',
        'Name cannot be left blank; Too long',
      ],
      [
        'a 422 in API 1.x’s form (XML)',
        422,
        '<?xml version="1.0"?><response><Errors><Error><message>Name cannot be left blank</message></Error></Errors></response>',
        'Name cannot be left blank',
      ],
      [
        'a 422 with hostile XML',
        422,
        '<!DOCTYPE r [<!ENTITY a "b">]><response><message>&a;</message></response>',
        NO_TEXT,
      ],
    ])(
      'puts %s at path ["input"], with SalesBinder’s own text when it gave one',
      async (_, status, body, text) => {
        upstream.answer(raw(format, status, body));
        const payload = await edit();
        expect(payload.__typename).toBe('CustomerInputError');
        expect(payload.fieldErrors).toEqual([{ path: ['input'], message: text }]);
        expect(payload.message).toBe(
          text === NO_TEXT ? 'SalesBinder rejected the values' : `SalesBinder rejected the values: ${text}`,
        );
        expect(upstream.hits).toHaveLength(1);
      },
    );
  });

  describe('rate limits (429)', () => {
    it('uses Retry-After when SalesBinder sends it', async () => {
      upstream.answer(answer(format, 429, { message: 'Too Many Requests' }, { 'retry-after': '17' }));
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderRateLimitError', retryAfterSeconds: 17 });
    });

    it('reads Retry-After as an HTTP date too', async () => {
      const at = new Date(Date.now() + 30_000).toUTCString();
      upstream.answer(raw(format, 429, '', { 'retry-after': at }));
      const payload = await edit();
      expect(payload.retryAfterSeconds).toBeGreaterThanOrEqual(28);
      expect(payload.retryAfterSeconds).toBeLessThanOrEqual(31);
    });

    it('waits a minute when SalesBinder sends no Retry-After', async () => {
      upstream.answer(raw(format, 429, ''));
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderRateLimitError', retryAfterSeconds: 60 });
    });
  });

  describe('the status decides, whatever the body', () => {
    it.each([
      [401, 'SalesBinderAuthError'],
      [403, 'SalesBinderPermissionError'],
      [404, 'CustomerNotFoundError'],
    ])('maps HTTP %i to %s with an XML, JSON, HTML or empty body', async (status, typename) => {
      for (const body of [
        write({ message: 'No' }, 'xml'),
        write({ message: 'No' }, 'json'),
        '<html><body>No</body></html>',
        '',
      ]) {
        upstream.answer(raw(format, status, body));
        expect((await edit()).__typename).toBe(typename);
      }
    });
  });

  describe('SalesBinder failing (retryable)', () => {
    it.each([500, 502, 503, 504, 522])(
      'returns SalesBinderUnavailableError, retryable, for HTTP %i',
      async (status) => {
        upstream.answer(raw(format, status, '<html>error</html>'));
        expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
        // 500 means the origin ran and failed: not retried; the others are retried twice.
        expect(upstream.hits).toHaveLength(status === 500 ? 1 : 3);
      },
    );

    it('returns SalesBinderUnavailableError, retryable, when the headers do not come in time', async () => {
      upstream.answer(() => {});
      const started = Date.now();
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('returns SalesBinderUnavailableError, retryable, when the body stalls halfway', async () => {
      const body = write({ message: 'Saved', customer: record }, format);
      upstream.answer((_req, res) => {
        res.writeHead(200, { 'content-type': CONTENT_TYPE[format], 'content-length': String(body.length) });
        res.write(body.slice(0, 40));
      });
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
    });

    it('returns SalesBinderUnavailableError, retryable, when the connection is reset', async () => {
      upstream.answer((req) => req.socket.destroy());
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
    });
  });

  describe('answers that cannot be used (not retryable)', () => {
    const large = () =>
      write({ message: 'Saved', customer: { ...record, vat_number: 'v'.repeat(20_000) } }, format);
    const truncated = () => write({ message: 'Saved', customer: record }, format).slice(0, 120);
    it.each([
      [`a body that is not ${format}`, () => raw(format, 200, truncated())],
      [
        'an HTML page with status 200',
        () => raw(format, 200, '<!DOCTYPE html><html><body>Maintenance</body></html>'),
      ],
      [
        'a well-formed HTML page with status 200',
        () => raw(format, 200, '<html><body>Maintenance</body></html>'),
      ],
      ['an empty 200', () => raw(format, 200, '')],
      ['a 200 without the account record', () => answer(format, 200, { message: 'Saved' })],
      [
        'a record without created/modified',
        () => answer(format, 200, { message: 'Saved', customer: { id: DOC_EXAMPLE_ID, name: 'x' } }),
      ],
      ['a JSON array', () => raw(format, 200, '[]')],
      [
        'the other format',
        () => answer(format === 'json' ? 'xml' : 'json', 200, { message: 'Saved', customer: record }),
      ],
      ['a body over the size cap', () => raw(format, 200, large())],
      ['an unexpected status (409)', () => raw(format, 409, '{}')],
    ])('returns SalesBinderUnavailableError, not retryable, for %s', async (_, script) => {
      upstream.answer(script());
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: false });
      expect(upstream.hits).toHaveLength(1);
    });

    it('does not follow a redirect', async () => {
      upstream.answer((_req, res) => res.writeHead(302, { location: `${upstream.url}/elsewhere` }).end());
      expect(await edit()).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: false });
      expect(upstream.hits.map((h) => h.path)).toEqual([`/api/2.0/customers/${DOC_EXAMPLE_ID}.${format}`]);
    });
  });

  it('keeps serving after every kind of failure', async () => {
    upstream.answer(saved());
    expect((await edit()).__typename).toBe('UpdateCustomerSuccess');
    expect((await gw.fetch('/health')).status).toBe(200);
  });
});

describe('updateCustomer over xml when SalesBinder answers hostile or broken XML', () => {
  let upstream: ScriptedUpstream;
  let gw: TestGateway;
  /** The same gateway with a size cap large enough for a flood of several megabytes to arrive. */
  let roomy: TestGateway;
  const editThrough = (gateway: TestGateway) =>
    gateway
      .graphql(UPDATE, { id: DOC_EXAMPLE_ID, input: { name: 'x' } }, admin)
      .then((r) => r.body.data?.updateCustomer);

  const xml = (body: string) => raw('xml', 200, body);
  const fields = write({ customer: record }, 'xml').replace(/^.*<customer>|<\/customer>.*$/g, '');
  const withRecord = (extra: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><response><message>Saved</message><customer>${fields}${extra}</customer></response>`;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    const env = { SALESBINDER_URL: upstream.url, SALESBINDER_FORMAT: 'xml', ...TIMEOUTS };
    gw = await startGateway({ env });
    roomy = await startGateway({ env: { ...env, SALESBINDER_MAX_RESPONSE_BYTES: String(8 * 1024 * 1024) } });
  });
  afterAll(async () => {
    await gw.close();
    await roomy.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.hits.length = 0;
  });

  const laughs =
    '<?xml version="1.0"?><!DOCTYPE response [<!ENTITY lol "lol">' +
    Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
    ).join('') +
    ']><response><message>&lol9;</message><customer><id>&lol9;</id></customer></response>';

  it.each([
    ['entity declarations expanding a billion times (billion laughs)', laughs],
    [
      'an external entity',
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><response><message>&x;</message></response>',
    ],
    ['a DOCTYPE alone', `<!DOCTYPE response>${withRecord('')}`],
    ['unclosed tags', withRecord('').replace('</customer></response>', '')],
    ['mismatched tags', withRecord('<b><i></b></i>')],
    [
      'an HTML error page with status 200',
      '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><br></body></html>',
    ],
    ['a <response> without <customer>', '<?xml version="1.0"?><response><message>Saved</message></response>'],
    ['a root other than <response>', `<customer>${fields}</customer>`],
    ['two roots', `${withRecord('')}<response/>`],
    ['text after the root', `${withRecord('')}trailing`],
    ['text mixed with the elements', withRecord('stray text')],
    ['an HTML entity XML does not define', withRecord('<vat_number>&nbsp;</vat_number>')],
    ['a bare ampersand', withRecord('<vat_number>A & B</vat_number>')],
    ['a reference to a character that does not exist', withRecord('<vat_number>&#0;&#xD800;</vat_number>')],
    ['tags nested hundreds deep', withRecord(`${'<a>'.repeat(500)}${'</a>'.repeat(500)}`)],
  ])('returns SalesBinderUnavailableError, not retryable, for %s, and keeps serving', async (_, body) => {
    // Under the size cap, so that the XML itself is what gets refused.
    expect(Buffer.byteLength(body)).toBeLessThan(8192);
    upstream.answer(xml(body));
    expect(await editThrough(gw)).toMatchObject({
      __typename: 'SalesBinderUnavailableError',
      retryable: false,
    });
    expect(upstream.hits).toHaveLength(1);
    expect((await gw.fetch('/health')).status).toBe(200);
  });

  it('returns SalesBinderUnavailableError, not retryable, for a body over the size cap, and keeps serving', async () => {
    upstream.answer(xml(withRecord(`<vat_number>${'v'.repeat(10_000)}</vat_number>`)));
    expect(await editThrough(gw)).toMatchObject({
      __typename: 'SalesBinderUnavailableError',
      retryable: false,
    });
    expect((await gw.fetch('/health')).status).toBe(200);
  });

  it('refuses a flood of megabytes of numeric character references, and keeps serving', async () => {
    const flood = withRecord(`<vat_number>${'&#65;'.repeat(800_000)}</vat_number>`);
    expect(flood.length).toBeGreaterThan(4_000_000);
    upstream.answer(xml(flood));
    expect(await editThrough(roomy)).toMatchObject({
      __typename: 'SalesBinderUnavailableError',
      retryable: false,
    });
    expect((await roomy.fetch('/health')).status).toBe(200);
  });

  it('reads a handful of references, CDATA, comments and a BOM as plain text', async () => {
    upstream.answer(
      xml(
        `\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- SalesBinder -->\n<response>\n  <message>Saved</message>\n  <customer>${fields
          .replace(
            /<name>[^<]*<\/name>/,
            '<name>&#65;&#x1F680; &lt;&amp;&gt; &quot;&apos; <![CDATA[&amp;<]]>&#13;</name>',
          )
          .replace(
            /<billing_postal_code>[^<]*<\/billing_postal_code>/,
            '<billing_postal_code>01234</billing_postal_code>',
          )
          .replace(/<office_phone>[^<]*<\/office_phone>/, '<office_phone/>')}</customer>\n</response>\n`,
      ),
    );
    expect(await editThrough(gw)).toMatchObject({
      __typename: 'UpdateCustomerSuccess',
      customer: {
        name: 'A🚀 <&> "\' &amp;<\r',
        officePhone: null,
        customerNumber: 641,
        billingAddress: { postalCode: '01234' },
      },
    });
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
