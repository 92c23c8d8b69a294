/** The gateway as a service: endpoints, GraphiQL, accounts, and keys that never leak. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, EXAMPLE_OPERATION } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createSandbox } from '../../src/sandbox/sandbox.ts';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { basic, bearer, CANARY_KEY, DEMO_ADMIN_KEY, findLeaks } from '../helpers/keys.ts';
import { UPDATE } from '../helpers/operations.ts';

describe('health and readiness', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('answers 200 on /health and /ready while serving', async () => {
    expect((await gw.fetch('/health')).status).toBe(200);
    expect((await gw.fetch('/ready')).status).toBe(200);
  });

  it('masks nothing it should not: a GraphQL syntax error is reported plainly', async () => {
    const { status, body } = await gw.graphql('mutation {');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(/Syntax Error/);
  });
});

describe('GraphiQL on the sandbox', () => {
  it('serves GraphiQL pre-filled with the documented example and the demo key, and runs it', async () => {
    const sandbox = createSandbox({ rateLimits: false });
    const sandboxUrl = await sandbox.listen();
    const config = loadConfig({ SALESBINDER_URL: sandboxUrl });
    const app = createApp({
      config,
      upstream: { mode: 'single', baseUrl: new URL(sandboxUrl) },
      logger: createLogger({ level: 'silent' }),
      demoApiKey: DEMO_ADMIN_KEY,
    });
    const server = createServer(app.yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      const html = await page.text();
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(html).toContain('RenameAccount');
      expect(html).toContain(DOC_EXAMPLE_ID);
      expect(html).toContain(`Bearer ${DEMO_ADMIN_KEY}`);

      // What GraphiQL sends when the run button is pressed.
      const run = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_ADMIN_KEY}` },
        body: JSON.stringify({ query: EXAMPLE_OPERATION }),
      });
      const result = await run.json();
      expect(result.data.updateCustomer).toMatchObject({
        __typename: 'UpdateCustomerSuccess',
        message: 'Saved',
        customer: { name: 'API Renamed Customer', customerNumber: 641, kind: 'CUSTOMER', officeFax: null },
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await sandbox.close();
    }
  });

  it('serves no GraphiQL when it is turned off', async () => {
    const gw = await startGateway({ env: { GRAPHIQL: 'false' } });
    try {
      const page = await gw.fetch('/graphql', { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    } finally {
      await gw.close();
    }
  });
});

describe('several SalesBinder accounts (SALESBINDER_ACCOUNTS)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // The sandbox reads a path prefix as the account name, standing in for {account}.salesbinder.com.
    gw = await startGateway({
      env: (sandboxUrl) => ({
        SALESBINDER_URL: '',
        SALESBINDER_ACCOUNTS: 'acme, globex',
        SALESBINDER_ACCOUNT_URL: `${sandboxUrl}/{account}`,
      }),
    });
  });
  afterAll(() => gw.close());

  const editAs = (account: string | undefined) =>
    gw
      .graphql(
        UPDATE,
        { id: DOC_EXAMPLE_ID, input: { name: 'Multi' } },
        {
          authorization: bearer(DEMO_ADMIN_KEY),
          ...(account === undefined ? {} : { 'x-salesbinder-account': account }),
        },
      )
      .then((r) => r.body);

  it('sends the edit to the account the header names', async () => {
    gw.sandbox.reset();
    const body = await editAs('Globex');
    expect(body.data?.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
    expect(gw.sandbox.requests.map((r) => [r.account, r.path])).toEqual([
      ['globex', `/globex/api/2.0/customers/${DOC_EXAMPLE_ID}.json`],
    ]);
  });

  it.each([
    ['an account not on the list', 'initech'],
    ['a name that tries to reach another host', 'evil.com/x'],
    ['no account at all', undefined],
  ])('refuses %s with BAD_USER_INPUT before any network call', async (_, account) => {
    gw.sandbox.reset();
    const body = await editAs(account);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/X-SalesBinder-Account/);
    expect(gw.sandbox.requests).toHaveLength(0);
  });
});

describe("SALESBINDER_URL in the form SalesBinder's documentation prints (…/api/2.0/)", () => {
  it.each(['/api/2.0', '/api/2.0/'])(
    'reads an account through %s, never /api/2.0/api/2.0/',
    async (suffix) => {
      const gw = await startGateway({ env: (sandboxUrl) => ({ SALESBINDER_URL: `${sandboxUrl}${suffix}` }) });
      try {
        const { body } = await gw.graphql(
          'query ($id: ID!) { customer(id: $id) { id customerNumber } customers(first: 1) { totalCount } }',
          { id: DOC_EXAMPLE_ID },
          { authorization: bearer(DEMO_ADMIN_KEY) },
        );
        expect(body.errors).toBeUndefined();
        expect(body.data?.customer).toEqual({ id: DOC_EXAMPLE_ID, customerNumber: 641 });
        expect(body.data?.customers.totalCount).toBeGreaterThan(0);
        expect(gw.sandbox.requests.map((r) => r.path.split('?')[0]).sort()).toEqual([
          '/api/2.0/customers.json',
          `/api/2.0/customers/${DOC_EXAMPLE_ID}.json`,
        ]);
      } finally {
        await gw.close();
      }
    },
  );
});

describe('API keys never leak', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { LOG_LEVEL: 'trace' } });
  });
  afterAll(() => gw.close());

  it('keeps a key out of every log line and response, on success and on every error path', async () => {
    const ops: Array<[Record<string, unknown>, string]> = [
      [{ name: 'ok' }, bearer(DEMO_ADMIN_KEY)],
      [{ name: 'ok' }, basic(DEMO_ADMIN_KEY)],
      [{ name: 'ok' }, bearer(CANARY_KEY)],
      [{ name: 'ok' }, basic(CANARY_KEY)],
      [{ name: ' ' }, bearer(CANARY_KEY)],
      [{ name: 'ok' }, `Token ${CANARY_KEY}`],
      [{ name: 'ok' }, `Bearer ${CANARY_KEY}!`],
    ];
    for (const [input, authorization] of ops) {
      await gw.graphql(UPDATE, { id: DOC_EXAMPLE_ID, input }, { authorization });
      await gw.graphql(UPDATE, { id: '00000000-0000-4000-8000-000000000000', input }, { authorization });
    }
    // The check below can only fail if something was written: prove the logs are not empty.
    expect(gw.logs.some((line) => line.includes('SalesBinder PUT customers.edit answered'))).toBe(true);
    expect(findLeaks([...gw.logs, ...gw.responses])).toEqual([]);
  });

  it('would notice a key in any of its forms', () => {
    const planted = `{"msg":"oops ${Buffer.from(`${CANARY_KEY}:x`).toString('base64')}"}`;
    expect(findLeaks([planted])).not.toEqual([]);
    expect(findLeaks([`half: ${CANARY_KEY.slice(0, 20)}`])).not.toEqual([]);
  });
});
