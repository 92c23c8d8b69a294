/**
 * A client cannot tell which wire format the gateway speaks: over arbitrary edits (any Unicode,
 * XML's own metacharacters, leading zeros, whitespace-only values, lengths at the bound, null
 * against left out), a JSON gateway and an XML gateway, each before a sandbox of its own, send
 * SalesBinder the same fields and give the client the same answer.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { UPDATE } from '../helpers/operations.ts';
import { sentFieldsOf } from '../helpers/wire.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };

/** What XML itself gives meaning to, and what a parser rewrites (CR, CRLF). */
const markup = fc.string({
  unit: fc.constantFrom(
    '&',
    '<',
    '>',
    '"',
    "'",
    ']]>',
    '&amp;',
    '&#65;',
    '&#x1F680;',
    '&nbsp;',
    '<![CDATA[',
    '<!--',
    '<!DOCTYPE r [<!ENTITY a "b">]>',
    '&a;',
    '<?xml?>',
    '<name>',
    '\r',
    '\n',
    '\r\n',
    '\t',
    ' ',
    'a',
    'é',
    '🚀',
  ),
  maxLength: 40,
});

/** Any value a client may send: most of them valid, some of them breaking a rule. */
const value = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'binary', maxLength: 255 }) },
  { weight: 6, arbitrary: markup },
  { weight: 2, arbitrary: fc.stringMatching(/^0[0-9]{0,11}$/) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u3000'),
      minLength: 1,
      maxLength: 8,
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 254, maxLength: 256 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom('x', '\u0000', '\u0001', '\u001f', '\uffff'),
      maxLength: 4,
    }),
  },
);
// `binary` never yields half a surrogate pair; a value must still be text JSON can carry.
const anyValue = value.filter((v) => v.isWellFormed());

// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 cannot carry.
const UNCARRIABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
/** What the gateway's rules let through to SalesBinder. */
const sendable = (v: string) => !UNCARRIABLE.test(v) && [...v].length <= 255;

function editsOf(
  text: fc.Arbitrary<string>,
  name: fc.Arbitrary<string | null>,
  email: fc.Arbitrary<string | null>,
) {
  const clearable = fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.constant(null) });
  const address = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record(
        {
          line1: clearable,
          line2: clearable,
          city: clearable,
          region: clearable,
          country: clearable,
          postalCode: clearable,
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  return fc.record(
    {
      name,
      officeEmail: email,
      officePhone: clearable,
      officeFax: clearable,
      url: clearable,
      billingAddress: address,
      shippingAddress: address,
    },
    { requiredKeys: [] },
  );
}

/** Edits the rules accept: each one reaches SalesBinder (unless it changes nothing). */
const validEdits = editsOf(
  anyValue.filter(sendable),
  anyValue.filter((v) => sendable(v) && v.trim() !== ''),
  fc.option(
    fc.emailAddress().filter((v) => v.length <= 255),
    { nil: null, freq: 4 },
  ),
);

/** Any edit at all, refusals included: a refusal must not depend on the format either. */
const anyEdits = editsOf(
  anyValue,
  fc.oneof({ weight: 9, arbitrary: anyValue }, { weight: 1, arbitrary: fc.constant(null) }),
  fc.oneof(
    { weight: 3, arbitrary: fc.emailAddress() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: anyValue },
  ),
);

/** The whole GraphQL answer but the instant of the save, which each sandbox stamps itself. */
function comparable(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body), (key, v) => (key === 'modifiedAt' ? undefined : v));
}

describe('the XML wire format, against JSON', () => {
  let json: TestGateway;
  let xml: TestGateway;
  beforeAll(async () => {
    [json, xml] = await Promise.all([
      startGateway({ env: { SALESBINDER_FORMAT: 'json' } }),
      startGateway({ env: { SALESBINDER_FORMAT: 'xml' } }),
    ]);
  });
  afterAll(() => Promise.all([json.close(), xml.close()]));

  /** Sends one edit through both gateways and checks that they agree; returns the outcome. */
  async function sameThroughBoth(edit: Record<string, unknown>): Promise<string> {
    json.sandbox.reset();
    xml.sandbox.reset();
    const variables = { id: DOC_EXAMPLE_ID, input: edit };
    const [byJson, byXml] = await Promise.all([
      json.graphql(UPDATE, variables, admin),
      xml.graphql(UPDATE, variables, admin),
    ]);
    expect(comparable(byXml.body)).toEqual(comparable(byJson.body));

    const [sentJson = [], sentXml = []] = [json, xml].map((gw) =>
      gw.sandbox.requests.filter((r) => r.method === 'PUT'),
    );
    expect(sentXml.length).toBe(sentJson.length);
    const [viaJson] = sentJson;
    const [viaXml] = sentXml;
    if (viaJson && viaXml) {
      const fieldsJson = sentFieldsOf(viaJson.body, 'json');
      const fieldsXml = sentFieldsOf(viaXml.body, 'xml');
      expect(fieldsXml).toEqual(fieldsJson);
      expect(Object.keys(fieldsXml)).toEqual(Object.keys(fieldsJson));
      const { modified: _j, ...storedJson } = json.sandbox.customer(DOC_EXAMPLE_ID) ?? {};
      const { modified: _x, ...storedXml } = xml.sandbox.customer(DOC_EXAMPLE_ID) ?? {};
      expect(storedXml).toEqual(storedJson);
    }
    return String(byJson.body.data?.updateCustomer?.__typename);
  }

  it('sends the same fields and answers the same for every edit the rules accept', async () => {
    let saved = 0;
    await fc.assert(
      fc.asyncProperty(validEdits, async (edit) => {
        if ((await sameThroughBoth(edit)) === 'UpdateCustomerSuccess') saved++;
      }),
      { numRuns: 60 },
    );
    // Only an edit that changes nothing ({} or empty addresses) may be refused here.
    expect(saved).toBeGreaterThan(60 * 0.75);
  });

  it('answers the same for any edit, refusals included', async () => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(anyEdits, async (edit) => {
        outcomes.add(await sameThroughBoth(edit));
      }),
      { numRuns: 40 },
    );
    expect(outcomes).toContain('CustomerInputError');
  });
});
