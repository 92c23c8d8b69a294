/**
 * The budget and what SalesBinder's answers are like (salesbinder-api.md): answers that carry
 * fewer fields than others, answers that arrive in another order than their calls were sent, and
 * what memory must never show after an edit. Against the sandbox, on a clock the test moves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_KEY, PAGE_SHAPED_IDS, seedCustomers } from '../../src/sandbox/seed.ts';
import { createTestClock, type TestClock } from '../helpers/clock.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer } from '../helpers/keys.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const ACCOUNT = 'query ($id: ID!) { customer(id: $id) { id name officePhone vatNumber archived } }';
const LIST = 'query { customers(first: 200) { edges { node { id name vatNumber archived } } } }';
const EDIT = `mutation ($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) { __typename ... on UpdateCustomerSuccess { customer { name vatNumber archived } } }
}`;

const open: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((gw) => gw.close()));
});

async function budgetGateway(env: Record<string, string> = {}): Promise<TestGateway & { clock: TestClock }> {
  const clock = createTestClock();
  const gw = await startGateway({ env: { BUDGET: 'on', ...env }, now: clock.now });
  open.push(gw);
  return Object.assign(gw, { clock });
}

// Café Olé SARL: a customer with a VAT number, which SalesBinder's View and List answers leave out.
const cafe = seedCustomers().find(
  (r) => PAGE_SHAPED_IDS.has(r.id) && r.vat_number !== '' && r.context_id === 2,
);
if (!cafe) throw new Error('the seed lost its page-shaped customer with a VAT number');

describe('answers with fewer fields', () => {
  it('never lets a leaner List answer erase what an Edit answer said (vatNumber, archived)', async () => {
    const gw = await budgetGateway();
    const edited = await gw.graphql(EDIT, { id: cafe.id, input: { officePhone: '555-0100' } }, admin);
    expect(edited.body.data?.updateCustomer.customer).toMatchObject({
      vatNumber: cafe.vat_number,
      archived: false,
    });
    // Changed in SalesBinder itself afterwards; then the kind's list (lean records) brings it.
    gw.clock.advance(2_000);
    gw.sandbox.app.edit(cafe.id, { office_phone: '555-0199' });
    gw.clock.advance(16_000);
    const listed = await gw.graphql(LIST, {}, admin);
    const node = listed.body.data?.customers.edges.find(
      (e: { node: { id: string } }) => e.node.id === cafe.id,
    );
    expect(node?.node).toMatchObject({ vatNumber: cafe.vat_number, archived: false });
    const read = await gw.graphql(ACCOUNT, { id: cafe.id }, admin);
    expect(read.body.data?.customer).toEqual({
      id: cafe.id,
      name: cafe.name,
      officePhone: '555-0199',
      vatNumber: cafe.vat_number,
      archived: false,
    });
  });
});

describe('an edit through the gateway, seen at once', () => {
  it('is not hidden by a read of the same second answered after it', async () => {
    const gw = await budgetGateway();
    await gw.graphql(LIST, {}, admin);
    // The list, sent after the edit but answered with the same `modified`, must not win.
    const edited = await gw.graphql(EDIT, { id: cafe.id, input: { name: 'Café Olé renamed' } }, admin);
    expect(edited.body.data?.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
    gw.clock.advance(16_000);
    await gw.graphql(LIST, {}, admin);
    const read = await gw.graphql(ACCOUNT, { id: cafe.id }, admin);
    expect(read.body.data?.customer).toMatchObject({
      name: 'Café Olé renamed',
      vatNumber: cafe.vat_number,
      archived: false,
    });
  });
});
