/**
 * What SalesBinder's XML must give, end to end: a gateway in XML mode reads answers written by
 * hand (as SalesBinder's serializer writes them) from a scripted upstream. Values stay text until
 * the mapping (leading zeros kept), the five XML entities and numeric references are decoded once,
 * CDATA is taken as it is, a list is a list whether it holds one record or several, and a body
 * that is not a well-formed `<response>` is UPSTREAM_UNAVAILABLE, not retryable, after one call.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Payload, serialize } from '../../src/sandbox/formats.ts';
import { DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { CUSTOMER, CUSTOMERS } from '../helpers/operations.ts';
import { type ScriptedUpstream, startScriptedUpstream } from '../helpers/scripted-upstream.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const seed = seedCustomers().find((c) => c.id === DOC_EXAMPLE_ID);

/** The elements of one record, as the sandbox's serializer writes them, with `name` and `id` set. */
function recordXml(id: string, name: string): string {
  const xml = serialize({ customer: { ...seed, id, name } } as Payload, 'xml');
  return xml.replace(/^.*<customer>|<\/customer>.*$/g, '');
}

const idOf = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

describe('reads over xml', () => {
  let upstream: ScriptedUpstream;
  let gw: TestGateway;
  const answerXml = (body: string) =>
    upstream.answer((_req, res: ServerResponse) =>
      res.writeHead(200, { 'content-type': 'application/xml' }).end(body),
    );
  const names = async () => {
    const { body } = await gw.graphql(CUSTOMERS, { first: 3 }, admin);
    return body.data?.customers.edges.map((edge: { node: { name: string } }) => edge.node.name);
  };

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await startGateway({
      env: { SALESBINDER_URL: upstream.url, SALESBINDER_FORMAT: 'xml', SALESBINDER_RETRY_BASE_MS: '5' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.hits.length = 0;
  });

  it('keeps leading zeros, decodes the five entities and numeric references once, and takes CDATA as it is', async () => {
    const fields = recordXml(DOC_EXAMPLE_ID, 'x')
      .replace(
        /<name>[^<]*<\/name>/,
        '<name>&lt;A&amp;B&gt; &quot;q&quot; &apos;a&apos; &#233;&#x1F680; &amp;amp;</name>',
      )
      .replace(
        /<billing_postal_code>[^<]*<\/billing_postal_code>/,
        '<billing_postal_code>01234</billing_postal_code>',
      )
      .replace(/<url>[^<]*<\/url>/, '<url><![CDATA[https://acme.example/?a=1&b=<2>]]></url>');
    answerXml(`${DECLARATION}<response><customer>${fields}</customer></response>`);
    const { body } = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
    expect(body.errors).toBeUndefined();
    expect(body.data?.customer).toMatchObject({
      name: `<A&B> "q" 'a' é🚀 &amp;`,
      billingAddress: { postalCode: '01234' },
      url: 'https://acme.example/?a=1&b=<2>',
    });
    expect(upstream.hits.map((hit) => hit.path)).toEqual([`/api/2.0/customers/${DOC_EXAMPLE_ID}.xml`]);
  });

  it('reads a list holding one record as a list of one', async () => {
    answerXml(
      `${DECLARATION}<response><count>1</count><page>1</page><pages>1</pages><customers><customer>${recordXml(idOf(1), 'R1')}</customer></customers></response>`,
    );
    expect(await names()).toEqual(['R1']);
  });

  it('reads a list holding several records, in order', async () => {
    const records = [1, 2, 3].map((n) => `<customer>${recordXml(idOf(n), `R${n}`)}</customer>`).join('');
    answerXml(
      `${DECLARATION}<response><count>3</count><page>1</page><pages>1</pages><customers>${records}</customers></response>`,
    );
    expect(await names()).toEqual(['R1', 'R2', 'R3']);
  });

  it('reads an empty list as no records', async () => {
    answerXml(`${DECLARATION}<response><count>0</count><page>1</page><customers/></response>`);
    expect(await names()).toEqual([]);
  });

  it.each([
    [
      'a DOCTYPE with entity declarations',
      `<!DOCTYPE response [<!ENTITY x "y">]><response><count>&x;</count></response>`,
    ],
    ['a truncated body', `${DECLARATION}<response><count>1</count><customers><customer><id>`],
    ['mismatched tags', `${DECLARATION}<response><count>1</a></response>`],
    ['an HTML page', '<html><body><h1>502 Bad Gateway</h1><br></body></html>'],
    ['JSON', '{"count":"0","customers":[]}'],
    ['tags nested hundreds deep', `<response>${'<a>'.repeat(300)}${'</a>'.repeat(300)}</response>`],
  ])('reports %s as UPSTREAM_UNAVAILABLE, not retryable, after one call', async (_, broken) => {
    answerXml(broken);
    for (const [query, variables] of [
      [CUSTOMER, { id: DOC_EXAMPLE_ID }],
      [CUSTOMERS, {}],
    ] as const) {
      const { body } = await gw.graphql(query, variables, admin);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: false });
    }
    expect(upstream.hits).toHaveLength(2);
  });
});
