/**
 * A fair share per person, through the gateway: one valid key asking without pause (ten aliased
 * searches for new terms at once, again and again) is held to its share of the account's window
 * while teammates are served, and SalesBinder, which counts arrivals, never answers 429.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer } from '../helpers/keys.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    sandbox: { rateLimits: { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 } },
    env: { BUDGET: 'on', SALESBINDER_RATE_LIMITS: 'on' },
  });
  gw.sandbox.faults.add({ kind: 'delay', delayMs: 50, rate: 0.5 });
});
afterAll(() => gw.close());

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const search = (key: string, terms: string[]) =>
  gw.graphql(
    `{ ${terms.map((term, i) => `s${i}: customers(search: "${term}", first: 1) { totalCount }`).join(' ')} }`,
    {},
    { authorization: bearer(key) },
  );

it('holds a key asking without pause to its share while teammates are served, with no 429', async () => {
  const [ann, bob, hog] = [0, 1, 2].map(() => gw.sandbox.keys.add({ modify: false })) as [
    string,
    string,
    string,
  ];
  // Everyone's first call proves their key (a newcomer's, which is no one's share yet); then two
  // teammates at work: the account has people to share it with.
  for (const key of [ann, bob, hog])
    expect((await search(key, [`proof-${key.slice(0, 6)}`])).body.errors).toBeUndefined();
  for (const key of [ann, bob])
    expect((await search(key, [`first-${key.slice(0, 6)}`])).body.errors).toBeUndefined();
  // The hog: ten new searches at once, twice.
  const first = await search(
    hog,
    Array.from({ length: 10 }, (_, i) => `hog-a-${i}`),
  );
  const second = await search(
    hog,
    Array.from({ length: 10 }, (_, i) => `hog-b-${i}`),
  );
  const hogCalls = () => gw.sandbox.requests.filter((r) => r.path.includes('hog-')).length;
  // An answer leaves at its first error; the searches let through before it are still on their way.
  await until(() => hogCalls() === 4);
  expect(first.body.errors?.[0]?.message).toMatch(/this key has used its share/);
  expect(second.body.errors?.every((e) => /its share/.test(e.message))).toBe(true);
  // The teammates go on: their new searches are answered (what the window has left).
  for (const key of [ann, bob]) {
    const { body } = await search(key, [`then-${key.slice(0, 6)}`]);
    expect(body.errors).toBeUndefined();
  }
  // A third of the 14 calls a window holds (three people), whatever it asked.
  expect(hogCalls()).toBe(4);
  expect(gw.sandbox.requests.filter((r) => r.status === 429)).toEqual([]);
});
