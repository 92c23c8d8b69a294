/**
 * The budget's two stores (one replica's memory, and Redis for replicas) against the same cases:
 * the newer version of an account wins however late the older answer arrives, list pages learn
 * what may have moved them, keys are known by their hash only, and everything expires.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Customer } from '../../src/domain/customer.ts';
import { keyHashOf } from '../../src/salesbinder/budget/index.ts';
import { createMemoryStore } from '../../src/salesbinder/budget/store/memory.ts';
import { createRedisStore } from '../../src/salesbinder/budget/store/redis.ts';
import {
  type BudgetStore,
  type ContextId,
  listSigOf,
  type RememberedRecord,
  type Retention,
  UNFOLLOWED,
} from '../../src/salesbinder/budget/store/store.ts';
import { createTestClock } from '../helpers/clock.ts';
import { describeWithRedis, type RedisServer, startRedis } from '../helpers/redis-server.ts';

const RETENTION: Retention = { entryMs: 60_000, heldMs: 1_800_000, trustMs: 300_000, lockMs: 2_000 };
const SECRET_KEY = 'demoadminkey0000000000000000000000000000';

const blankAddress = { line1: null, line2: null, city: null, region: null, country: null, postalCode: null };

function customer(id: string, name: string, modified: string, extra: Partial<Customer> = {}): Customer {
  return {
    id,
    customerNumber: 1,
    kind: null,
    name,
    officeEmail: null,
    officePhone: null,
    officeFax: null,
    url: null,
    vatNumber: null,
    billingAddress: { ...blankAddress, country: 'Canada' },
    shippingAddress: blankAddress,
    archived: null as unknown as boolean,
    createdAt: new Date('2020-01-01T00:00:00Z'),
    modifiedAt: new Date(modified),
    ...extra,
  };
}

function record(c: Customer, contextId: ContextId | null, fetchedAt: number): RememberedRecord {
  return { customer: c, contextId, fetchedAt, confirmedAt: fetchedAt, listSig: listSigOf(c) };
}

function storeContract(make: () => BudgetStore) {
  let store: BudgetStore;
  let n = 0;
  let scope: string;
  beforeAll(() => {
    store = make();
  });
  afterAll(() => store.close());
  const fresh = () => {
    n += 1;
    scope = `https://acme-${n}.salesbinder.com`;
  };

  it('keeps the version SalesBinder changed last, however late an older answer arrives', async () => {
    fresh();
    const newer = customer('a', 'New name', '2026-01-01T10:00:05Z');
    const older = customer('a', 'Old name', '2026-01-01T10:00:00Z');
    await store.merge(scope, [record(newer, 2, 2_000)]);
    await store.merge(scope, [record(older, null, 3_000)]);
    const [kept] = await store.records(scope, ['a']);
    expect(kept?.customer.name).toBe('New name');
    expect(kept?.customer.modifiedAt).toEqual(newer.modifiedAt);
    // The late answer still proves the account existed when it was sent.
    expect(kept?.confirmedAt).toBe(3_000);
    expect(kept?.contextId).toBe(2);
  });

  it('takes the later call’s answer when SalesBinder says both changed in the same second', async () => {
    fresh();
    await store.merge(scope, [record(customer('a', 'First', '2026-01-01T10:00:00Z'), 8, 1_000)]);
    await store.merge(scope, [record(customer('a', 'Second', '2026-01-01T10:00:00Z'), null, 2_000)]);
    const [kept] = await store.records(scope, ['a']);
    expect(kept?.customer.name).toBe('Second');
    expect(kept?.contextId).toBe(8);
    expect(kept?.fetchedAt).toBe(2_000);
  });

  it('in the same second, takes the answer that arrived last, not the call sent last', async () => {
    fresh();
    const at = '2026-01-01T10:00:00Z';
    // Sent later (fetchedAt 2 000) but answered first (answeredAt 2 100)...
    await store.merge(scope, [
      { ...record(customer('a', 'Answered first', at), 2, 2_000), answeredAt: 2_100 },
    ]);
    // ...then a call sent earlier, answered after it: its answer is SalesBinder's later word.
    await store.merge(scope, [
      { ...record(customer('a', 'Answered last', at), 2, 1_000), answeredAt: 2_200 },
    ]);
    expect((await store.records(scope, ['a']))[0]?.customer.name).toBe('Answered last');
  });

  it('never lets a read’s answer of the same second replace an edit’s, whenever it arrives', async () => {
    fresh();
    const at = '2026-01-01T10:00:00Z';
    await store.merge(scope, [
      { ...record(customer('a', 'Edited', at), 2, 1_000), answeredAt: 1_100, edit: true },
    ]);
    await store.merge(scope, [{ ...record(customer('a', 'Read before', at), 2, 1_050), answeredAt: 1_200 }]);
    expect((await store.records(scope, ['a']))[0]?.customer.name).toBe('Edited');
    // A newer second is newer, whoever says it.
    await store.merge(scope, [{ ...record(customer('a', 'Later', '2026-01-01T10:00:01Z'), 2, 1_300) }]);
    expect((await store.records(scope, ['a']))[0]?.customer.name).toBe('Later');
  });

  it('keeps what a richer answer said where a newer, leaner one says nothing (field by field)', async () => {
    fresh();
    const rich = customer('a', 'Acme', '2026-01-01T10:00:00Z', {
      vatNumber: 'FR40303265045',
      archived: true,
      officePhone: '555-0100',
      billingAddress: { ...blankAddress, city: 'Lyon', country: 'France' },
    });
    await store.merge(scope, [record(rich, 2, 1_000)]);
    // A List answer, a second later: no vat_number, archived, office_phone or billing_city in it.
    const lean = customer('a', 'Acme renamed', '2026-01-01T10:00:01Z', {
      billingAddress: { ...blankAddress, country: 'France' },
    });
    const unsaid = ['vatNumber', 'archived', 'officePhone', 'billingAddress.city'];
    await store.merge(scope, [{ ...record(lean, 2, 2_000), unsaid }]);
    const [kept] = await store.records(scope, ['a']);
    expect(kept?.customer).toMatchObject({
      name: 'Acme renamed',
      vatNumber: 'FR40303265045',
      archived: true,
      officePhone: '555-0100',
      billingAddress: { city: 'Lyon', country: 'France' },
    });
    expect(kept?.customer.modifiedAt).toEqual(lean.modifiedAt);
    // Every field was said by some answer: nothing is unknown.
    expect(kept?.unsaid ?? []).toEqual([]);
    // A field no answer said stays unknown (null), until one says it.
    fresh();
    await store.merge(scope, [{ ...record(lean, 2, 1_000), unsaid: ['vatNumber'] }]);
    await store.merge(scope, [{ ...record(lean, 2, 2_000), unsaid: ['vatNumber', 'archived'] }]);
    const [unknown] = await store.records(scope, ['a']);
    expect(unknown?.unsaid).toEqual(['vatNumber']);
    expect(unknown?.customer.vatNumber).toBeNull();
  });

  it('marks a kind’s lists as changed for new accounts and listed fields, not for other fields', async () => {
    fresh();
    const base = customer('a', 'Acme', '2026-01-01T10:00:00Z');
    await store.merge(scope, [record(base, 2, 1_000)]);
    expect((await store.kindState(scope, 2)).listChangedAt).toBe(base.modifiedAt.getTime());

    const phoneOnly = customer('a', 'Acme', '2026-01-01T10:01:00Z', { officePhone: '555' });
    await store.merge(scope, [record(phoneOnly, 2, 2_000)]);
    expect((await store.kindState(scope, 2)).listChangedAt).toBe(base.modifiedAt.getTime());

    const renamed = customer('a', 'Acme Ltd', '2026-01-01T10:02:00Z');
    await store.merge(scope, [record(renamed, 2, 3_000)]);
    expect((await store.kindState(scope, 2)).listChangedAt).toBe(renamed.modifiedAt.getTime());

    // Now a prospect: both kinds' lists may have changed.
    const converted = customer('a', 'Acme Ltd', '2026-01-01T10:03:00Z');
    await store.merge(scope, [record(converted, 8, 4_000)]);
    expect((await store.kindState(scope, 2)).listChangedAt).toBe(converted.modifiedAt.getTime());
    expect((await store.kindState(scope, 8)).listChangedAt).toBe(converted.modifiedAt.getTime());
    expect((await store.records(scope, ['a']))[0]?.contextId).toBe(8);
  });

  it('counts a kind’s list changes, one no later than the last included', async () => {
    fresh();
    const gone = Date.parse('2026-01-01T10:00:00.500Z');
    await store.merge(scope, [record(customer('a', 'Acme', '2026-01-01T09:00:00Z'), 2, 1_000)]);
    await store.forget(scope, 'a', gone);
    expect(await store.kindState(scope, 2)).toMatchObject({ listChangedAt: gone, listChanges: 2 });
    // Created in the same second: its modified (whole seconds) is earlier than the deletion's mark.
    await store.merge(scope, [record(customer('b', 'Bolt', '2026-01-01T10:00:00Z'), 2, 2_000)]);
    expect(await store.kindState(scope, 2)).toMatchObject({ listChangedAt: gone, listChanges: 3 });
    // Not a list change (a field no list shows): not counted.
    const phoned = customer('b', 'Bolt', '2026-01-01T10:01:00Z', { officePhone: '555' });
    await store.merge(scope, [record(phoned, 2, 3_000)]);
    expect((await store.kindState(scope, 2)).listChanges).toBe(3);
    await store.forget(scope, 'b', gone);
    expect((await store.kindState(scope, 2)).listChanges).toBe(4);
  });

  it('forgets an account SalesBinder answered 404 for, and says since when', async () => {
    fresh();
    await store.merge(scope, [record(customer('a', 'Acme', '2026-01-01T10:00:00Z'), 10, 1_000)]);
    const at = Date.parse('2026-01-01T11:00:00Z');
    await store.forget(scope, 'a', at);
    expect(await store.records(scope, ['a'])).toEqual([undefined]);
    expect(await store.goneAt(scope, 'a')).toBe(at);
    expect((await store.kindState(scope, 10)).listChangedAt).toBe(at);
    // It came back (a new answer): no longer gone.
    await store.merge(scope, [record(customer('a', 'Acme', '2026-01-01T10:00:00Z'), 10, 6_000)]);
    expect(await store.goneAt(scope, 'a')).toBe(0);
  });

  it('moves a kind’s state forward only, field by field, and sets the swept count', async () => {
    fresh();
    await store.advanceKind(scope, 8, {
      coveredSince: 100,
      asOf: 200,
      sweptAt: 200,
      sweptCount: 7,
      writtenAt: 300,
      feedFrom: 200,
      heldSince: 90,
    });
    await store.advanceKind(scope, 8, {
      asOf: 150,
      sweptCount: 5,
      writtenAt: 250,
      feedFrom: 100,
      heldSince: 80,
    });
    expect(await store.kindState(scope, 8)).toEqual({
      coveredSince: 100,
      asOf: 200,
      listChangedAt: 0,
      listChanges: 0,
      sweptAt: 200,
      sweptCount: 5,
      heldSince: 90,
      writtenAt: 300,
      feedFrom: 200,
    });
    expect(await store.kindState(scope, 2)).toEqual({
      coveredSince: 0,
      asOf: 0,
      listChangedAt: 0,
      listChanges: 0,
      sweptAt: 0,
      sweptCount: -1,
      heldSince: 0,
      writtenAt: 0,
      feedFrom: 0,
    });
  });

  it('remembers what SalesBinder said of a key by its hash: accepted per kind, forgotten per kind, refused', async () => {
    fresh();
    const hash = keyHashOf(SECRET_KEY);
    expect(hash).not.toContain(SECRET_KEY.slice(0, 12));
    expect(await store.keyState(scope, hash)).toEqual({ acceptedAt: 0, kinds: {}, refusedUntil: 0 });
    await store.acceptKey(scope, hash, 2, 1_000);
    await store.acceptKey(scope, hash, null, 2_000);
    await store.acceptKey(scope, hash, 8, 3_000);
    expect(await store.keyState(scope, hash)).toEqual({
      acceptedAt: 3_000,
      kinds: { 2: 1_000, 8: 3_000 },
      refusedUntil: 0,
    });
    await store.forgetKind(scope, hash, 2);
    expect((await store.keyState(scope, hash)).kinds).toEqual({ 8: 3_000 });
    const until = Date.now() + 60_000;
    await store.refuseKey(scope, hash, until);
    expect(await store.keyState(scope, hash)).toEqual({ acceptedAt: 0, kinds: {}, refusedUntil: until });
    // Another account knows nothing of it.
    expect((await store.keyState(`${scope}/other`, hash)).refusedUntil).toBe(0);
  });

  it('keeps list pages per account', async () => {
    fresh();
    const page = { ids: ['a', 'b'], count: 2, fetchedAt: 1_000, sbTime: 900 };
    await store.putPage(scope, '[2,"",1,20]', page);
    expect(await store.page(scope, '[2,"",1,20]')).toEqual(page);
    expect(await store.page(scope, '[2,"",2,20]')).toBeUndefined();
    expect(await store.page(`${scope}/other`, '[2,"",1,20]')).toBeUndefined();
  });
}

describe('the budget’s memory on one replica', () => {
  storeContract(() => createMemoryStore(RETENTION, 1_000));

  it('needs no lock: calls under way are shared within the replica', async () => {
    const store = createMemoryStore(RETENTION, 10);
    expect(await store.lock('s', 'view:a')).toBe('free');
  });

  it('forgets what it holds once kept as long as told, on the budget’s clock', async () => {
    const clock = createTestClock();
    const store = createMemoryStore(RETENTION, 100, clock.now);
    const hash = keyHashOf(SECRET_KEY);
    await store.merge('s', [record(customer('a', 'Acme', '2026-01-01T10:00:00Z'), 2, clock.now())]);
    await store.putPage('s', '[2,"",1,20]', {
      ids: ['a'],
      count: 1,
      fetchedAt: clock.now(),
      sbTime: clock.now(),
    });
    await store.putPage('s', 'whole', { ids: ['a'], count: 1, fetchedAt: clock.now(), sbTime: 0 }, true);
    await store.acceptKey('s', hash, 2, clock.now());
    clock.advance(RETENTION.entryMs);
    expect(await store.page('s', '[2,"",1,20]')).toBeDefined();
    clock.advance(1);
    expect(await store.page('s', '[2,"",1,20]')).toBeUndefined();
    // Records and a held kind's listing are kept heldMs (a held kind serves them longer).
    expect((await store.records('s', ['a']))[0]?.customer.id).toBe('a');
    expect(await store.page('s', 'whole')).toBeDefined();
    expect((await store.keyState('s', hash)).acceptedAt).toBeGreaterThan(0);
    clock.advance(RETENTION.trustMs * 2);
    expect(await store.keyState('s', hash)).toEqual({ acceptedAt: 0, kinds: {}, refusedUntil: 0 });
    clock.advance(RETENTION.heldMs - RETENTION.entryMs - RETENTION.trustMs * 2);
    expect(await store.records('s', ['a'])).toEqual([undefined]);
    expect(await store.page('s', 'whole')).toBeUndefined();
  });

  it('forgets a kind’s progress a retention after its last change, and holds a bounded number of them', async () => {
    const clock = createTestClock();
    const store = createMemoryStore(RETENTION, 100, clock.now);
    await store.advanceKind('s', 2, { asOf: clock.now(), sweptCount: 7 });
    clock.advance(RETENTION.entryMs);
    expect((await store.kindState('s', 2)).sweptCount).toBe(7);
    clock.advance(1);
    expect(await store.kindState('s', 2)).toEqual(UNFOLLOWED);
    // One scope per key on a shared host: inventing keys must not grow it without bound.
    for (let i = 0; i < 1_000; i++) await store.advanceKind(`scope-${i}`, 2, { asOf: 1 });
    expect((await store.kindState('scope-0', 2)).asOf).toBe(0);
    expect((await store.kindState('scope-999', 2)).asOf).toBe(1);
  });

  it('holds at most its bound of accounts, forgetting the least recently used', async () => {
    const store = createMemoryStore(RETENTION, 3);
    for (const id of ['a', 'b', 'c', 'd'])
      await store.merge('s', [record(customer(id, id, '2026-01-01T10:00:00Z'), 2, 1_000)]);
    expect((await store.records('s', ['a', 'b', 'c', 'd'])).map((r) => r?.customer.id)).toEqual([
      undefined,
      'b',
      'c',
      'd',
    ]);
  });
});

describeWithRedis('the budget’s memory in Redis', () => {
  let server: RedisServer;
  let inspector: Redis;
  const prefix = 'sbgwtest';
  beforeAll(async () => {
    server = await startRedis();
    inspector = new Redis(server.url);
  });
  afterAll(async () => {
    inspector.disconnect();
    await server.stop();
  });

  storeContract(() =>
    createRedisStore({ url: server.url, timeoutMs: 500, keyPrefix: prefix, retention: RETENTION }),
  );

  it('lets one replica lead a call and the other see it under way', async () => {
    const a = createRedisStore({ url: server.url, timeoutMs: 500, keyPrefix: prefix, retention: RETENTION });
    const b = createRedisStore({ url: server.url, timeoutMs: 500, keyPrefix: prefix, retention: RETENTION });
    try {
      expect(await a.lock('s', 'view:x')).toBe('held');
      expect(await b.lock('s', 'view:x')).toBe('taken');
      expect(await b.lockState('s', 'view:x')).toBe('held');
      // Only its holder releases it.
      await b.unlock('s', 'view:x');
      expect(await a.lockState('s', 'view:x')).toBe('held');
      await a.unlock('s', 'view:x');
      expect(await b.lockState('s', 'view:x')).toBe('free');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('stores no key and no account name, and every entry expires', async () => {
    const store = createRedisStore({
      url: server.url,
      timeoutMs: 500,
      keyPrefix: prefix,
      retention: RETENTION,
    });
    try {
      const scope = 'https://secretcorp.salesbinder.com';
      const hash = keyHashOf(SECRET_KEY);
      await store.acceptKey(scope, hash, 2, Date.now());
      await store.merge(scope, [record(customer('a', 'Acme', '2026-01-01T10:00:00Z'), 2, Date.now())]);
      await store.putPage(scope, '[2,"",1,20]', { ids: ['a'], count: 1, fetchedAt: 1, sbTime: 1 });
      await store.forget(scope, 'b', Date.now());
      await store.refuseKey(scope, keyHashOf('madeupkey'), Date.now() + 10_000);
      await store.advanceKind(scope, 8, { asOf: 5 });
      const keys = await inspector.keys(`${prefix}:*`);
      // The kinds' progress too: the customers' (2) written by the merge, the prospects' (8) by advanceKind.
      expect(keys.filter((key) => key.includes(':kind:')).length).toBeGreaterThanOrEqual(2);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).not.toContain('secretcorp');
        expect(key).not.toContain(SECRET_KEY);
        const type = await inspector.type(key);
        const dump =
          type === 'hash' ? JSON.stringify(await inspector.hgetall(key)) : String(await inspector.get(key));
        expect(dump).not.toContain(SECRET_KEY);
        expect(dump).not.toContain('madeupkey');
        expect(await inspector.pttl(key)).toBeGreaterThan(0);
      }
    } finally {
      await store.close();
    }
  });

  it('rejects while Redis is away (the caller then goes without memory), and recovers', async () => {
    const local = await startRedis();
    const store = createRedisStore({
      url: local.url,
      timeoutMs: 200,
      keyPrefix: prefix,
      retention: RETENTION,
    });
    try {
      await store.putPage('s', 'p', { ids: [], count: 0, fetchedAt: 1, sbTime: 1 });
      const hash = keyHashOf('refusedkey000');
      await store.refuseKey('s', hash, Date.now() + 60_000);
      await local.stop();
      await expect(store.page('s', 'p')).rejects.toThrow();
      expect(store.health().degraded).toBe(true);
      // A refused key stays refused while Redis is away.
      expect((await store.keyState('s', hash)).refusedUntil).toBeGreaterThan(Date.now());
      await local.start();
      await expect
        .poll(
          async () =>
            store.page('s', 'p').then(
              () => 'answered',
              () => 'away',
            ),
          { timeout: 5_000 },
        )
        .toBe('answered');
      expect(store.health().degraded).toBe(false);
    } finally {
      await store.close();
      await local.stop();
    }
  });
});
