/**
 * Safe to expose: production defaults, every operation and HTTP limit at its boundary (n passes,
 * n + 1 is refused, and a refused request costs SalesBinder nothing), CSRF and CORS, trusted
 * documents, and the subgraph secret.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { CUSTOMER, UPDATE } from '../helpers/operations.ts';
import { rawPost } from '../helpers/raw-http.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const URL_ENV = (sandboxUrl: string) => ({ SALESBINDER_URL: sandboxUrl });

describe('production defaults', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: (url) => ({ ...URL_ENV(url), NODE_ENV: 'production' }) });
  });
  afterAll(() => gw.close());

  it('serves no GraphiQL', async () => {
    const page = await gw.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });

  it.each([
    ['the schema', '{ __schema { queryType { name } } }'],
    ['a type', '{ __type(name: "Customer") { name } }'],
  ])('refuses introspection of %s', async (_, query) => {
    const { body } = await gw.graphql(query, {}, admin);
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it.each([
    ['_service', '{ _service { sdl } }'],
    ['_service in a fragment', '{ ...S } fragment S on Query { _service { sdl } }'],
  ])(
    'refuses %s as it refuses introspection, when no subgraph secret proves the router',
    async (_, query) => {
      const { body } = await gw.graphql(query, {}, admin);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    },
  );

  it('serves _service to the router that proves itself with the subgraph secret', async () => {
    const secret = 'router-secret-0123456789abcdef';
    const routed = await startGateway({
      env: (url) => ({ ...URL_ENV(url), NODE_ENV: 'production', SUBGRAPH_SECRET: secret }),
    });
    try {
      const { body } = await routed.graphql('{ _service { sdl } }', {}, { 'x-subgraph-secret': secret });
      expect(body.data?._service.sdl).toContain('type Customer');
      expect((await routed.graphql('{ _service { sdl } }')).body.errors?.[0]?.extensions?.code).toBe(
        'FORBIDDEN',
      );
    } finally {
      await routed.close();
    }
  });

  it('can have introspection and suggestions back when asked', async () => {
    const open = await startGateway({
      env: (url) => ({
        ...URL_ENV(url),
        NODE_ENV: 'production',
        INTROSPECTION: 'true',
        FIELD_SUGGESTIONS: 'true',
      }),
    });
    try {
      expect(
        (await open.graphql('{ __type(name: "Customer") { name } }', {}, admin)).body.data?.__type.name,
      ).toBe('Customer');
      // With introspection back, the schema is no secret: _service answers without a subgraph secret.
      expect((await open.graphql('{ _service { sdl } }')).body.data?._service.sdl).toContain('type Customer');
      expect(
        (await open.graphql('{ custome(id: "x") { id } }', {}, admin)).body.errors?.[0]?.message,
      ).toMatch(/Did you mean/);
      expect(
        (await open.graphql('{ customers(kind: CUSTOMR) { totalCount } }', {}, admin)).body.errors?.[0]
          ?.message,
      ).toMatch(/Did you mean the enum value "CUSTOMER"\?/);
    } finally {
      await open.close();
    }
  });

  describe('no suggestions, at any stage', () => {
    // Each: the stage, the request, and the name a suggestion would spell out.
    it.each([
      ['parsing', '{ customers { totalCount ', undefined, undefined],
      ['validation: a field', '{ custome(id: "x") { id } }', undefined, '"customer"'],
      ['validation: an argument', '{ customers(frist: 2) { totalCount } }', undefined, '"first"'],
      ['validation: an enum literal', '{ customers(kind: CUSTOMR) { totalCount } }', undefined, '"CUSTOMER"'],
      ['validation: a type', '{ customer(id: "x") { ... on Custmer { id } } }', undefined, '"Customer"'],
      [
        'variables: an input field',
        `mutation($i: UpdateCustomerInput!) { updateCustomer(id: "${DOC_EXAMPLE_ID}", input: $i) { __typename } }`,
        { i: { nme: 'x' } },
        '"name"',
      ],
      [
        'variables: an enum value',
        'query($k: AccountKind) { customers(kind: $k) { totalCount } }',
        { k: 'CUSTOMR' },
        '"CUSTOMER"',
      ],
    ])('suggests nothing in %s', async (_, query, variables, suggested) => {
      gw.sandbox.reset();
      const { body } = await gw.graphql(query, variables, admin);
      const text = JSON.stringify(body);
      expect(body.errors?.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/Did you mean/);
      if (suggested) expect(text).not.toContain(suggested.replaceAll('"', '\\"'));
      expect(gw.sandbox.requests).toHaveLength(0);
    });
  });

  describe('no original messages, at any stage', () => {
    beforeEach(() => gw.sandbox.reset());

    const MARKER = 'probeMarker7f3a';
    const noOriginals = (text: string) => {
      expect(text).not.toContain('originalError');
      expect(text).not.toContain('stack');
      expect(text).not.toMatch(/SyntaxError|position \d|is not valid JSON"/);
    };
    const post = async (body: string, contentType = 'application/json') => {
      const response = await gw.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': contentType, accept: 'application/graphql-response+json', ...admin },
        body,
      });
      return { status: response.status, text: await response.text() };
    };

    it.each([
      ['a body cut short', '{"query": "{ __typename }",'],
      ['a body that quotes something', `{"query": "{ __typename }", "${MARKER}`],
    ])('answers %s that is not JSON with 400 and neither V8’s message nor the body', async (_, body) => {
      const { status, text } = await post(body);
      expect(status).toBe(400);
      expect(JSON.parse(text).errors[0]).toEqual({
        message: 'POST body sent invalid JSON.',
        extensions: { code: 'BAD_REQUEST' },
      });
      expect(text).not.toContain(MARKER);
      noOriginals(text);
    });

    it.each([
      ['variables', 'variables'],
      ['extensions', 'extensions'],
    ])('answers GET %s that are not JSON with 400, not a 500, quoting nothing', async (_, param) => {
      const response = await gw.fetch(
        `/graphql?query=${encodeURIComponent('{ __typename }')}&${param}=${encodeURIComponent(`{${MARKER}`)}`,
        { headers: { ...admin, accept: 'application/graphql-response+json' } },
      );
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(text).not.toContain(MARKER);
      noOriginals(text);
    });

    it('answers a form body with variables that are not JSON with 400, quoting nothing', async () => {
      const { status, text } = await post(
        `query=${encodeURIComponent('{ __typename }')}&variables=${encodeURIComponent(`{${MARKER}`)}`,
        'application/x-www-form-urlencoded',
      );
      expect(status).toBe(400);
      expect(text).not.toContain(MARKER);
      noOriginals(text);
    });

    it.each([
      ['validation', JSON.stringify({ query: '{ customers { nope } }' })],
      [
        'variables',
        JSON.stringify({
          query: 'query($k: AccountKind) { customers(kind: $k) { totalCount } }',
          variables: { k: 7 },
        }),
      ],
      ['execution', JSON.stringify({ query: '{ customers(first: 0) { totalCount } }' })],
      [
        'execution, _entities',
        JSON.stringify({ query: '{ _entities(representations: [[]]) { __typename } }' }),
      ],
    ])('answers a mistake found in %s without an original message', async (_, body) => {
      const { text } = await post(body);
      expect(JSON.parse(text).errors.length).toBeGreaterThan(0);
      noOriginals(text);
      expect(gw.sandbox.requests).toHaveLength(0);
    });
  });
});

describe('operation limits, at their boundaries', () => {
  const typenames = (n: number) => `{ ${Array(n).fill('__typename').join(' ')} }`;
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
  const withDirectives = (n: number) =>
    `{ ${Array.from({ length: n }, (_, i) => `f${i}: customer(id: "x") @include(if: true) { id }`).join(' ')} }`;
  const updates = (n: number) =>
    `mutation { ${Array.from({ length: n }, (_, i) => `u${i}: updateCustomer(id: "${DOC_EXAMPLE_ID}", input: { name: "n${i}" }) { __typename }`).join(' ')} }`;

  // Each limit alone, set low, in a gateway of its own, so that no other limit gets in the way.
  it.each([
    [
      'depth',
      { MAX_DEPTH: '4' },
      '{ customers { edges { node { id } } } }',
      '{ customers { edges { node { billingAddress { city } } } } }',
      /depth limit of 4/,
    ],
    ['aliases, __typename included', { MAX_ALIASES: '3' }, aliases(3), aliases(4), /Aliases limit of 3/],
    ['tokens', { MAX_TOKENS: '40' }, typenames(38), typenames(39), /Token limit of 40/],
    [
      'directives',
      { MAX_DIRECTIVES: '2', MAX_ALIASES: '10' },
      withDirectives(2),
      withDirectives(3),
      /Directives limit of 2/,
    ],
    ['cost', { MAX_COST: '30' }, typenames(30), typenames(31), /Cost limit of 30/],
  ])(
    'passes %s at the limit and refuses one more, before calling SalesBinder',
    async (_, env, atLimit, overLimit, message) => {
      const gw = await startGateway({ env });
      try {
        const ok = await gw.graphql(atLimit, {}, admin);
        expect(ok.body.errors).toBeUndefined();
        gw.sandbox.reset();
        const refused = await gw.graphql(overLimit, {}, admin);
        expect(refused.body.data ?? null).toBeNull();
        expect(refused.body.errors?.[0]?.message).toMatch(message);
        expect(gw.sandbox.requests).toHaveLength(0);
      } finally {
        await gw.close();
      }
    },
  );

  describe('edits per operation', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway({ env: { MAX_UPDATES_PER_OPERATION: '2' } });
    });
    afterAll(() => gw.close());
    beforeEach(() => gw.sandbox.reset());

    it('runs two edits in one operation and refuses three, before calling SalesBinder', async () => {
      const two = await gw.graphql(updates(2), {}, admin);
      expect(two.body.data).toEqual({
        u0: { __typename: 'UpdateCustomerSuccess' },
        u1: { __typename: 'UpdateCustomerSuccess' },
      });
      expect(gw.sandbox.requests).toHaveLength(2);
      gw.sandbox.reset();
      const three = await gw.graphql(updates(3), {}, admin);
      expect(three.body.errors?.[0]?.message).toMatch(/at most 2 updateCustomer/);
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it('counts edits hidden in fragments too', async () => {
      const query = `mutation { ...E ...E2 }
        fragment E on Mutation { a: updateCustomer(id: "${DOC_EXAMPLE_ID}", input: { name: "a" }) { __typename } }
        fragment E2 on Mutation { ... on Mutation { b: updateCustomer(id: "${DOC_EXAMPLE_ID}", input: { name: "b" }) { __typename } c: updateCustomer(id: "${DOC_EXAMPLE_ID}", input: { name: "c" }) { __typename } } }`;
      const { body } = await gw.graphql(query, {}, admin);
      expect(body.errors?.[0]?.message).toMatch(/at most 2 updateCustomer/);
      expect(gw.sandbox.requests).toHaveLength(0);
    });
  });

  it('lets the documented example and a full page of accounts through the default limits', async () => {
    const gw = await startGateway();
    try {
      const { EXAMPLE_OPERATION } = await import('../../src/app.ts');
      expect((await gw.graphql(EXAMPLE_OPERATION, {}, admin)).body.errors).toBeUndefined();
      const page = await gw.graphql(
        `{ customers(first: 200) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
          id name customerNumber kind officeEmail officePhone officeFax url vatNumber archived createdAt modifiedAt
          billingAddress { line1 line2 city region country postalCode } shippingAddress { line1 line2 city region country postalCode } } } } }`,
        {},
        admin,
      );
      expect(page.body.errors).toBeUndefined();
    } finally {
      await gw.close();
    }
  });
});

describe('the cost limit, variables included', () => {
  const page = '{ totalCount edges { node { id name officeEmail } } }';
  const tenPages = `query Pages($n: Int) { ${Array.from({ length: 10 }, (_, i) => `p${i}: customers(first: $n) ${page}`).join(' ')} }`;

  it('refuses ten aliased pages of 200 asked for with a variable, before calling SalesBinder', async () => {
    const gw = await startGateway();
    try {
      const { body, status } = await gw.graphql(tenPages, { n: 200 }, admin);
      expect(status).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors).toEqual([
        {
          message: 'Cost limit of 10000 exceeded: this operation would cost 20000.',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
      expect(gw.sandbox.requests).toHaveLength(0);
      // The same pages of 20 are well within it.
      expect((await gw.graphql(tenPages, { n: 20 }, admin)).body.errors).toBeUndefined();
    } finally {
      await gw.close();
    }
  });

  it('gives an operation the same verdict every time, whatever variables its cost does not read', async () => {
    const gw = await startGateway();
    try {
      const pages = `query Pages($n: Int, $s: String, $wide: Boolean!) { ${Array.from(
        { length: 10 },
        (_, i) =>
          `p${i}: customers(first: $n, search: $s) ${page.replace('officeEmail', 'officeEmail @include(if: $wide)')}`,
      ).join(' ')} }`;
      for (const search of ['acme', 'globex', 'acme']) {
        const refused = await gw.graphql(pages, { n: 200, s: search, wide: true }, admin);
        expect(refused.body.errors?.[0]?.message).toBe(
          'Cost limit of 10000 exceeded: this operation would cost 20000.',
        );
      }
      // What the cost reads changed: a narrower selection of the same pages fits (9 450).
      const narrower = await gw.graphql(pages, { n: 105, s: 'acme', wide: false }, admin);
      expect(narrower.body.errors, JSON.stringify(narrower.body.errors)).toBeUndefined();
      const fewer = await gw.graphql(pages, { n: 20, s: 'acme', wide: true }, admin);
      expect(fewer.body.errors).toBeUndefined();
      // Variables that do not fit are refused as such, not as a remembered cost.
      const wrong = await gw.graphql(pages, { n: 'many', s: 'acme', wide: true }, admin);
      expect(wrong.status).toBe(400);
      expect(wrong.body.errors?.[0]?.message).toMatch(/\$n/);
    } finally {
      await gw.close();
    }
  });

  it('refuses fragments that expand past 10 000 fields, before calling SalesBinder', async () => {
    const gw = await startGateway();
    try {
      // F0 spreads F1 twice, F1 spreads F2 twice, ...: 14 short lines, 2^13 fields.
      const fragments = Array.from(
        { length: 14 },
        (_, i) =>
          `fragment F${i} on Query { ${i === 13 ? 'customer(id: "x") { id }' : `...F${i + 1} ...F${i + 1}`} }`,
      ).join(' ');
      const { body } = await gw.graphql(`query { ...F0 } ${fragments}`, {}, admin);
      expect(body.errors).toEqual([
        {
          message: 'Query exceeds the maximum allowed number of nodes.',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
      expect(gw.sandbox.requests).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });

  describe('counts a page the same however `first` is given', () => {
    // edges { node { id } }: node 2 + 1, edges 2 + 3, the connection 2 + 5: 7 per account.
    const selection = '{ edges { node { id } } }';
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway({ env: { MAX_COST: '140' } });
    });
    afterAll(() => gw.close());
    beforeEach(() => gw.sandbox.reset());

    const forms = (n: number): Array<[string, string, Record<string, unknown>]> => [
      ['a literal', `{ customers(first: ${n}) ${selection} }`, {}],
      ['a variable', `query($n: Int) { customers(first: $n) ${selection} }`, { n }],
      ['a variable’s default', `query($n: Int = ${n}) { customers(first: $n) ${selection} }`, {}],
      [
        'a variable in a fragment',
        `query($n: Int) { ...Page } fragment Page on Query { customers(first: $n) ${selection} }`,
        { n },
      ],
      [
        'an alias in an inline fragment',
        `query($n: Int) { ... on Query { a: customers(first: $n) ${selection} } }`,
        { n },
      ],
    ];

    it.each(forms(20))('runs 20 accounts (cost 140, the limit) given as %s', async (_, query, variables) => {
      const { body } = await gw.graphql(query, variables, admin);
      expect(body.errors).toBeUndefined();
      expect(gw.sandbox.requests).toHaveLength(1);
    });

    it('runs the default page of 20 at the limit too', async () => {
      expect((await gw.graphql(`{ customers ${selection} }`, {}, admin)).body.errors).toBeUndefined();
    });

    it.each(forms(21))(
      'refuses 21 accounts (cost 147) given as %s, before calling SalesBinder',
      async (_, query, variables) => {
        const { body } = await gw.graphql(query, variables, admin);
        expect(body.errors?.[0]?.message).toBe('Cost limit of 140 exceeded: this operation would cost 147.');
        expect(gw.sandbox.requests).toHaveLength(0);
      },
    );

    it('counts _entities by its representations', async () => {
      // ... on Customer { id name }: 2 + 2 per representation.
      const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } } }';
      const representations = (n: number) =>
        Array.from({ length: n }, () => ({ __typename: 'Customer', id: DOC_EXAMPLE_ID }));
      expect((await gw.graphql(query, { r: representations(35) }, admin)).body.errors).toBeUndefined();
      gw.sandbox.reset();
      const { body } = await gw.graphql(query, { r: representations(36) }, admin);
      expect(body.errors?.[0]?.message).toBe('Cost limit of 140 exceeded: this operation would cost 144.');
      expect(gw.sandbox.requests).toHaveLength(0);
    });
  });
});

describe('HTTP limits', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      env: { MAX_BODY_BYTES: '1000', HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000' },
    });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  /** A body of exactly `size` bytes: the edit, padded with spaces inside the JSON. */
  const bodyOf = (size: number) => {
    const json = JSON.stringify({
      query: UPDATE,
      variables: { id: DOC_EXAMPLE_ID, input: { name: 'Sized' } },
    });
    return `${json.slice(0, -1)}${' '.repeat(size - json.length)}}`;
  };

  it('takes a body of the limit and refuses one byte more with 413, before parsing or calling SalesBinder', async () => {
    const atLimit = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: bodyOf(1000),
    });
    expect(atLimit.status).toBe(200);
    expect(gw.sandbox.requests).toHaveLength(1);
    gw.sandbox.reset();
    const over = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: bodyOf(1001),
    });
    expect(over.status).toBe(413);
    expect((await over.json()).errors[0].message).toMatch(/over 1000 bytes/);
    expect(gw.sandbox.requests).toHaveLength(0);
  });

  it('refuses a POST without Content-Length (a chunked body) with 411', async () => {
    const { status } = await rawPost(
      `${gw.url}/graphql`,
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      '{"query":"{ __typename }"}',
    );
    expect(status).toBe(411);
  });

  it.each([['a b'], ['evil.example.com/path'], ['host:port:extra']])(
    'refuses a Host header that is no host (%s) with 400, before Yoga builds a URL from it',
    async (host) => {
      const answer = await rawPost(
        `${gw.url}/graphql`,
        { host, 'content-type': 'application/json', accept: 'text/html' },
        '{"query":"{ __typename }"}',
      );
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).errors[0].message).toMatch(/Host/);
    },
  );

  it('closes the connection of a client that never finishes its headers', async () => {
    const started = Date.now();
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1', () =>
        socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\n'),
      );
      socket.resume(); // read what the server sends (a 408), so that its close is seen
      socket.on('close', () => resolve(true));
      socket.on('error', () => undefined);
      setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, 5_000);
    });
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('refuses batches', async () => {
    const response = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('refuses multipart requests', async () => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: '{ __typename }' }));
    form.set('map', '{}');
    const response = await gw.fetch('/graphql', { method: 'POST', headers: admin, body: form });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('runs a mutation only over POST', async () => {
    const query = encodeURIComponent(
      `mutation { updateCustomer(id: "${DOC_EXAMPLE_ID}", input: { name: "GET" }) { __typename } }`,
    );
    const response = await gw.fetch(`/graphql?query=${query}`, { headers: admin });
    expect(response.status).toBe(405);
    expect(gw.sandbox.requests).toHaveLength(0);
  });
});

describe('CSRF and CORS', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      env: (url) => ({ ...URL_ENV(url), NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' }),
    });
  });
  afterAll(() => gw.close());

  it('refuses a simple cross-site request: a GET without a preflight-only header, or a form post', async () => {
    const get = await gw.fetch(`/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(403);
    const form = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(form.status).toBe(403);
  });

  it('serves a GET that carries the caller’s key (which a browser only sends after a preflight)', async () => {
    const get = await gw.fetch(`/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: admin });
    expect(get.status).toBe(200);
  });

  it('answers the preflight of an allowed origin, and not of another', async () => {
    const preflight = (origin: string) =>
      gw.fetch('/graphql', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example.com');
  });
});

describe('trusted documents', () => {
  let gw: TestGateway;
  const hash = createHash('sha256').update(UPDATE).digest('hex');
  const secret = 'router-secret-0123456789abcdef';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbgw-'));
    const manifest = join(dir, 'persisted-documents.json');
    writeFileSync(manifest, JSON.stringify({ [hash]: UPDATE }));
    gw = await startGateway({
      env: (url) => ({
        ...URL_ENV(url),
        NODE_ENV: 'production',
        TRUSTED_DOCUMENTS: manifest,
        SUBGRAPH_SECRET: secret,
      }),
    });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    gw
      .fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...admin, ...headers },
        body: JSON.stringify(body),
      })
      .then(async (r) => ({ status: r.status, body: await r.json() }));

  it('runs a document of the manifest named by documentId', async () => {
    const { body } = await post({
      documentId: hash,
      variables: { id: DOC_EXAMPLE_ID, input: { name: 'Trusted' } },
    });
    expect(body.data.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
  });

  it('runs it named the Apollo way too', async () => {
    const { body } = await post({
      extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      variables: { id: DOC_EXAMPLE_ID, input: { name: 'Trusted' } },
    });
    expect(body.data.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
  });

  it('refuses any other operation, without calling SalesBinder', async () => {
    const { body } = await post({ query: CUSTOMER, variables: { id: DOC_EXAMPLE_ID } });
    expect(body.errors[0].message).toMatch(/trusts/);
    const unknown = await post({ documentId: 'f'.repeat(64) });
    expect(unknown.body.errors[0].message).toMatch(/PersistedQueryNotFound/);
    expect(gw.sandbox.requests).toHaveLength(0);
  });

  it('runs the operations of the manifest `npm run codegen` writes, by the hash clients send', async () => {
    const path = fileURLToPath(new URL('../../client/persisted-documents.json', import.meta.url));
    const manifest: Record<string, string> = JSON.parse(readFileSync(path, 'utf8'));
    const [documentId] = Object.entries(manifest).find(([, text]) => /query LoadCustomer\b/.test(text)) ?? [];
    const committed = await startGateway({
      env: (url) => ({ ...URL_ENV(url), NODE_ENV: 'production', TRUSTED_DOCUMENTS: path }),
    });
    try {
      const response = await committed.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...admin },
        body: JSON.stringify({ documentId, variables: { id: DOC_EXAMPLE_ID } }),
      });
      expect((await response.json()).data.customer.id).toBe(DOC_EXAMPLE_ID);
    } finally {
      await committed.close();
    }
  });

  it('holds in development too: GraphiQL is off by default with a manifest, and a plain client may only send its documents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbgw-'));
    const manifest = join(dir, 'persisted-documents.json');
    writeFileSync(manifest, JSON.stringify({ [hash]: UPDATE }));
    const dev = await startGateway({ env: { TRUSTED_DOCUMENTS: manifest } });
    try {
      const page = await dev.fetch('/graphql', { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
      const { body } = await dev.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      expect(body.errors?.[0]?.message).toMatch(/trusts/);
      expect(dev.sandbox.requests).toHaveLength(0);
    } finally {
      await dev.close();
    }
  });

  it('lets the router (with the subgraph secret) send any operation', async () => {
    const { body } = await post(
      { query: CUSTOMER, variables: { id: DOC_EXAMPLE_ID } },
      { 'x-subgraph-secret': secret },
    );
    expect(body.data.customer.id).toBe(DOC_EXAMPLE_ID);
  });
});

describe('the subgraph secret', () => {
  let gw: TestGateway;
  const secret = 'router-secret-0123456789abcdef';
  beforeAll(async () => {
    gw = await startGateway({ env: { SUBGRAPH_SECRET: secret } });
  });
  afterAll(() => gw.close());

  it.each([
    ['_service', '{ _service { sdl } }'],
    [
      '_entities',
      `{ _entities(representations: [{ __typename: "Customer", id: "${DOC_EXAMPLE_ID}" }]) { ... on Customer { id } } }`,
    ],
    ['_service in an inline fragment', '{ ... on Query { _service { sdl } } }'],
    ['_service in a fragment', '{ ...S } fragment S on Query { _service { sdl } }'],
  ])('refuses %s without the secret, and with a wrong one, reading nothing', async (_, query) => {
    gw.sandbox.reset();
    for (const headers of [admin, { ...admin, 'x-subgraph-secret': 'wrong-secret-0123456789abcdef' }]) {
      const { body } = await gw.graphql(query, {}, headers);
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(gw.sandbox.requests).toHaveLength(0);
  });

  it('answers the router that sends it', async () => {
    const { body } = await gw.graphql(
      `{ _service { sdl } _entities(representations: [{ __typename: "Customer", id: "${DOC_EXAMPLE_ID}" }]) { ... on Customer { name } } }`,
      {},
      { ...admin, 'x-subgraph-secret': secret },
    );
    expect(body.data?._entities).toEqual([{ name: 'Acme Company' }]);
    expect(body.data?._service.sdl).toContain('@key');
  });

  it('leaves the public fields alone', async () => {
    const { body } = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
    expect(body.data?.customer.name).toBe('Acme Company');
  });
});
