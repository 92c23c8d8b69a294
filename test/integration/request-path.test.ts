/**
 * One request path: Yoga answers every request whole, the hundredth sending of a document as the
 * first, whoever sent it before. Each request here is sent twice and both answers must be the same
 * (status, media type, body, request id); what a plugin refuses it refuses every time, also once
 * another caller has had the same document accepted.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { CUSTOMER, UPDATE } from '../helpers/operations.ts';
import { rawPost } from '../helpers/raw-http.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };

interface Answer {
  status: number;
  contentType: string | null;
  requestId: string | null;
  body: string;
}

async function post(gw: TestGateway, body: string, headers: Record<string, string>): Promise<Answer> {
  const response = await gw.fetch('/graphql', { method: 'POST', headers, body });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    requestId: response.headers.get('x-request-id'),
    body: await response.text(),
  };
}

/** The same request sent twice, one after the other. */
async function twice(gw: TestGateway, body: string, headers: Record<string, string> = {}) {
  const all = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json',
    'x-request-id': 'sent-twice',
    ...admin,
    ...headers,
  };
  const first = await post(gw, body, all);
  const second = await post(gw, body, all);
  return { first, second };
}

const customerBody = JSON.stringify({ query: CUSTOMER, variables: { id: DOC_EXAMPLE_ID } });

describe('every request through Yoga', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  it.each([
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['application/json', 'application/json'],
    ['*/*', 'application/json'],
    ['application/graphql-response+json, application/json;q=0.9', 'application/graphql-response+json'],
    ['application/json, application/graphql-response+json', 'application/json'],
  ])('answers a read sent again the same way, for Accept: %s (as %s)', async (accept, mediaType) => {
    const requestId = `accept-${accept.length}`;
    const { first, second } = await twice(gw, customerBody, { accept, 'x-request-id': requestId });
    expect(second).toEqual(first);
    expect(first).toMatchObject({ status: 200, requestId, contentType: `${mediaType}; charset=utf-8` });
    expect(JSON.parse(first.body).data.customer.id).toBe(DOC_EXAMPLE_ID);
  });

  it('answers a request without an Accept header in JSON, the same every time', async () => {
    const send = async () => {
      const headers = { 'content-type': 'application/json', ...admin, 'x-request-id': 'no-accept' };
      const answer = await rawPost(`${gw.url}/graphql`, headers, customerBody);
      return {
        ...answer,
        headers: { type: answer.headers['content-type'], id: answer.headers['x-request-id'] },
      };
    };
    const first = await send();
    expect(await send()).toEqual(first);
    expect(first.status).toBe(200);
    expect(first.headers).toEqual({ type: 'application/json; charset=utf-8', id: 'no-accept' });
  });

  it('answers edits, typed failures and masked errors the same way every time', async () => {
    const invalid = JSON.stringify({ query: UPDATE, variables: { id: DOC_EXAMPLE_ID, input: { name: '' } } });
    const refused = await twice(gw, invalid);
    expect(refused.second).toEqual(refused.first);
    expect(JSON.parse(refused.first.body).data.updateCustomer.__typename).toBe('CustomerInputError');

    const keyless = await twice(gw, customerBody, { authorization: '' });
    expect(keyless.second.body).toEqual(keyless.first.body);
    expect(JSON.parse(keyless.first.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');

    const rename = (name: string) =>
      JSON.stringify({ query: UPDATE, variables: { id: DOC_EXAMPLE_ID, input: { name } } });
    await post(gw, rename('First Name'), { 'content-type': 'application/json', ...admin });
    const second = await post(gw, rename('Second Name'), { 'content-type': 'application/json', ...admin });
    expect(JSON.parse(second.body).data.updateCustomer).toMatchObject({
      __typename: 'UpdateCustomerSuccess',
      customer: { name: 'Second Name' },
    });
    expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.name).toBe('Second Name');
  });

  it.each([
    ['variables that do not fit', JSON.stringify({ query: CUSTOMER, variables: { id: null } })],
    ['variables missing', JSON.stringify({ query: CUSTOMER })],
    [
      'an operation name the document lacks',
      JSON.stringify({ query: CUSTOMER, operationName: 'Nope', variables: { id: '1' } }),
    ],
    ['a parameter GraphQL over HTTP does not define', JSON.stringify({ query: CUSTOMER, extra: 1 })],
    ['a body that is not JSON', '{"query": '],
    ['a body that is a list', JSON.stringify([{ query: CUSTOMER }])],
    ['a document that does not validate', JSON.stringify({ query: '{ customer(id: "1") { nope } }' })],
  ])(
    'refuses %s with 400 in its own words every time, also after the valid document ran',
    async (_case, body) => {
      await twice(gw, customerBody);
      const { first, second } = await twice(gw, body, { 'x-request-id': 'refused' });
      expect(second).toEqual(first);
      // GraphQL over HTTP: a request that cannot start has no `data`, so it is a 4xx in this media type.
      expect(first.status).toBe(400);
      expect(JSON.parse(first.body).errors.length).toBeGreaterThan(0);
      expect(gw.sandbox.requests.filter((r) => r.path.includes('/customers/1.'))).toEqual([]);
    },
  );

  it('writes one request log line per request, with its id, path and status', async () => {
    await twice(gw, customerBody, { 'x-request-id': 'logged-twice' });
    const lines = gw.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request' && line.requestId === 'logged-twice');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
      expect(typeof line.ms).toBe('number');
    }
  });
});

describe('what a plugin refuses, it refuses every time', () => {
  let gw: TestGateway;
  const secret = 'router-secret-0123456789abcdef';
  const router = { 'x-subgraph-secret': secret };
  const entities = JSON.stringify({
    query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } } }',
    variables: { r: [{ __typename: 'Customer', id: DOC_EXAMPLE_ID }] },
  });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbgw-path-'));
    const manifest = join(dir, 'persisted-documents.json');
    writeFileSync(manifest, JSON.stringify({ [createHash('sha256').update(UPDATE).digest('hex')]: UPDATE }));
    gw = await startGateway({
      env: (url) => ({
        SALESBINDER_URL: url,
        NODE_ENV: 'production',
        TRUSTED_DOCUMENTS: manifest,
        SUBGRAPH_SECRET: secret,
      }),
    });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  it('refuses a client the router-only _entities, also right after the router ran the same document', async () => {
    const fromRouter = await twice(gw, entities, router);
    expect(fromRouter.second.body).toEqual(fromRouter.first.body);
    expect(JSON.parse(fromRouter.first.body).data._entities[0].id).toBe(DOC_EXAMPLE_ID);
    const reads = gw.sandbox.requests.length;

    const fromClient = await twice(gw, entities);
    expect(fromClient.second).toEqual(fromClient.first);
    expect(JSON.parse(fromClient.first.body).errors[0].message).toMatch(
      /trusts|only for the federation router/,
    );
    expect(gw.sandbox.requests).toHaveLength(reads);
  });

  // Trusted documents are @graphql-yoga/plugin-persisted-operations, which decides in onParams.
  it('refuses in onParams every request of a client, also after the router sent the same document', async () => {
    const body = JSON.stringify({
      query: UPDATE,
      variables: { id: DOC_EXAMPLE_ID, input: { name: 'Nope' } },
    });
    const fromRouter = await twice(gw, body, router);
    expect(JSON.parse(fromRouter.second.body).data.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
    const edits = gw.sandbox.requests.length;

    for (let sending = 0; sending < 3; sending++) {
      const fromClient = await post(gw, body, { 'content-type': 'application/json', ...admin });
      expect(JSON.parse(fromClient.body).errors[0].message).toMatch(/trusts/);
    }
    expect(gw.sandbox.requests).toHaveLength(edits);
  });
});
