/**
 * SalesBinder allows a whole company 15 calls per 10 s and 50 per minute: under one a second for
 * everyone. The budget makes those calls count. It remembers what SalesBinder answered (whole
 * records come back from every call) and serves it again, across requests, callers and (with
 * Redis) replicas, under rules that come before any saving:
 *
 * 1. A key sees only what SalesBinder would show it: a remembered record is served to a key only
 *    while SalesBinder has accepted that key for that kind of account recently (`keyTrustMs`),
 *    within the same account (`scope`); a key SalesBinder refused is never served from memory.
 * 2. The scope is the account as the endpoint names it; on a shared host (app.salesbinder.com,
 *    where the account follows from the key) each key is a scope of its own.
 * 3. Fresh: an answer reflects SalesBinder as of at most `freshMs` before. The list endpoint's
 *    `modifiedSince` feed, asked again while a kind is in use, keeps every remembered record of
 *    that kind up to date for one call, and tells whether a remembered list page can still be
 *    right. An edit through the gateway is remembered before its answer leaves, so every later
 *    read sees it. Accounts deleted elsewhere (which the feed does not show) stop being served
 *    within `deletedMs`: every record must have been returned by a call that recently, and a
 *    periodic complete listing of the kind (a sweep) is how they are.
 * 4. Strangers cannot spend the budget: a key SalesBinder refused is refused here for
 *    `refusedKeyMs`; calls for keys it has not accepted yet need their source's credit
 *    (newcomers.ts) and leave a good part of the windows to accepted keys; background work never
 *    waits for a slot, so edits never queue behind it.
 * 5. ifUnmodifiedSince compares with an account at most `freshMs` old (see `conditionalEdits`).
 * 6. Nothing stored holds a key: keys are known by a hash.
 *
 * Reads that must go to SalesBinder are shared while in flight: whoever asks for the same thing
 * meanwhile waits for that call and then reads memory under the same rules (or calls for itself
 * when they do not let it).
 */
import { createHash } from 'node:crypto';
import { type Customer, KIND_OF_CONTEXT_ID } from '../../domain/customer.ts';
import type { WireChanges } from '../../domain/customer-changes.ts';
import type { CustomerPage } from '../../domain/customer-page.ts';
import type { Logger } from '../../observability/logger.ts';
import type { CallPriority } from '../../transport/http.ts';
import type { CallOptions, CustomerQuery, SalesBinderApi, SavedCustomer } from '../client.ts';
import { SalesBinderError } from '../errors.ts';
import type { NewcomerCredits } from './newcomers.ts';
import {
  type BudgetStore,
  CONTEXT_IDS,
  type ContextId,
  contextIdOf,
  type KeyState,
  type KindState,
  listSigOf,
  type RememberedPage,
  type RememberedRecord,
  UNKNOWN_KEY,
} from './store.ts';

export interface BudgetSettings {
  /** An answer reflects SalesBinder as of at most this long before. @default 15000 */
  freshMs: number;
  /** An account deleted in SalesBinder is no longer served after this long. @default 60000 */
  deletedMs: number;
  /** A key reads what other keys read while SalesBinder accepted it this recently. @default 300000 */
  keyTrustMs: number;
  /** A key SalesBinder refused (401) is refused here for this long, without a call. @default 300000 */
  refusedKeyMs: number;
  /** Successive change-feed windows overlap by this much (SalesBinder's boundary second is unknown). @default 2000 */
  feedOverlapMs: number;
  /** A sweep lists a kind whole when it takes at most this many calls of 200 accounts. @default 3 */
  sweepMaxPages: number;
  /**
   * What ifUnmodifiedSince compares with: `remembered`, the account as remembered (at most
   * `freshMs` old, and every edit made through the gateway); `fresh`, a new read (one call more
   * per conditional edit). @default 'remembered'
   */
  conditionalEdits: 'remembered' | 'fresh';
}

export const DEFAULT_BUDGET_SETTINGS: BudgetSettings = {
  freshMs: 15_000,
  deletedMs: 60_000,
  keyTrustMs: 300_000,
  refusedKeyMs: 300_000,
  feedOverlapMs: 2_000,
  sweepMaxPages: 3,
  conditionalEdits: 'remembered',
};

/** Why a call was not made. */
export type SavedReason = 'remembered' | 'in_flight' | 'refused_key';

/** Why the gateway refused a caller without asking SalesBinder. */
export type LocalRefusal = 'refused_key' | 'newcomers';

export interface BudgetObserver {
  saved(reason: SavedReason): void;
  refused(cause: LocalRefusal): void;
}

/** Who is asking, as the budget needs to know it. */
export interface Caller {
  /** Whose memory this is: the account, or (on a shared host) the account and the key's hash. */
  scope: string;
  keyHash: string;
  /** Where the request came from (a client address or network), for newcomers' credits. */
  source: string;
  /** Told when memory served this caller: SalesBinder accepted its key recently (calls tell it themselves). */
  onAccepted?: (() => void) | undefined;
}

/** A key known by this and nothing else: what memory and Redis hold instead of the key. */
export function keyHashOf(apiKey: string): string {
  return createHash('sha256').update(`salesbinder-api-key\0${apiKey}`).digest('base64url').slice(0, 32);
}

export interface BudgetDeps {
  settings: BudgetSettings;
  store: BudgetStore;
  newcomers: NewcomerCredits;
  observer?: BudgetObserver | undefined;
  /** @default Date.now */
  now?: () => number;
}

export interface Budget {
  readonly settings: BudgetSettings;
  readonly store: BudgetStore;
  /** The SalesBinder API of one request's caller, over the calls made with its own key. */
  api(calls: SalesBinderApi, caller: Caller, log: Logger): SalesBinderApi;
  close(): Promise<void>;
}

/** The largest page SalesBinder answers: sweeps and feeds ask for it. */
const FULL_PAGE = 200;
/** A multi-page feed that needs more calls than this is given up: the kind starts over. */
const MAX_FEED_PAGES = 3;
/** Where a kind's whole listing (the last sweep) is kept among its pages. */
const WHOLE = (contextId: ContextId) => JSON.stringify([contextId, '', 'whole']);
/** How often a caller waiting for another replica's call looks whether it has ended. */
const FLIGHT_POLL_MS = 50;

export function createBudget({ settings, store, newcomers, observer, now = Date.now }: BudgetDeps): Budget {
  /** Calls under way on this replica, by scope and what they fetch. */
  const flights = new Map<string, Promise<unknown>>();
  /**
   * SalesBinder's clock against ours (ms, ≤ 0), per scope, from its answers' Date headers: when it
   * runs behind, feed windows start earlier. The header's whole seconds only ever make it lower.
   */
  const skews = new Map<string, number>();
  /** The first call of each key SalesBinder has not accepted yet, under way: its other calls wait for it. */
  const proofs = new Map<string, Promise<unknown>>();
  const shared = { settings, store, newcomers, observer, now, flights, skews, proofs };
  return {
    settings,
    store,
    api: (calls, caller, log) => new RememberingApi(shared, calls, caller, log),
    close: () => store.close(),
  };
}

type Shared = Required<Pick<BudgetDeps, 'settings' | 'store' | 'newcomers' | 'now'>> & {
  observer: BudgetObserver | undefined;
  flights: Map<string, Promise<unknown>>;
  skews: Map<string, number>;
  proofs: Map<string, Promise<unknown>>;
};

/** A remembered view of an account: the account, or SalesBinder's recent 404. */
type ViewAnswer = Customer | 'gone';

function notFound(): SalesBinderError {
  return new SalesBinderError('SB_NOT_FOUND', 'SalesBinder has no account with this id');
}

function isStatus(
  error: unknown,
  code: SalesBinderError['code'],
  status?: number,
): error is SalesBinderError {
  return (
    error instanceof SalesBinderError &&
    error.code === code &&
    (status === undefined || error.status === status)
  );
}

/** The record with the kind its list said, when the record itself did not. */
function withKind(customer: Customer, contextId: ContextId | null): Customer {
  if (customer.kind !== null || contextId === null) return customer;
  return { ...customer, kind: KIND_OF_CONTEXT_ID.get(contextId) ?? null };
}

class RememberingApi implements SalesBinderApi {
  readonly #s: Shared;
  readonly #calls: SalesBinderApi;
  readonly #caller: Caller;
  readonly #log: Logger;
  #key: Promise<KeyState> | undefined;

  constructor(shared: Shared, calls: SalesBinderApi, caller: Caller, log: Logger) {
    this.#s = shared;
    this.#calls = calls;
    this.#caller = caller;
    this.#log = log;
  }

  // ---- reads -------------------------------------------------------------------------------

  async getCustomer(id: string, options: CallOptions = {}): Promise<Customer> {
    await this.#usableKey();
    const fresh = options.purpose === 'check' && this.#s.settings.conditionalEdits === 'fresh';
    let record: RememberedRecord | undefined;
    if (fresh) {
      // Read anew, but what is known of the account (its kind) still applies to the answer.
      [record] = await this.#forgiving(() => this.#s.store.records(this.#caller.scope, [id]), [undefined]);
    } else {
      const look = await this.#lookView(id);
      if (look.answer !== undefined) {
        this.#s.observer?.saved('remembered');
        if (look.answer === 'gone') throw notFound();
        return look.answer;
      }
      record = look.record;
      // Known, and of a known kind: following the kind (one call that proves this key and brings
      // every remembered account of the kind up to date) may be all it takes.
      if (record?.contextId != null && record.confirmedAt >= this.#s.now() - this.#s.settings.deletedMs) {
        await this.#follow(record.contextId, 'read');
        const again = await this.#rememberedView(id);
        if (again !== undefined && again !== 'gone') {
          this.#s.observer?.saved('remembered');
          return again;
        }
      }
    }
    const answer = await this.#shared(
      `view:${id}`,
      () => (fresh ? Promise.resolve(undefined) : this.#rememberedView(id)),
      () => this.#view(id, record),
    );
    if (answer === 'gone') throw notFound();
    return answer;
  }

  async listCustomers(query: CustomerQuery): Promise<CustomerPage> {
    await this.#usableKey();
    const contextId = query.contextId as ContextId;
    if (!CONTEXT_IDS.includes(contextId) || query.modifiedSince !== undefined)
      return this.#send(
        'read',
        () => null,
        (priority) => this.#calls.listCustomers(query, { priority }),
      );
    if (!query.search) {
      const served = await this.#fromWholeListing(contextId, query);
      if (served) return served;
    }
    const pageKey = JSON.stringify([contextId, query.search ?? '', query.page, query.pageLimit]);
    const look = await this.#lookPage(pageKey, contextId);
    if (look.served) {
      this.#s.observer?.saved('remembered');
      return look.served;
    }
    if (look.page) {
      // Only the kind's feed is behind: one call brings it (and every page of the kind) up to date.
      await this.#follow(contextId, 'read');
      const again = await this.#rememberedPage(pageKey, contextId);
      if (again) {
        this.#s.observer?.saved('remembered');
        return again;
      }
    }
    return this.#shared(
      `page:${pageKey}`,
      () => this.#rememberedPage(pageKey, contextId),
      () => this.#fetchPage(query, contextId, pageKey),
    );
  }

  /**
   * A page of a kind's list without a search, cut from the kind's whole listing (the last sweep):
   * while no account moved between pages since, every page is right, whatever its size. When
   * one may have, one sweep (a single call up to 200 accounts) serves every page again, where
   * fetching each page anew would cost a call per page. Undefined when the kind is too large to
   * sweep, or the caller's key is not yet accepted for it (its call is then its own page).
   */
  async #fromWholeListing(contextId: ContextId, query: CustomerQuery): Promise<CustomerPage | undefined> {
    const window = { page: query.page, pageLimit: query.pageLimit };
    const served = await this.#rememberedPage(WHOLE(contextId), contextId, window);
    if (served) {
      this.#s.observer?.saved('remembered');
      return served;
    }
    const state = await this.#usableKey();
    const kind = await this.#forgiving(
      () => this.#s.store.kindState(this.#caller.scope, contextId),
      undefined,
    );
    if (kind === undefined) return undefined;
    // A key's first call is a sweep too, when one call lists the whole kind (or no one knows yet
    // how large the kind is): it serves everyone.
    const trusted = this.#trusted(state, contextId);
    if (kind.sweptCount > (trusted ? this.#sweepLimit() : FULL_PAGE)) return undefined;
    await this.#follow(contextId, 'read', 'sweep');
    const again = await this.#rememberedPage(WHOLE(contextId), contextId, window);
    if (again && trusted) this.#s.observer?.saved('remembered');
    return again;
  }

  #sweepLimit(): number {
    return FULL_PAGE * this.#s.settings.sweepMaxPages;
  }

  // ---- edits -------------------------------------------------------------------------------

  async updateCustomer(id: string, changes: WireChanges): Promise<SavedCustomer> {
    await this.#usableKey();
    const [before] = await this.#forgiving(
      () => this.#s.store.records(this.#caller.scope, [id]),
      [undefined],
    );
    const sentAt = this.#s.now();
    let saved: SavedCustomer;
    try {
      saved = await this.#send(
        'edit',
        (result) => contextIdOf(result.customer.kind) ?? before?.contextId ?? null,
        (priority) => this.#calls.updateCustomer(id, changes, { priority }),
      );
    } catch (error) {
      if (isStatus(error, 'SB_NOT_FOUND'))
        await this.#forgiving(() => this.#s.store.forget(this.#caller.scope, id, sentAt), undefined);
      throw error;
    }
    const contextId = contextIdOf(saved.customer.kind) ?? before?.contextId ?? null;
    const customer = withKind(saved.customer, contextId);
    // Remembered before the answer leaves: every later read, by anyone, sees the edit.
    await this.#remember([customer], contextId, sentAt);
    return { ...saved, customer };
  }

  // ---- what memory may serve -------------------------------------------------------------

  /** The account as remembered, if this caller may be served it now; undefined when a call is needed. */
  async #rememberedView(id: string): Promise<ViewAnswer | undefined> {
    return (await this.#lookView(id)).answer;
  }

  /** `#rememberedView`'s answer, and the record it looked at (for the caller's next step, without reading it again). */
  async #lookView(id: string): Promise<{ answer?: ViewAnswer; record?: RememberedRecord }> {
    const { scope } = this.#caller;
    const state = await this.#usableKey();
    const t = this.#s.now();
    const [record] = await this.#forgiving(() => this.#s.store.records(scope, [id]), [undefined]);
    if (record === undefined) {
      // SalesBinder's recent 404 stands for every key it accepted in this account.
      const goneAt = await this.#forgiving(() => this.#s.store.goneAt(scope, id), 0);
      const gone =
        goneAt >= t - this.#s.settings.freshMs && state.acceptedAt >= t - this.#s.settings.keyTrustMs;
      return gone ? { answer: 'gone' } : {};
    }
    if (record.contextId === null || !this.#trusted(state, record.contextId)) return { record };
    const kind = await this.#forgiving(
      () => this.#s.store.kindState(scope, record.contextId as ContextId),
      undefined,
    );
    if (kind === undefined || !this.#servable(record, kind, t)) return { record };
    this.#keepAhead(record.contextId, kind, state);
    this.#caller.onAccepted?.();
    return { answer: withKind(record.customer, record.contextId), record };
  }

  /**
   * A remembered list page, if it can still be right and this caller may be served it now; with
   * `window`, that page cut from a remembered whole listing.
   */
  async #rememberedPage(
    pageKey: string,
    contextId: ContextId,
    window?: { page: number; pageLimit: number },
  ): Promise<CustomerPage | undefined> {
    return (await this.#lookPage(pageKey, contextId, window)).served;
  }

  /**
   * `#rememberedPage`'s answer, and the page it found for a caller whose key SalesBinder accepted
   * for the kind (then following the kind may be all the page needs).
   */
  async #lookPage(
    pageKey: string,
    contextId: ContextId,
    window?: { page: number; pageLimit: number },
  ): Promise<{ served?: CustomerPage; page?: RememberedPage }> {
    const { scope } = this.#caller;
    const { freshMs, deletedMs, feedOverlapMs } = this.#s.settings;
    const state = await this.#usableKey();
    if (!this.#trusted(state, contextId)) return {};
    const t = this.#s.now();
    const [page, kind] = await this.#forgiving<[RememberedPage | undefined, KindState | undefined]>(
      () => Promise.all([this.#s.store.page(scope, pageKey), this.#s.store.kindState(scope, contextId)]),
      [undefined, undefined],
    );
    if (page === undefined || kind === undefined) return {};
    const fetchedFresh = page.fetchedAt >= t - freshMs;
    const stillRight =
      kind.asOf >= t - freshMs &&
      page.fetchedAt >= kind.coveredSince &&
      kind.listChangedAt < page.sbTime - feedOverlapMs &&
      // Deletions do not show in the feed: a page stands only as long as one may be missed.
      (page.fetchedAt >= t - deletedMs || (kind.sweptAt >= page.fetchedAt && kind.sweptAt >= t - deletedMs));
    if (!fetchedFresh && !stillRight) return { page };
    const ids = window
      ? page.ids.slice((window.page - 1) * window.pageLimit, window.page * window.pageLimit)
      : page.ids;
    const records = await this.#forgiving(() => this.#s.store.records(scope, ids), []);
    if (records.length !== ids.length) return { page };
    const customers: Customer[] = [];
    for (const record of records) {
      if (record === undefined || record.confirmedAt < t - deletedMs) return { page };
      customers.push(withKind(record.customer, contextId));
    }
    this.#keepAhead(contextId, kind, state);
    this.#caller.onAccepted?.();
    return { served: { count: page.count, customers }, page };
  }

  /** Whether a record is fresh enough to serve (trust in its kind is checked by the caller). */
  #servable(record: RememberedRecord, kind: KindState, t: number): boolean {
    const { freshMs, deletedMs } = this.#s.settings;
    if (record.confirmedAt < t - deletedMs) return false;
    if (record.fetchedAt >= t - freshMs) return true;
    // Followed since before this version was fetched, and followed recently: nothing newer exists.
    return kind.asOf >= t - freshMs && record.fetchedAt >= kind.coveredSince;
  }

  #trusted(state: KeyState, contextId: ContextId): boolean {
    return (state.kinds[contextId] ?? 0) >= this.#s.now() - this.#s.settings.keyTrustMs;
  }

  /**
   * Served from memory: when the kind's feed nears the freshness bound, or this key's trust is
   * half spent, one background call (with this key, leaving the windows' reserve alone) keeps
   * both up to date before anyone has to wait for it.
   */
  #keepAhead(contextId: ContextId, kind: KindState, state: KeyState): void {
    const t = this.#s.now();
    const { freshMs, keyTrustMs } = this.#s.settings;
    const feedAging = kind.asOf < t - freshMs * 0.6;
    // A key half way through its trust takes the next follow a little early, which renews it.
    const trustAging = (state.kinds[contextId] ?? 0) < t - keyTrustMs / 2 && kind.asOf < t - freshMs * 0.4;
    if (!feedAging && !trustAging) return;
    if (this.#s.flights.has(this.#flightKey(`any:${contextId}`))) return;
    void this.#follow(contextId, 'background').catch((error: unknown) =>
      this.#log.debug({ err: error }, 'keeping remembered accounts fresh ahead of need failed'),
    );
  }

  // ---- calls -------------------------------------------------------------------------------

  /** A view of one account, with this caller's key; remembered for everyone it may be shown to. */
  async #view(id: string, before: RememberedRecord | undefined): Promise<ViewAnswer> {
    const { scope } = this.#caller;
    const sentAt = this.#s.now();
    let customer: Customer;
    try {
      customer = await this.#send(
        'read',
        (c) => contextIdOf(c.kind) ?? before?.contextId ?? null,
        (priority) => this.#calls.getCustomer(id, { priority }),
      );
    } catch (error) {
      if (!isStatus(error, 'SB_NOT_FOUND')) throw error;
      await this.#forgiving(() => this.#s.store.forget(scope, id, sentAt), undefined);
      return 'gone';
    }
    const contextId = contextIdOf(customer.kind) ?? before?.contextId ?? null;
    const [remembered] = await this.#remember([customer], contextId, sentAt);
    return remembered ?? customer;
  }

  /** One list page, with this caller's key; its accounts and the page remembered. */
  async #fetchPage(query: CustomerQuery, contextId: ContextId, pageKey: string): Promise<CustomerPage> {
    const sentAt = this.#s.now();
    const page = await this.#send(
      'read',
      () => contextId,
      (priority) => this.#calls.listCustomers(query, { priority }),
    );
    const sbTime = this.#noteClock(page, sentAt);
    const customers = await this.#remember(page.customers, contextId, sentAt);
    const remembered: RememberedPage = {
      ids: customers.map((c) => c.id),
      count: page.count,
      fetchedAt: sentAt,
      sbTime,
    };
    await this.#forgiving(() => this.#s.store.putPage(this.#caller.scope, pageKey, remembered), undefined);
    return { ...page, customers };
  }

  /**
   * Brings the kind up to date: the change feed since it was last followed, or a sweep (the whole
   * kind) when deletions are due to be found or the feed was not followed recently enough. As a
   * shared read it joins a follow already under way; as a proof of this key it is a call of its own.
   */
  async #follow(
    contextId: ContextId,
    purpose: 'read' | 'background',
    mode: 'any' | 'sweep' = 'any',
  ): Promise<void> {
    const state = await this.#usableKey();
    if (!this.#trusted(state, contextId)) {
      if (purpose === 'background') return;
      await this.#followNow(contextId, purpose, mode);
      return;
    }
    // Whoever waited for someone else's follow has what it needed: the kind is up to date.
    await this.#shared(
      `${mode}:${contextId}`,
      async () => true as const,
      async () => {
        await this.#followNow(contextId, purpose, mode);
        return true as const;
      },
    );
  }

  async #followNow(
    contextId: ContextId,
    purpose: 'read' | 'background',
    mode: 'any' | 'sweep',
  ): Promise<void> {
    const { scope } = this.#caller;
    const { deletedMs, freshMs, feedOverlapMs } = this.#s.settings;
    const sentAt = this.#s.now();
    const kind = await this.#s.store.kindState(scope, contextId);
    if (this.#trusted(await this.#usableKey(), contextId)) {
      // Someone brought the kind up to date since this caller looked: nothing left to do.
      const followed =
        mode === 'sweep'
          ? kind.sweptAt >= sentAt - freshMs / 2 && kind.listChangedAt < kind.sweptAt - feedOverlapMs
          : kind.asOf >= sentAt - freshMs * (purpose === 'background' ? 0.4 : 0.5);
      if (followed) return;
    }
    const lapsed = kind.asOf < sentAt - deletedMs;
    // Where one call lists the whole kind, it does all a feed does and more (deletions, the order
    // of every page): always sweep then.
    const sweepDue =
      mode === 'sweep' || kind.sweptCount <= FULL_PAGE || kind.sweptAt < sentAt - deletedMs / 2;
    if ((lapsed || sweepDue) && kind.sweptCount <= this.#sweepLimit())
      return this.#sweep(contextId, kind, lapsed, sentAt, purpose);
    return this.#changes(contextId, kind, lapsed, sentAt, purpose);
  }

  /** Every account of the kind, at most `sweepMaxPages` calls: what is missing was deleted. */
  async #sweep(
    contextId: ContextId,
    kind: KindState,
    lapsed: boolean,
    sentAt: number,
    purpose: 'read' | 'background',
  ): Promise<void> {
    const { scope } = this.#caller;
    let first: CustomerPage;
    try {
      first = await this.#list({ contextId, page: 1, pageLimit: FULL_PAGE }, purpose);
    } catch (error) {
      // The key was accepted on this host and path before: a 404 here means the kind is empty.
      if (!(isStatus(error, 'SB_NOT_FOUND') || isStatus(error, 'SB_UNREADABLE', 404))) throw error;
      if ((await this.#usableKey()).acceptedAt < sentAt - this.#s.settings.keyTrustMs) throw error;
      first = { count: 0, customers: [] };
    }
    const sbTime = this.#noteClock(first, sentAt);
    const count = first.count ?? first.customers.length;
    const pages = Math.ceil(count / FULL_PAGE);
    if (pages > this.#s.settings.sweepMaxPages) {
      // Too large to sweep: remember the size, and follow the feed from here on.
      await this.#remember(first.customers, contextId, sentAt);
      await this.#s.store.advanceKind(scope, contextId, { sweptCount: count });
      return this.#changes(contextId, kind, lapsed, sentAt, purpose);
    }
    const customers = [...first.customers];
    for (let page = 2; page <= pages; page++) {
      customers.push(...(await this.#list({ contextId, page, pageLimit: FULL_PAGE }, purpose)).customers);
    }
    const listed = await this.#remember(customers, contextId, sentAt);
    // The whole list in SalesBinder's order: every page without a search is a cut of it.
    await this.#s.store.putPage(scope, WHOLE(contextId), {
      ids: listed.map((c) => c.id),
      count,
      fetchedAt: sentAt,
      sbTime,
    });
    const countChanged = kind.sweptCount >= 0 && kind.sweptCount !== count;
    await this.#s.store.advanceKind(scope, contextId, {
      ...(lapsed ? { coveredSince: sentAt } : {}),
      asOf: sentAt,
      sweptAt: sentAt,
      sweptCount: count,
      // Fewer (or more) accounts than the last sweep counted: pages remembered before this sweep
      // may hold other ones now (this sweep's own listing stands).
      ...(countChanged ? { listChangedAt: sbTime - this.#s.settings.feedOverlapMs - 1 } : {}),
    });
  }

  /** The kind's changes since it was last followed (or, lapsed, from now on). */
  async #changes(
    contextId: ContextId,
    kind: KindState,
    lapsed: boolean,
    sentAt: number,
    purpose: 'read' | 'background',
  ): Promise<void> {
    const { scope } = this.#caller;
    const since = this.#feedStart(lapsed ? sentAt : kind.asOf);
    const customers: Customer[] = [];
    for (let page = 1; ; page++) {
      let answer: CustomerPage;
      try {
        answer = await this.#list({ contextId, page, pageLimit: FULL_PAGE, modifiedSince: since }, purpose);
      } catch (error) {
        // The host and path were proven by earlier calls: a 404 here is "nothing changed".
        if (isStatus(error, 'SB_NOT_FOUND') || (page === 1 && isStatus(error, 'SB_UNREADABLE', 404))) break;
        throw error;
      }
      if (page === 1) this.#noteClock(answer, sentAt);
      customers.push(...answer.customers);
      if (answer.customers.length < FULL_PAGE) break;
      if (page >= MAX_FEED_PAGES) {
        // More changes than a few calls bring: start over rather than spend the budget catching up.
        await this.#remember(customers, contextId, sentAt);
        return;
      }
    }
    await this.#remember(customers, contextId, sentAt);
    await this.#s.store.advanceKind(scope, contextId, {
      ...(lapsed ? { coveredSince: sentAt } : {}),
      asOf: sentAt,
    });
  }

  /** A list call for following a kind: a read when someone waits for it, else background work. */
  #list(query: CustomerQuery, purpose: 'read' | 'background'): Promise<CustomerPage> {
    return this.#send(
      purpose,
      () => query.contextId as ContextId,
      (priority) => this.#calls.listCustomers(query, { priority }),
    );
  }

  /** Epoch seconds from which the feed must ask, for changes after `from` (our clock) not to be missed. */
  #feedStart(from: number): number {
    const skew = this.#s.skews.get(this.#caller.scope) ?? 0;
    return Math.max(0, Math.floor((from + skew - this.#s.settings.feedOverlapMs) / 1000));
  }

  /** Notes SalesBinder's clock from an answer's Date header; returns `sentAt` on its clock. */
  #noteClock(page: CustomerPage, sentAt: number): number {
    const { scope } = this.#caller;
    if (page.answeredAt !== undefined) {
      const received = this.#s.now();
      const sample = page.answeredAt - (sentAt + received) / 2;
      // Only ever ≤ 0 and at most an hour: a clock ahead of ours only widens the overlap.
      this.#s.skews.set(scope, Math.max(-3_600_000, Math.min(0, Math.round(sample))));
    }
    return sentAt + (this.#s.skews.get(scope) ?? 0);
  }

  /**
   * Sends a call with this caller's key, at the priority its key's standing allows, and learns
   * from the answer what SalesBinder thinks of the key: accepted (for the kind the answer is
   * of), or refused.
   */
  async #send<T>(
    purpose: 'read' | 'edit' | 'background',
    kindOf: (result: T) => ContextId | null,
    call: (priority: CallPriority) => Promise<T>,
  ): Promise<T> {
    const { scope, keyHash, source } = this.#caller;
    let state = await this.#usableKey();
    const proofKey = `${scope}\0${keyHash}`;
    const proving = this.#s.proofs.get(proofKey);
    if (proving !== undefined && state.acceptedAt < this.#s.now() - this.#s.settings.keyTrustMs) {
      // The key's first call is under way: one proof is enough, whatever else it asked for meanwhile.
      await proving.catch(() => {});
      this.#key = undefined;
      state = await this.#usableKey();
    }
    const t = this.#s.now();
    const accepted = state.acceptedAt >= t - this.#s.settings.keyTrustMs;
    let priority: CallPriority = purpose;
    if (!accepted) {
      if (purpose === 'background') throw new Error('background work waits for an accepted key');
      const admission = this.#s.newcomers.take(source, t);
      if (!admission.ok) {
        this.#s.observer?.refused('newcomers');
        this.#log.info(
          { refused: 'newcomers' },
          'refused without asking SalesBinder: too many keys it has not accepted yet came from this address',
        );
        throw new SalesBinderError(
          'SB_RATE_LIMITED',
          'Too many API keys SalesBinder has not accepted yet came from this address: try again later',
          { retryAfterSeconds: Math.max(1, Math.ceil(admission.retryAfterMs / 1000)) },
        );
      }
      priority = 'newcomer';
    }
    // Settled once what SalesBinder said of the key is remembered, not merely answered.
    let proven = () => {};
    if (!accepted) {
      const proof = new Promise<void>((resolve) => {
        proven = () => {
          if (this.#s.proofs.get(proofKey) === proof) this.#s.proofs.delete(proofKey);
          resolve();
        };
      });
      this.#s.proofs.set(proofKey, proof);
    }
    try {
      return await this.#sendAndLearn(call(priority), accepted, kindOf);
    } finally {
      proven();
    }
  }

  async #sendAndLearn<T>(
    sent: Promise<T>,
    accepted: boolean,
    kindOf: (result: T) => ContextId | null,
  ): Promise<T> {
    const { scope, keyHash, source } = this.#caller;
    let result: T;
    try {
      result = await sent;
    } catch (error) {
      if (!accepted && error instanceof SalesBinderError && error.status === undefined) {
        // Never sent (the windows were full, or SalesBinder unreachable): the credit bought nothing.
        this.#s.newcomers.refund(source);
      }
      if (isStatus(error, 'SB_AUTH', 401)) {
        const until = this.#s.now() + this.#s.settings.refusedKeyMs;
        this.#key = Promise.resolve({ ...UNKNOWN_KEY, refusedUntil: until });
        await this.#forgiving(() => this.#s.store.refuseKey(scope, keyHash, until), undefined);
      }
      throw error;
    }
    const contextId = kindOf(result);
    if (!accepted) this.#s.newcomers.reward(source);
    const at = this.#s.now();
    const current = await this.#key;
    // Written again only once it is a tenth of the trust window old: a busy key is not a write
    // (a Redis round trip with REDIS_URL) per call, and trust runs out at most that much earlier.
    const recently = at - this.#s.settings.keyTrustMs / 10;
    const known =
      current !== undefined &&
      current.acceptedAt >= recently &&
      (contextId === null || (current.kinds[contextId] ?? 0) >= recently);
    this.#key = Promise.resolve({
      acceptedAt: at,
      kinds: contextId === null ? (current?.kinds ?? {}) : { ...current?.kinds, [contextId]: at },
      refusedUntil: 0,
    });
    if (!known)
      await this.#forgiving(() => this.#s.store.acceptKey(scope, keyHash, contextId, at), undefined);
    return result;
  }

  /** What SalesBinder last said of this key; throws SB_AUTH while the key is refused here. */
  async #usableKey(): Promise<KeyState> {
    this.#key ??= this.#forgiving(
      () => this.#s.store.keyState(this.#caller.scope, this.#caller.keyHash),
      UNKNOWN_KEY,
    );
    const state = await this.#key;
    if (state.refusedUntil > this.#s.now()) {
      this.#s.observer?.saved('refused_key');
      this.#s.observer?.refused('refused_key');
      this.#log.info(
        { refused: 'refused_key' },
        'refused without asking SalesBinder: it refused this key a moment ago',
      );
      throw new SalesBinderError('SB_AUTH', 'SalesBinder rejected the API key');
    }
    return state;
  }

  /** Remembers accounts SalesBinder answered (of a known kind or not); returns them with their kind. */
  async #remember(
    customers: readonly Customer[],
    contextId: ContextId | null,
    sentAt: number,
  ): Promise<Customer[]> {
    const records: RememberedRecord[] = customers.map((customer) => {
      const own = contextIdOf(customer.kind) ?? contextId;
      return {
        customer: withKind(customer, own),
        contextId: own,
        fetchedAt: sentAt,
        confirmedAt: sentAt,
        listSig: listSigOf(customer),
      };
    });
    await this.#forgiving(() => this.#s.store.merge(this.#caller.scope, records), undefined);
    return records.map((r) => r.customer);
  }

  /**
   * One call for everyone who needs the same thing at once: whoever asks while it is under way (on
   * this replica, or on another one sharing Redis) waits for it, then reads memory under the
   * usual rules, and calls for itself only if they do not let it have the answer.
   */
  async #shared<T>(
    name: string,
    remembered: () => Promise<T | undefined>,
    call: () => Promise<T>,
  ): Promise<T> {
    const key = this.#flightKey(name);
    const running = this.#s.flights.get(key);
    if (running !== undefined) {
      await running.catch(() => {});
      // That call may have been this key's proof: what SalesBinder said of it is in the store now.
      this.#key = undefined;
      const served = await remembered();
      if (served !== undefined) {
        this.#s.observer?.saved('in_flight');
        return served;
      }
      return call();
    }
    const flight = this.#lead(name, remembered, call);
    this.#s.flights.set(key, flight);
    try {
      return await flight;
    } finally {
      if (this.#s.flights.get(key) === flight) this.#s.flights.delete(key);
    }
  }

  async #lead<T>(name: string, remembered: () => Promise<T | undefined>, call: () => Promise<T>): Promise<T> {
    const { scope } = this.#caller;
    const lock = await this.#forgiving(() => this.#s.store.lock(scope, name), 'free' as const);
    if (lock === 'taken') {
      // Another replica is making this very call: wait for it, then read what it remembered.
      const until = this.#s.now() + this.#s.settings.freshMs;
      while (
        this.#s.now() < until &&
        (await this.#forgiving(() => this.#s.store.isLocked(scope, name), false))
      ) {
        await new Promise((resolve) => setTimeout(resolve, FLIGHT_POLL_MS));
      }
      this.#key = undefined;
      const served = await remembered();
      if (served !== undefined) {
        this.#s.observer?.saved('in_flight');
        return served;
      }
      return call();
    }
    try {
      return await call();
    } finally {
      if (lock === 'held') await this.#forgiving(() => this.#s.store.unlock(scope, name), undefined);
    }
  }

  #flightKey(name: string): string {
    return `${this.#caller.scope}\0${name}`;
  }

  /** Memory that cannot be reached is memory forgotten: the fallback, never an error for the caller. */
  async #forgiving<T>(operation: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      this.#log.debug({ err: error }, 'the budget store did not answer: going without memory');
      return fallback;
    }
  }
}
