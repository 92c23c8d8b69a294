/**
 * Edits that cannot lose work: `Customer.version` and `ifMatch`, end to end against the sandbox on
 * a clock the test controls, so that two edits land in the same second (SalesBinder's `modified`
 * has whole seconds, which `ifUnmodifiedSince` cannot see through).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { DELETE, UPDATE_IF_MATCH } from '../helpers/operations.ts';
import { FORMATS } from '../helpers/wire.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };

const LOAD = /* GraphQL */ `
  query Load($id: ID!) { customer(id: $id) { id name modifiedAt version } }
`;
const LIST = /* GraphQL */ `
  query List { customers(kind: CUSTOMER, first: 200) { edges { node { id version } } } }
`;

describe.each(FORMATS)('ifMatch and Customer.version over %s', (format) => {
  let gw: TestGateway;
  // Half a second into a second: every edit of a test lands in this same second.
  let clock = Date.UTC(2026, 0, 5, 10, 0, 0, 500);
  const load = async (id = DOC_EXAMPLE_ID) =>
    (await gw.graphql(LOAD, { id }, admin)).body.data?.customer as {
      name: string;
      modifiedAt: string;
      version: string;
    };
  const edit = async (variables: Record<string, unknown>) =>
    (await gw.graphql(UPDATE_IF_MATCH, { id: DOC_EXAMPLE_ID, ...variables }, admin)).body.data
      ?.updateCustomer;
  const puts = () => gw.sandbox.requests.filter((r) => r.method === 'PUT');

  beforeAll(async () => {
    gw = await startGateway({ env: { SALESBINDER_FORMAT: format }, sandbox: { now: () => clock } });
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    gw.sandbox.reset();
    clock = Date.UTC(2026, 0, 5, 10, 0, 0, 500);
  });

  it('is the same from a list, a view and an edit of the same state', async () => {
    const saved = await edit({ input: { name: 'Versioned' } });
    const viewed = await load();
    const listed = (await gw.graphql(LIST, {}, admin)).body.data?.customers.edges.find(
      (edge: { node: { id: string } }) => edge.node.id === DOC_EXAMPLE_ID,
    )?.node;
    expect(saved.customer.version).toMatch(/^1\.[A-Za-z0-9_-]{22}$/);
    expect(viewed.version).toBe(saved.customer.version);
    expect(listed?.version).toBe(saved.customer.version);
  });

  it('changes with every edit, even two within one second that leave modifiedAt as it was', async () => {
    const first = await edit({ input: { name: 'First' } });
    clock += 100;
    const second = await edit({ input: { name: 'Second' } });
    expect(second.customer.modifiedAt).toBe(first.customer.modifiedAt);
    expect(second.customer.version).not.toBe(first.customer.version);
  });

  it('refuses an edit whose ifMatch is the version loaded before another edit in the same second: CustomerConflictError, nothing written', async () => {
    // The account as someone loads it, saved earlier in this second.
    await edit({ input: { name: 'Loaded' } });
    const loaded = await load();
    // Someone else saves in the same second.
    clock += 200;
    const theirs = await edit({ input: { name: 'Their Edit' }, ifMatch: loaded.version });
    expect(theirs.__typename).toBe('UpdateCustomerSuccess');
    expect(theirs.customer.modifiedAt).toBe(loaded.modifiedAt);
    // ifUnmodifiedSince cannot tell: the other edit's modified is the instant loaded.
    clock += 100;
    const writes = puts().length;
    const mine = await edit({ input: { name: 'My Edit' }, ifMatch: loaded.version });
    expect(mine).toMatchObject({
      __typename: 'CustomerConflictError',
      customer: { name: 'Their Edit', version: theirs.customer.version },
    });
    expect(puts()).toHaveLength(writes);
    expect(gw.sandbox.customer(DOC_EXAMPLE_ID)?.name).toBe('Their Edit');
  });

  it('documents ifUnmodifiedSince’s one-second limit: the same race passes it', async () => {
    await edit({ input: { name: 'Loaded' } });
    const loaded = await load();
    clock += 200;
    await edit({ input: { name: 'Their Edit' } });
    const mine = await edit({ input: { name: 'My Edit' }, since: loaded.modifiedAt });
    expect(mine.__typename).toBe('UpdateCustomerSuccess');
  });

  it('refuses a malformed ifMatch as CustomerInputError at ["ifMatch"], with every other broken rule, sending nothing', async () => {
    const answer = await edit({ input: { name: ' ' }, ifMatch: 'W/"not-ours"' });
    expect(answer.__typename).toBe('CustomerInputError');
    expect(answer.fieldErrors.map((e: { path: string[] }) => e.path)).toEqual([
      ['input', 'name'],
      ['ifMatch'],
    ]);
    expect(gw.sandbox.requests).toHaveLength(0);
  });

  it('guards a delete the same way: a stale version is a conflict and the account stays', async () => {
    const loaded = await load();
    clock += 100;
    await edit({ input: { name: 'Their Edit' } });
    const refused = (await gw.graphql(DELETE, { id: DOC_EXAMPLE_ID, ifMatch: loaded.version }, admin)).body
      .data?.deleteCustomer;
    expect(refused).toMatchObject({ __typename: 'CustomerConflictError', customer: { name: 'Their Edit' } });
    expect(gw.sandbox.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(gw.sandbox.customer(DOC_EXAMPLE_ID)).toBeDefined();
    const current = await load();
    const answer = await gw.graphql(DELETE, { id: DOC_EXAMPLE_ID, ifMatch: current.version }, admin);
    const deleted = answer.body.data?.deleteCustomer;
    expect(deleted).toEqual({ __typename: 'DeleteCustomerSuccess', id: DOC_EXAMPLE_ID, message: 'Deleted' });
    expect(gw.sandbox.customer(DOC_EXAMPLE_ID)).toBeUndefined();
  });
});
