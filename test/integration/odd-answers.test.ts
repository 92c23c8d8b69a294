/**
 * SalesBinder answering oddly, against the sandbox (its `odd` fault): one record it cannot read is
 * a problem for that record only, with the budget off and on; times written without an offset are
 * read, not refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer } from '../helpers/keys.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const customers = seedCustomers()
  .filter((record) => record.context_id === 2)
  .sort((a, b) => a.customer_number - b.customer_number);
const odd = customers.find((record) => record.id !== DOC_EXAMPLE_ID);
if (!odd) throw new Error('the seed needs two customers');

const READ = `query ($id: ID!) {
  customer(id: $id) { id modifiedAt }
  customers(first: 200) { totalCount pageInfo { hasNextPage } edges { node { id } } }
}`;
const VIEW = 'query ($id: ID!) { customer(id: $id) { id } }';

const open: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((gw) => gw.close()));
});

describe.each(['off', 'on'])('odd records, with BUDGET=%s', (budget) => {
  const start = async () => {
    const gw = await startGateway({ env: { BUDGET: budget } });
    open.push(gw);
    return gw;
  };

  it('serves the rest of the page and of the kind when one record has no modified', async () => {
    const gw = await start();
    gw.sandbox.faults.add({ kind: 'odd', oddity: 'no-modified', id: odd.id });
    const { body } = await gw.graphql(READ, { id: DOC_EXAMPLE_ID }, admin);
    expect(body.errors).toBeUndefined();
    expect(body.data?.customer.id).toBe(DOC_EXAMPLE_ID);
    expect(body.data?.customers.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(
      customers.filter((record) => record.id !== odd.id).map((record) => record.id),
    );
    // Without the budget, SalesBinder's count (the odd account exists, it is only not served);
    // with it, the kind's listing counts what it serves (the odd account left out of both).
    expect(body.data?.customers.totalCount).toBe(customers.length - (budget === 'on' ? 1 : 0));
    expect(body.data?.customers.pageInfo.hasNextPage).toBe(false);
    // The odd account alone fails, as a failure of SalesBinder's answer, not as "no such account".
    const alone = await gw.graphql(VIEW, { id: odd.id }, admin);
    expect(alone.body.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: false,
    });
    expect(await gw.app.metrics?.text()).toMatch(
      /salesbinder_odd_records_total\{endpoint="customers.list"\} [1-9]/,
    );
  });

  it('pages agree with totalCount when one record has no modified: no page promised that is empty', async () => {
    const gw = await start();
    gw.sandbox.faults.add({ kind: 'odd', oddity: 'no-modified', id: odd.id });
    const PAGE = `query ($first: Int!, $after: String) {
      customers(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } }
    }`;
    const readable = customers.filter((record) => record.id !== odd.id).map((record) => record.id);
    const seen: string[] = [];
    const counts = new Set<number>();
    let after: string | null = null;
    for (let i = 0; i <= customers.length; i++) {
      const answer = await gw.graphql(PAGE, { first: readable.length, after }, admin);
      expect(answer.body.errors).toBeUndefined();
      const page: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: Array<{ node: { id: string } }>;
      } = answer.body.data?.customers;
      counts.add(page.totalCount);
      // A page promised (hasNextPage) is not empty.
      if (after !== null) expect(page.edges.length).toBeGreaterThan(0);
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      expect(after).not.toBeNull();
    }
    expect(seen).toEqual(readable);
    // One count on every page: with the budget, what the kind's listing serves (the odd account
    // left out of both); without it, SalesBinder's (the odd account a place no page fills).
    expect([...counts]).toEqual([budget === 'on' ? readable.length : customers.length]);
  });

  it('reads every account when SalesBinder writes its times without an offset', async () => {
    const gw = await start();
    gw.sandbox.faults.add({ kind: 'odd', oddity: 'no-offset' });
    const { body } = await gw.graphql(READ, { id: DOC_EXAMPLE_ID }, admin);
    expect(body.errors).toBeUndefined();
    const stored = gw.sandbox.customer(DOC_EXAMPLE_ID)?.modified ?? '';
    expect(body.data?.customer.modifiedAt).toBe(new Date(stored).toISOString());
    expect(body.data?.customers.edges).toHaveLength(customers.length);
  });
});
