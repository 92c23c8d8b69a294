/**
 * An operation's cost in SalesBinder calls: over MAX_CALLS_PER_OPERATION it is refused before any
 * call, whatever it is made of (aliased searches, accounts by id, `_entities`), and what the budget
 * holds for the caller does not count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_KEY, seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer } from '../helpers/keys.ts';

const admin = { authorization: bearer(DEMO_ADMIN_KEY) };
const searches = (terms: string[]) =>
  `{ ${terms.map((term, i) => `s${i}: customers(search: "${term}", first: 1) { totalCount }`).join(' ')} }`;
const ENTITIES = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } } }';
const unknownIds = (n: number) =>
  Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
const customersOf = (ids: string[]) => ids.map((id) => ({ __typename: 'Customer', id }));

describe('the bound on SalesBinder calls per operation', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { MAX_CALLS_PER_OPERATION: '4', BUDGET: 'on' } });
    // The key's first call proves it to the budget: its later calls are no newcomer's.
    await gw.graphql('{ customers(first: 1) { totalCount } }', {}, admin);
  });
  afterAll(() => gw.close());

  it('refuses five distinct aliased searches before any call, naming the bound', async () => {
    const before = gw.sandbox.requests.length;
    const { status, body } = await gw.graphql(searches(['a', 'b', 'c', 'd', 'e']), {}, admin);
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(
      /call limit of 4 per operation exceeded: this operation may start 5 calls/,
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', callLimit: 4, calls: 5 });
    // (The budget may refresh a kind in the background meanwhile: no search is asked.)
    expect(gw.sandbox.requests.slice(before).filter((r) => /[?&]s=/.test(r.path))).toEqual([]);
  });

  it('runs four, and counts aliases asking the same thing once', async () => {
    const four = await gw.graphql(searches(['a', 'b', 'c', 'd']), {}, admin);
    expect(four.body.errors).toBeUndefined();
    const same = await gw.graphql(searches(Array(10).fill('acme')), {}, admin);
    expect(same.body.errors).toBeUndefined();
  });

  it('refuses an _entities of unknown accounts over the bound before any call, ', async () => {
    const before = gw.sandbox.requests.length;
    const { body } = await gw.graphql(ENTITIES, { r: customersOf(unknownIds(12)) }, admin);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', callLimit: 4, calls: 12 });
    expect(gw.sandbox.requests.slice(before).filter((r) => r.path.includes('00000000-0000'))).toEqual([]);
  });

  it('counts only what runs under @skip and @include', async () => {
    const query = `query ($skip: Boolean!) {
      a: customers(search: "sa", first: 1) { totalCount }
      b: customers(search: "sb", first: 1) { totalCount }
      c: customers(search: "sc", first: 1) { totalCount }
      d: customers(search: "sd", first: 1) { totalCount }
      e: customers(search: "se", first: 1) @skip(if: $skip) { totalCount }
    }`;
    expect((await gw.graphql(query, { skip: true }, admin)).body.errors).toBeUndefined();
    const refused = await gw.graphql(query, { skip: false }, admin);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ calls: 5 });
  });

  it('does not count accounts the budget holds for the caller', async () => {
    // One page of each kind remembers all 19 accounts of the sandbox for this key.
    for (const kind of ['CUSTOMER', 'PROSPECT', 'SUPPLIER'])
      await gw.graphql(`{ customers(kind: ${kind}, first: 50) { totalCount } }`, {}, admin);
    const ids = seedCustomers().map((c) => c.id);
    expect(ids.length).toBeGreaterThan(4);
    const before = gw.sandbox.requests.length;
    const { body } = await gw.graphql(ENTITIES, { r: customersOf(ids) }, admin);
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toHaveLength(ids.length);
    expect(gw.sandbox.requests.length - before).toBeLessThanOrEqual(4);
    // The same accounts and five unknown ones: the unknown ones are over the bound.
    const mixed = await gw.graphql(ENTITIES, { r: customersOf([...ids, ...unknownIds(5)]) }, admin);
    expect(mixed.body.errors?.[0]?.extensions).toMatchObject({ calls: 5 });
  });
});
