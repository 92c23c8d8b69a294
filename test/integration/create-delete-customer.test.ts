/**
 * createCustomer and deleteCustomer end to end: a real gateway on loopback in front of the real
 * sandbox, in both wire formats, checking what SalesBinder received and what the client got;
 * answers lost after sending (the sandbox's `lost` fault: the work is done, the connection drops).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_CREATE, EXAMPLE_DELETE } from '../../src/app.ts';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY, DEMO_VIEWER_KEY } from '../helpers/keys.ts';
import { CREATE, CUSTOMER, DELETE } from '../helpers/operations.ts';
import { CONTENT_TYPE, FORMATS, sentFieldsOf } from '../helpers/wire.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const viewer = { authorization: bearer(DEMO_VIEWER_KEY) };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe.each(FORMATS)('createCustomer and deleteCustomer over %s', (format) => {
  let gw: TestGateway;
  const create = async (
    input: Record<string, unknown>,
    idempotencyKey?: string,
    headers: Record<string, string> = admin,
  ) => (await gw.graphql(CREATE, { input, idempotencyKey }, headers)).body.data?.createCustomer;
  const remove = async (variables: Record<string, unknown>, headers: Record<string, string> = admin) =>
    (await gw.graphql(DELETE, variables, headers)).body;
  const sent = (method: string) => gw.sandbox.requests.filter((r) => r.method === method);

  beforeAll(async () => {
    gw = await startGateway({ env: { SALESBINDER_FORMAT: format, SALESBINDER_RETRY_BASE_MS: '5' } });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sandbox.reset());

  describe('createCustomer', () => {
    it('POSTs context_id and the given fields to customers.{format} and returns the new account', async () => {
      const payload = await create({
        name: 'New Account Ltd',
        officeEmail: 'hello@new-account.example',
        billingAddress: { postalCode: '01234', line2: null },
      });
      const [request, ...others] = gw.sandbox.requests;
      expect(others).toHaveLength(0);
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe(`/api/2.0/customers.${format}`);
      expect(request?.headers['content-type']).toBe(CONTENT_TYPE[format]);
      expect(sentFieldsOf(request?.body ?? '', format)).toEqual({
        context_id: format === 'json' ? 2 : '2',
        name: 'New Account Ltd',
        office_email: 'hello@new-account.example',
        billing_address_2: '',
        billing_postal_code: '01234',
      });
      expect(payload.__typename).toBe('CreateCustomerSuccess');
      expect(payload.message).toBe('Saved');
      const stored = gw.sandbox.customer(payload.customer.id);
      expect(stored?.name).toBe('New Account Ltd');
      expect(payload.customer).toMatchObject({
        kind: 'CUSTOMER',
        name: 'New Account Ltd',
        officeEmail: 'hello@new-account.example',
        billingAddress: { postalCode: '01234', line2: null },
        customerNumber: stored?.customer_number,
      });
      // Read back by id: the same account, the same version.
      const read = await gw.graphql(
        `query ($id: ID!) { customer(id: $id) { id name version } }`,
        {
          id: payload.customer.id,
        },
        admin,
      );
      expect(read.body.data?.customer).toEqual({
        id: payload.customer.id,
        name: 'New Account Ltd',
        version: payload.customer.version,
      });
    });

    it('creates a prospect or a supplier with its context_id', async () => {
      const payload = await create({ kind: 'SUPPLIER', name: 'Parts Supplier' });
      expect(payload.customer.kind).toBe('SUPPLIER');
      expect(gw.sandbox.customer(payload.customer.id)?.context_id).toBe(10);
    });

    it('reports every broken rule at once, the idempotencyKey’s too, and sends nothing', async () => {
      const payload = await create(
        {
          name: '  ',
          officeEmail: 'not an e-mail',
          url: 'x'.repeat(256),
          shippingAddress: { city: 'a\u0000' },
        },
        '',
      );
      expect(payload.__typename).toBe('CustomerInputError');
      expect(payload.fieldErrors.map((e: { path: string[] }) => e.path)).toEqual([
        ['input', 'name'],
        ['input', 'officeEmail'],
        ['input', 'url'],
        ['input', 'shippingAddress', 'city'],
        ['idempotencyKey'],
      ]);
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it('refuses an idempotencyKey over 255 characters, sending nothing', async () => {
      const payload = await create({ name: 'Fine' }, 'k'.repeat(256));
      expect(payload).toMatchObject({
        __typename: 'CustomerInputError',
        fieldErrors: [{ path: ['idempotencyKey'], message: 'Must be at most 255 characters' }],
      });
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it('refuses an unknown kind as a GraphQL validation error, sending nothing', async () => {
      const { body } = await gw.graphql(CREATE, { input: { kind: 'PARTNER', name: 'x' } }, admin);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toMatch(/PARTNER/);
      expect(gw.sandbox.requests).toHaveLength(0);
    });

    it('answers SalesBinderPermissionError to a key that may only view, SalesBinderAuthError to none', async () => {
      expect((await create({ name: 'x' }, undefined, viewer)).__typename).toBe('SalesBinderPermissionError');
      expect((await create({ name: 'x' }, undefined, {})).__typename).toBe('SalesBinderAuthError');
      expect(sent('POST')).toHaveLength(1);
    });

    it('maps SalesBinder’s 422 on context_id or a field back to input paths', async () => {
      gw.sandbox.faults.add({
        kind: 'status',
        status: 422,
        form: 'fields',
        field: 'billing_city',
        message: 'Unknown city',
        times: 1,
      });
      const payload = await create({ name: 'x', billingAddress: { city: 'Atlantis' } });
      expect(payload).toMatchObject({
        __typename: 'CustomerInputError',
        fieldErrors: [{ path: ['input', 'billingAddress', 'city'], message: 'Unknown city' }],
      });
    });

    it('never retries a POST that failed after it may have reached SalesBinder (a 503): not retryable', async () => {
      gw.sandbox.faults.add({ kind: 'status', status: 503, match: { method: 'POST' }, times: 1 });
      const payload = await create({ name: 'Once' });
      expect(payload).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: false });
      expect(payload.message).toMatch(/may have been created/);
      expect(sent('POST')).toHaveLength(1);
    });

    it('answers a create whose answer was lost with retryable false, and the same idempotencyKey again creates nothing more', async () => {
      gw.sandbox.faults.add({ kind: 'lost', match: { method: 'POST' }, times: 1 });
      const first = await create({ name: 'Lost Answer Inc' }, 'retry-me-1');
      expect(first).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: false });
      // It reached SalesBinder once, and was not sent again.
      expect(sent('POST')).toHaveLength(1);
      const again = await create({ name: 'Lost Answer Inc' }, 'retry-me-1');
      expect(again).toEqual(first);
      expect(sent('POST')).toHaveLength(1);
      const list = await gw.graphql(
        `query { customers(kind: CUSTOMER, search: "Lost Answer", first: 50) { totalCount } }`,
        {},
        admin,
      );
      expect(list.body.data?.customers.totalCount).toBe(1);
    });

    it('answers a repeated call with the same idempotencyKey with the first account, creating one', async () => {
      const first = await create({ name: 'Idempotent Co' }, 'order-42');
      const second = await create({ name: 'Idempotent Co' }, 'order-42');
      expect(second).toEqual(first);
      expect(sent('POST')).toHaveLength(1);
      // Another key, another account.
      const other = await create({ name: 'Idempotent Co' }, 'order-43');
      expect(other.customer.id).not.toBe(first.customer.id);
      expect(sent('POST')).toHaveLength(2);
    });

    it('makes a concurrent second call with the same key wait for the first', async () => {
      gw.sandbox.faults.add({ kind: 'delay', delayMs: 150, match: { method: 'POST' } });
      const [a, b] = await Promise.all([
        create({ name: 'Concurrent Ltd' }, 'same-key'),
        create({ name: 'Concurrent Ltd' }, 'same-key'),
      ]);
      expect(a.__typename).toBe('CreateCustomerSuccess');
      expect(b).toEqual(a);
      expect(sent('POST')).toHaveLength(1);
    });

    it('refuses a key used with another input, sending nothing', async () => {
      await create({ name: 'First Input' }, 'reused');
      const payload = await create({ name: 'Other Input' }, 'reused');
      expect(payload).toMatchObject({
        __typename: 'CustomerInputError',
        fieldErrors: [{ path: ['idempotencyKey'] }],
      });
      expect(sent('POST')).toHaveLength(1);
    });

    it('keeps keys per API key: another user’s same key is another create', async () => {
      const key = gw.sandbox.keys.add({ modify: true });
      const mine = await create({ name: 'Shared Key Name' }, 'k1');
      const theirs = await create({ name: 'Shared Key Name' }, 'k1', { authorization: bearer(key) });
      expect(theirs.customer.id).not.toBe(mine.customer.id);
      expect(sent('POST')).toHaveLength(2);
    });

    it('does not keep an outcome that created nothing: the same key works once the cause is fixed', async () => {
      gw.sandbox.faults.add({ kind: 'status', status: 429, match: { method: 'POST' }, times: 1 });
      expect((await create({ name: 'Later' }, 'k-429')).__typename).toBe('SalesBinderRateLimitError');
      expect((await create({ name: 'Later' }, 'k-429')).__typename).toBe('CreateCustomerSuccess');
    });
  });

  it('counts each mutation’s outcomes by payload member, apart from edits', async () => {
    await create({ name: 'Counted' });
    await create({ name: ' ' });
    await remove({ id: UNKNOWN_ID });
    const text = (await gw.app.metrics?.text()) ?? '';
    const count = (name: string, type: string) =>
      Number(new RegExp(`^${name}\\{type="${type}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(count('graphql_create_customer_results_total', 'CreateCustomerSuccess')).toBeGreaterThan(0);
    expect(count('graphql_create_customer_results_total', 'CustomerInputError')).toBeGreaterThan(0);
    expect(count('graphql_delete_customer_results_total', 'CustomerNotFoundError')).toBeGreaterThan(0);
    expect(text).not.toMatch(/^graphql_update_customer_results_total\{type="CreateCustomerSuccess"\}/m);
  });

  describe("GraphiQL's examples", () => {
    it('creates one account however often the create tab is run', async () => {
      const runs = [];
      for (let i = 0; i < 2; i++)
        runs.push((await gw.graphql(EXAMPLE_CREATE, {}, admin)).body.data?.createCustomer);
      expect(runs[0].__typename).toBe('CreateCustomerSuccess');
      expect(runs[1]).toEqual(runs[0]);
      expect(sent('POST')).toHaveLength(1);
    });

    it('loads a version, then deletes only that version', async () => {
      const run = async (operationName: string, variables: Record<string, unknown>) => {
        const response = await gw.fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...admin },
          body: JSON.stringify({ query: EXAMPLE_DELETE, operationName, variables }),
        });
        return (await response.json()).data;
      };
      const loaded = (await run('LoadAccount', { id: DOC_EXAMPLE_ID })).customer;
      // Someone changes it in SalesBinder itself: the version loaded is stale.
      gw.sandbox.app.edit(DOC_EXAMPLE_ID, { office_fax: '(604) 555-0199' });
      const stale = await run('DeleteAccount', { id: DOC_EXAMPLE_ID, ifMatch: loaded.version });
      expect(stale.deleteCustomer.__typename).toBe('CustomerConflictError');
      expect(gw.sandbox.customer(DOC_EXAMPLE_ID)).toBeDefined();
      const current = (await run('LoadAccount', { id: DOC_EXAMPLE_ID })).customer;
      const { deleteCustomer } = await run('DeleteAccount', { id: DOC_EXAMPLE_ID, ifMatch: current.version });
      expect(deleteCustomer).toMatchObject({ __typename: 'DeleteCustomerSuccess', id: DOC_EXAMPLE_ID });
    });
  });

  describe('deleteCustomer', () => {
    it('DELETEs customers/{id}.{format} and answers DeleteCustomerSuccess; the account is gone', async () => {
      const { data } = await remove({ id: DOC_EXAMPLE_ID });
      expect(data?.deleteCustomer).toEqual({
        __typename: 'DeleteCustomerSuccess',
        id: DOC_EXAMPLE_ID,
        message: 'Deleted',
      });
      const [request] = sent('DELETE');
      expect(request?.path).toBe(`/api/2.0/customers/${DOC_EXAMPLE_ID}.${format}`);
      expect(gw.sandbox.customer(DOC_EXAMPLE_ID)).toBeUndefined();
      const read = await gw.graphql(CUSTOMER, { id: DOC_EXAMPLE_ID }, admin);
      expect(read.body.data?.customer).toBeNull();
    });

    it('answers CustomerNotFoundError to an id SalesBinder does not know, on the first attempt', async () => {
      const { data } = await remove({ id: UNKNOWN_ID });
      expect(data?.deleteCustomer).toMatchObject({ __typename: 'CustomerNotFoundError', id: UNKNOWN_ID });
      expect(sent('DELETE')).toHaveLength(1);
    });

    it('retries a delete whose answer was lost, and takes the 404 that follows as success', async () => {
      gw.sandbox.faults.add({ kind: 'lost', match: { method: 'DELETE' }, times: 1 });
      const { data } = await remove({ id: DOC_EXAMPLE_ID });
      expect(data?.deleteCustomer).toEqual({
        __typename: 'DeleteCustomerSuccess',
        id: DOC_EXAMPLE_ID,
        message: 'Deleted',
      });
      expect(sent('DELETE').map((r) => r.status)).toEqual([200, 404]);
    });

    it('answers SalesBinderPermissionError to a key that may only view; the account stays', async () => {
      const { data } = await remove({ id: DOC_EXAMPLE_ID }, viewer);
      expect(data?.deleteCustomer.__typename).toBe('SalesBinderPermissionError');
      expect(gw.sandbox.customer(DOC_EXAMPLE_ID)).toBeDefined();
    });

    it('refuses a malformed id or ifMatch as BAD_USER_INPUT, sending nothing', async () => {
      const body = await remove({ id: 'not-an-id', ifMatch: 'nope' });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(
        (body.errors?.[0]?.extensions?.fieldErrors as Array<{ path: string[] }> | undefined)?.map(
          (e) => e.path,
        ),
      ).toEqual([['id'], ['ifMatch']]);
      expect(gw.sandbox.requests).toHaveLength(0);
    });
  });
});

describe('a create that could not be sent at all', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // Nothing listens on port 1: every connection is refused, so nothing was sent.
    gw = await startGateway({
      upstream: { mode: 'single', baseUrl: new URL('http://127.0.0.1:1') },
      env: { SALESBINDER_RETRY_BASE_MS: '5' },
    });
  });
  afterAll(() => gw.close());

  it('is retryable, and keeps nothing under its idempotencyKey', async () => {
    const create = async () =>
      (await gw.graphql(CREATE, { input: { name: 'Unsent' }, idempotencyKey: 'unsent-1' }, admin)).body.data
        ?.createCustomer;
    const payload = await create();
    expect(payload).toMatchObject({ __typename: 'SalesBinderUnavailableError', retryable: true });
    expect(payload.message).not.toMatch(/may have been created/);
    // Not kept: the same key tries again (and is refused again) rather than answering from memory.
    const tries = () =>
      gw.logs.filter((line) => line.includes('SalesBinder POST customers.create failed')).length;
    expect(tries()).toBe(1);
    expect(await create()).toEqual(payload);
    expect(tries()).toBe(2);
  });
});
