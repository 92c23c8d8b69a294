/**
 * The budget and what SalesBinder's answers are like (salesbinder-api.md): answers that carry
 * fewer fields than others, answers that arrive in another order than their calls were sent, and
 * what memory must never show after an edit. Against the sandbox, on a clock the test moves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateCustomers } from '../../src/sandbox/company.ts';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID, PAGE_SHAPED_IDS, seedCustomers } from '../../src/sandbox/seed.ts';
import { createTestClock, type TestClock } from '../helpers/clock.ts';
import { callsSettled, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer } from '../helpers/keys.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const ACCOUNT = 'query ($id: ID!) { customer(id: $id) { id name officePhone vatNumber archived } }';
const LIST = 'query { customers(first: 200) { edges { node { id name vatNumber archived } } } }';
const SEARCH = 'query ($s: String) { customers(search: $s, first: 20) { edges { node { id name } } } }';
const EDIT = `mutation ($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) { __typename ... on UpdateCustomerSuccess { customer { name vatNumber archived } } }
}`;

const open: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((gw) => gw.close()));
});

async function budgetGateway(
  env: Record<string, string> = {},
  customers?: number,
): Promise<TestGateway & { clock: TestClock }> {
  const clock = createTestClock();
  const gw = await startGateway({
    env: { BUDGET: 'on', ...env },
    now: clock.now,
    ...(customers === undefined ? {} : { sandbox: { customers } }),
  });
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

describe('a remembered search page after a rename through the gateway', () => {
  it('is asked again at once, not served with the renamed account in it', async () => {
    const gw = await budgetGateway();
    // "corporation" is in Globex Corporation's name only (not its e-mail or country).
    const ids = async () =>
      (await gw.graphql(SEARCH, { s: 'corporation' }, admin)).body.data?.customers.edges.map(
        (e: { node: { id: string } }) => e.node.id,
      );
    const [globex] = await ids();
    expect(globex).toBeDefined();
    // The first search also learns how large the kind is (one background call): settled first.
    await callsSettled(gw);
    const before = gw.sandbox.requests.length;
    expect(await ids()).toEqual([globex]);
    // Remembered: no call.
    expect(gw.sandbox.requests.length).toBe(before);
    await gw.graphql(EDIT, { id: globex, input: { name: 'Globex Holdings' } }, admin);
    expect(await ids()).toEqual([]);
  });
});

describe('stray 404s', () => {
  const LIST_PAGE = 'query { customers(first: 20) { totalCount edges { node { id } } } }';

  it('never makes a kind look empty after one 404 on a sweep', async () => {
    const gw = await budgetGateway();
    const total = (await gw.graphql(LIST_PAGE, {}, admin)).body.data?.customers.totalCount;
    expect(total).toBeGreaterThan(0);
    gw.clock.advance(16_000);
    gw.sandbox.faults.add({ kind: 'status', status: 404, times: 1, match: { path: 'page=1&pageLimit=200' } });
    for (let i = 0; i < 2; i++) {
      const { body } = await gw.graphql(LIST_PAGE, {}, admin);
      expect(body.errors).toBeUndefined();
      expect(body.data?.customers.totalCount).toBe(total);
    }
  });

  it('never lets one 404 on the change feed hide a change', async () => {
    // 450 customers: more than a page, so the kind is followed by its feed between sweeps.
    const gw = await budgetGateway({}, 450);
    await gw.graphql(LIST_PAGE, {}, admin);
    await gw.graphql(ACCOUNT, { id: DOC_EXAMPLE_ID }, admin);
    gw.clock.advance(1_000);
    gw.sandbox.app.edit(DOC_EXAMPLE_ID, { office_phone: '(604) 555-0142' });
    gw.clock.advance(15_000);
    gw.sandbox.faults.add({ kind: 'status', status: 404, times: 1, match: { path: 'modifiedSince' } });
    const read = await gw.graphql(ACCOUNT, { id: DOC_EXAMPLE_ID }, admin);
    expect(read.body.data?.customer.officePhone).toBe('(604) 555-0142');
  });
});

describe('a bulk import (more changes than three feed pages)', () => {
  it('moves the feed on instead of asking the same window again and again', async () => {
    const gw = await budgetGateway({}, 1_300);
    await gw.graphql('query { customers(first: 20) { totalCount } }', {}, admin);
    await gw.graphql(ACCOUNT, { id: DOC_EXAMPLE_ID }, admin);
    gw.clock.advance(1_000);
    // The sandbox's generated customers (the same for the same size): 650 changed at once.
    const changed = generateCustomers(1_300 - 9)
      .customers.slice(0, 650)
      .map((r) => r.id);
    for (const id of changed) gw.sandbox.app.edit(id, { office_fax: '555-0000' });
    const sinceOf = () =>
      gw.sandbox.requests
        .map((r) => new URL(r.path, 'http://x').searchParams.get('modifiedSince'))
        .filter((v): v is string => v !== null);
    for (let i = 0; i < 3; i++) {
      gw.clock.advance(16_000);
      const read = await gw.graphql(ACCOUNT, { id: DOC_EXAMPLE_ID }, admin);
      expect(read.body.errors).toBeUndefined();
    }
    const windows = sinceOf();
    // Each follow starts where the last one ended: no window is asked more than its pages.
    const starts = [...new Set(windows)];
    expect(starts.length).toBe(windows.filter((_, i) => i === 0 || windows[i] !== windows[i - 1]).length);
    expect(Number(starts.at(-1))).toBeGreaterThan(Number(starts[0]));
  });
});

describe('the same read asked at once, when SalesBinder fails it', () => {
  it('is one call whose failure every waiter shares, not one call each (a 503 storm)', async () => {
    const gw = await budgetGateway({ SALESBINDER_RETRIES: '0' });
    // The key proven first, so that its parallel reads are not a newcomer's proof.
    await gw.graphql(ACCOUNT, { id: DOC_EXAMPLE_ID }, admin);
    await callsSettled(gw);
    const fresh = gw.sandbox.app.create({ context_id: 2, name: 'Asked by five at once' });
    gw.sandbox.faults.add({ kind: 'delay', delayMs: 300, match: { path: `customers/${fresh.id}` } });
    gw.sandbox.faults.add({ kind: 'status', status: 503, match: { path: `customers/${fresh.id}` } });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => gw.graphql(ACCOUNT, { id: fresh.id }, admin)),
    );
    for (const { body } of answers) {
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    }
    expect(gw.sandbox.requests.filter((r) => r.path.includes(fresh.id))).toHaveLength(1);
  });
});
