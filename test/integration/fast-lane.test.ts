/**
 * The fast lane answers exactly as Yoga does. Every request here is sent twice: the first time the
 * document is new, so Yoga answers it whole; the second time the lane may take it. Both answers
 * must be the same (status, media type, body, request id), and the lane's counters say which
 * path each one took. What the lane must leave to Yoga goes to Yoga every time.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { laneMediaType } from '../../src/fast-lane.ts';
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

function lane(gw: TestGateway) {
  if (!gw.app.fastLane) throw new Error('this gateway runs without its fast lane');
  return gw.app.fastLane;
}

/** Sends the same request twice; says how many of the two the lane served. */
async function twice(gw: TestGateway, body: string, headers: Record<string, string> = {}) {
  const served = lane(gw).counts.served;
  const all = { 'content-type': 'application/json', ...admin, ...headers };
  const first = await post(gw, body, all);
  const second = await post(gw, body, all);
  return { first, second, servedByLane: lane(gw).counts.served - served };
}

// Each test sends its own text of a document (a comment makes it new), so that the first sending
// is always Yoga's, whatever ran before.
let copies = 0;
const fresh = (query: string) => `${query}\n# copy ${++copies}`;
const customerBody = () => JSON.stringify({ query: fresh(CUSTOMER), variables: { id: DOC_EXAMPLE_ID } });

describe('the fast lane', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  it.each([
    ['application/graphql-response+json'],
    ['application/json'],
    ['*/*'],
    ['application/graphql-response+json, application/json;q=0.9'],
    ['application/json, application/graphql-response+json'],
  ])('serves a read Yoga already ran, with Yoga’s answer, for Accept: %s', async (accept) => {
    const { first, second, servedByLane } = await twice(gw, customerBody(), {
      accept,
      'x-request-id': `lane-${accept.length}`,
    });
    expect(servedByLane).toBe(1);
    expect(second).toEqual(first);
    expect(JSON.parse(second.body).data.customer.id).toBe(DOC_EXAMPLE_ID);
    expect(second.requestId).toBe(`lane-${accept.length}`);
  });

  it('answers a request without an Accept header as Yoga does', async () => {
    const body = customerBody();
    const send = async (): Promise<Answer> => {
      const answer = await rawPost(
        `${gw.url}/graphql`,
        {
          'content-type': 'application/json',
          ...admin,
          'x-request-id': 'no-accept',
        },
        body,
      );
      return {
        status: answer.status,
        contentType: answer.headers['content-type'] ?? null,
        requestId: (answer.headers['x-request-id'] as string | undefined) ?? null,
        body: answer.body,
      };
    };
    const served = lane(gw).counts.served;
    const first = await send();
    const second = await send();
    expect(lane(gw).counts.served - served).toBe(1);
    expect(second).toEqual(first);
    expect(first.status).toBe(200);
  });

  it('serves edits, typed failures and field errors the way Yoga answers them', async () => {
    // A refused input never reaches SalesBinder; the same answer both times.
    const invalid = JSON.stringify({
      query: fresh(UPDATE),
      variables: { id: DOC_EXAMPLE_ID, input: { name: '' } },
    });
    const refused = await twice(gw, invalid, { 'x-request-id': 'invalid' });
    expect(refused.servedByLane).toBe(1);
    expect(refused.second).toEqual(refused.first);
    expect(JSON.parse(refused.second.body).data.updateCustomer.__typename).toBe('CustomerInputError');

    // No key: an error in `errors`, masked and shaped by Yoga's own plugins on both paths.
    const keyless = await twice(gw, customerBody(), { authorization: '', 'x-request-id': 'keyless' });
    expect(keyless.servedByLane).toBe(1);
    expect(keyless.second).toEqual(keyless.first);
    expect(JSON.parse(keyless.second.body).errors[0].extensions.code).toBeDefined();

    // An edit that succeeds: the lane's answer is the whole success.
    const query = fresh(UPDATE);
    const rename = (name: string) =>
      JSON.stringify({ query, variables: { id: DOC_EXAMPLE_ID, input: { name } } });
    await post(gw, rename('First Name'), { 'content-type': 'application/json', ...admin });
    const served = lane(gw).counts.served;
    const second = await post(gw, rename('Second Name'), { 'content-type': 'application/json', ...admin });
    expect(lane(gw).counts.served - served).toBe(1);
    const payload = JSON.parse(second.body).data.updateCustomer;
    expect(payload).toMatchObject({ __typename: 'UpdateCustomerSuccess', customer: { name: 'Second Name' } });
    expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.name).toBe('Second Name');
  });

  it.each([
    ['variables that do not fit', JSON.stringify({ query: CUSTOMER, variables: { id: null } })],
    ['variables missing', JSON.stringify({ query: CUSTOMER })],
    [
      'an operation name the document lacks',
      JSON.stringify({ query: CUSTOMER, operationName: 'Nope', variables: { id: '1' } }),
    ],
    ['extensions', JSON.stringify({ query: CUSTOMER, variables: { id: DOC_EXAMPLE_ID }, extensions: {} })],
    ['a parameter GraphQL over HTTP does not define', JSON.stringify({ query: CUSTOMER, extra: 1 })],
    ['a body that is not JSON', '{"query": '],
    ['a body that is a list', JSON.stringify([{ query: CUSTOMER }])],
    ['a document that does not validate', JSON.stringify({ query: '{ customer(id: "1") { nope } }' })],
  ])('leaves %s to Yoga, every time', async (_case, body) => {
    // Warm the lane with the valid document first, so that only the body's shape can send it to Yoga.
    await twice(gw, JSON.stringify({ query: CUSTOMER, variables: { id: DOC_EXAMPLE_ID } }));
    const { first, second, servedByLane } = await twice(gw, body, { 'x-request-id': 'to-yoga' });
    expect(servedByLane).toBe(0);
    expect(second).toEqual(first);
    expect(first.status).not.toBe(500);
  });

  it('leaves a browser’s cross-origin request and other media types to Yoga', async () => {
    const body = customerBody();
    await twice(gw, body);
    const handedOver = lane(gw).counts.handedOver;
    const cors = await twice(gw, body, { origin: 'https://app.example.com' });
    const form = await twice(gw, body, { 'content-type': 'text/plain' });
    const sse = await twice(gw, body, { accept: 'text/event-stream' });
    for (const run of [cors, form, sse]) expect(run.servedByLane).toBe(0);
    // Decided on the headers alone: Yoga read these bodies itself.
    expect(lane(gw).counts.handedOver).toBe(handedOver);
  });

  it('writes one request log line with the id, path and status, as Yoga’s path does', async () => {
    await twice(gw, customerBody(), { 'x-request-id': 'logged-twice' });
    const lines = gw.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request' && line.requestId === 'logged-twice');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
      expect(typeof line.ms).toBe('number');
    }
  });

  it('counts the operations it serves in the metrics, as Yoga’s path does', async () => {
    const count = async () => {
      const text = await (await fetch(`${gw.metricsUrl}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('graphql_operations_total{operation_name="Customer"'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await count();
    const { servedByLane } = await twice(gw, customerBody());
    expect(servedByLane).toBe(1);
    expect((await count()) - before).toBe(2);
  });
});

describe('the fast lane with a router secret and trusted documents', () => {
  let gw: TestGateway;
  const secret = 'router-secret-0123456789abcdef';
  const router = { 'x-subgraph-secret': secret, 'x-request-id': 'from-router' };
  const entities = JSON.stringify({
    query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } } }',
    variables: { r: [{ __typename: 'Customer', id: DOC_EXAMPLE_ID }] },
  });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbgw-lane-'));
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

  it('serves the router what Yoga accepted from the router, and never a client without the secret', async () => {
    const fromRouter = await twice(gw, entities, router);
    expect(fromRouter.servedByLane).toBe(1);
    expect(fromRouter.second).toEqual(fromRouter.first);
    expect(JSON.parse(fromRouter.second.body).data._entities[0].id).toBe(DOC_EXAMPLE_ID);

    // The same document from a client: refused by Yoga, both times, lane or no lane.
    const fromClient = await twice(gw, entities, { 'x-request-id': 'from-client' });
    expect(fromClient.servedByLane).toBe(0);
    expect(fromClient.second).toEqual(fromClient.first);
    expect(JSON.parse(fromClient.first.body).errors[0].message).toMatch(
      /trusts|only for the federation router/,
    );
  });

  it('does not let a client send as text a document it may only name by its id', async () => {
    const body = JSON.stringify({ query: UPDATE, variables: { id: DOC_EXAMPLE_ID, input: { name: '' } } });
    const fromRouter = await twice(gw, body, router);
    expect(fromRouter.servedByLane).toBe(1);
    const fromClient = await twice(gw, body);
    expect(fromClient.servedByLane).toBe(0);
    expect(JSON.parse(fromClient.second.body).errors[0].message).toMatch(/trusts/);
  });
});

describe('FAST_LANE=off', () => {
  let on: TestGateway;
  let off: TestGateway;
  beforeAll(async () => {
    on = await startGateway({ env: { NODE_ENV: 'production' } });
    off = await startGateway({ env: { NODE_ENV: 'production', FAST_LANE: 'off' } });
  });
  afterAll(async () => {
    await on.close();
    await off.close();
  });

  it('leaves every request to Yoga, with the same answers', async () => {
    expect(off.app.fastLane).toBeUndefined();
    const body = customerBody();
    const headers = { 'content-type': 'application/json', ...admin, 'x-request-id': 'on-or-off' };
    const [withLane, withoutLane] = await Promise.all(
      [on, off].map(async (gw) => {
        await post(gw, body, headers);
        return post(gw, body, headers);
      }),
    );
    expect(lane(on).counts.served).toBe(1);
    expect(withoutLane).toEqual(withLane);
  });
});

describe('laneMediaType', () => {
  it.each([
    [{ 'content-type': 'application/json' }, 'application/json'],
    [{ 'content-type': 'application/json; charset=utf-8', accept: '*/*' }, 'application/json'],
    [{ 'content-type': 'Application/JSON;charset="UTF-8"' }, 'application/json'],
    [
      { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      'application/graphql-response+json',
    ],
    [{ 'content-type': 'application/json', accept: 'text/html, */*' }, null],
    [{ 'content-type': 'application/json; charset=latin1' }, null],
    [{ 'content-type': 'application/graphql' }, null],
    [{}, null],
    [{ 'content-type': 'application/json', origin: 'https://app.example.com' }, null],
  ])('%o → %s', (headers, expected) => {
    expect(laneMediaType(headers)).toBe(expected);
  });
});
