/**
 * People behind one address with a stranger who invents keys (an office NAT, guest Wi-Fi): a
 * person asking again with the same key gets in, a new key each time does not; a key SalesBinder
 * knew (a 403, a 404) is a person; a key it accepted stays a known person for a day, past the
 * trust window. Against the sandbox with SalesBinder's limits on, on a clock the test moves.
 */
import { afterEach, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { createTestClock, type TestClock } from '../helpers/clock.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer } from '../helpers/keys.ts';

const CUSTOMER = 'query ($id: ID!) { customer(id: $id) { id name } }';
const MISSING = '00000000-0000-4000-8000-000000000001';
const open: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((gw) => gw.close()));
});

async function gateway(): Promise<TestGateway & { clock: TestClock }> {
  const clock = createTestClock();
  const gw = await startGateway({
    sandbox: { rateLimits: { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 } },
    now: clock.now,
    env: { BUDGET: 'on', SALESBINDER_RATE_LIMITS: 'on' },
  });
  open.push(gw);
  return Object.assign(gw, { clock });
}

const read = async (gw: TestGateway, key: string, id = DOC_EXAMPLE_ID) =>
  (await gw.graphql(CUSTOMER, { id }, { authorization: bearer(key) })).body;
const madeUp = (i: number) => `madeup${String(i).padStart(34, '0')}`;
const codeOf = (body: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
  body.errors?.[0]?.extensions?.code ?? 'none';

it('lets a person in who asks again with the same key, behind a stranger inventing a new key each time', async () => {
  const gw = await gateway();
  // The stranger spends the address's credits for new keys.
  for (let i = 0; i < 6; i++) await read(gw, madeUp(i));
  const teammate = gw.sandbox.keys.add({ modify: false });
  expect(codeOf(await read(gw, teammate))).toBe('RATE_LIMITED');
  // The stranger goes on, a new key each time: none of its keys asks again, none gets in.
  for (let i = 6; i < 12; i++) expect(codeOf(await read(gw, madeUp(i)))).toBe('RATE_LIMITED');
  gw.clock.advance(5_000);
  // The person asks again a few seconds later with the same key: in.
  expect(await read(gw, teammate)).toMatchObject({ data: { customer: { id: DOC_EXAMPLE_ID } } });
  // Nine more people arriving over a minute behind the same stranger, each asking again a couple
  // of seconds after a refusal: all in.
  for (let p = 0; p < 9; p++) {
    gw.clock.advance(6_000);
    const key = gw.sandbox.keys.add({ modify: false });
    for (let i = 0; i < 3; i++) await read(gw, madeUp(100 + p * 3 + i));
    let body = await read(gw, key);
    for (let tries = 0; codeOf(body) === 'RATE_LIMITED' && tries < 3; tries++) {
      gw.clock.advance(2_000);
      body = await read(gw, key);
    }
    expect(body, `person ${p}`).toMatchObject({ data: { customer: { id: DOC_EXAMPLE_ID } } });
  }
});

it('counts a key SalesBinder answered 404 for as a person: it pays its address back', async () => {
  const gw = await gateway();
  const keys = Array.from({ length: 5 }, () => gw.sandbox.keys.add({ modify: false }));
  // Five new keys each asking for an account that is not there: SalesBinder knows every key.
  for (const key of keys) expect(await read(gw, key, MISSING)).toMatchObject({ data: { customer: null } });
  // Had the 404s counted as strangers', the address's three credits would be gone.
  const next = gw.sandbox.keys.add({ modify: false });
  expect(await read(gw, next)).toMatchObject({ data: { customer: { id: DOC_EXAMPLE_ID } } });
});

it('keeps a key SalesBinder accepted a known person for a day: past the trust window it is no newcomer', async () => {
  const gw = await gateway();
  const teammate = gw.sandbox.keys.add({ modify: false });
  expect(await read(gw, teammate)).toMatchObject({ data: { customer: { id: DOC_EXAMPLE_ID } } });
  // An hour idle: past the 5-minute trust window. The stranger has spent the address's credits.
  gw.clock.advance(60 * 60_000);
  for (let i = 0; i < 6; i++) await read(gw, madeUp(i));
  expect(await read(gw, teammate)).toMatchObject({ data: { customer: { id: DOC_EXAMPLE_ID } } });
  // A day and more later, a newcomer again: the stranger's address has no credit for new keys.
  gw.clock.advance(25 * 60 * 60_000);
  for (let i = 10; i < 16; i++) await read(gw, madeUp(i));
  expect(codeOf(await read(gw, teammate))).toBe('RATE_LIMITED');
});
