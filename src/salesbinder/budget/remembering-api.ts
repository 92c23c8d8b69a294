/**
 * The SalesBinder API of one request's caller, with the budget between it and the calls made with
 * its own key: what memory may serve this caller is served (recall.ts), what it cannot is called
 * once for everyone who needs it at once (single flight), and every answer is remembered for
 * everyone it may be shown to. An edit is remembered before its answer leaves, so every later
 * read sees it.
 */
import type { Customer } from '../../domain/customer.ts';
import type { WireChanges, WireNewCustomer } from '../../domain/customer-changes.ts';
import type { CustomerPage } from '../../domain/customer-page.ts';
import type { DeletionPage } from '../../domain/deleted-log.ts';
import type {
  CallOptions,
  CustomerQuery,
  DeletedCustomer,
  DeletionQuery,
  SalesBinderApi,
  SavedCustomer,
} from '../api.ts';
import { SalesBinderError } from '../errors.ts';
import { proveBoundary } from './feed-boundary.ts';
import { followKind, learnKindAhead, noteClock, WHOLE } from './follow-kind.ts';
import { confirmed, heldNow, sweepServesKind } from './freshness.ts';
import { joinHeld, leaveHeld } from './held-kind.ts';
import { checkSearchesAhead, searchesFromMemory, searchHeld } from './held-search.ts';
import { heldCount, recallPage, recallView, type ViewAnswer } from './recall.ts';
import { isStatus, type Session, withKind } from './session.ts';
import {
  CONTEXT_IDS,
  type ContextId,
  contextIdOf,
  listSigOf,
  type RememberedPage,
  type RememberedRecord,
} from './store/store.ts';

function notFound(): SalesBinderError {
  return new SalesBinderError('SB_NOT_FOUND', 'SalesBinder has no account with this id');
}

export class RememberingApi implements SalesBinderApi {
  readonly #s: Session;

  constructor(session: Session) {
    this.#s = session;
  }

  // ---- reads -------------------------------------------------------------------------------

  held(ids: readonly string[]): Promise<number> {
    return heldCount(this.#s, ids);
  }

  async getCustomer(id: string, options: CallOptions = {}): Promise<Customer> {
    const s = this.#s;
    await s.key.usable();
    const fresh = options.purpose === 'check' && s.rt.settings.conditionalEdits === 'fresh';
    let record: RememberedRecord | undefined;
    if (fresh) {
      // Read anew, but what is known of the account (its kind) still applies to the answer.
      [record] = await s.store.records(s.scope, [id]);
    } else {
      const look = await recallView(s, id);
      if (look.answer !== undefined) {
        s.rt.observer?.saved('remembered');
        if (look.answer === 'gone') throw notFound();
        return look.answer;
      }
      record = look.record;
      // Known, and of a known kind: following the kind (one call that proves this key and brings
      // every remembered account of the kind up to date) may be all it takes, when the account
      // cannot have been deleted unseen (returned recently, or its kind held).
      if (record?.contextId != null && confirmed(record, s.rt.now(), s.rt.settings, look.kind)) {
        await followKind(s, record.contextId, 'read');
        const again = (await recallView(s, id)).answer;
        if (again !== undefined && again !== 'gone') {
          s.rt.observer?.saved('remembered');
          return again;
        }
      }
    }
    const answer = await s.shared(
      `view:${id}`,
      async () => (fresh ? undefined : (await recallView(s, id)).answer),
      () => this.#view(id, record),
      { fromMemory: true },
    );
    if (answer === 'gone') throw notFound();
    return answer;
  }

  async listCustomers(query: CustomerQuery): Promise<CustomerPage> {
    const s = this.#s;
    await s.key.usable();
    const contextId = query.contextId as ContextId;
    if (!CONTEXT_IDS.includes(contextId) || query.modifiedSince !== undefined)
      return s.key.send(
        'read',
        () => null,
        (priority) => s.calls.listCustomers(query, { priority }),
        CONTEXT_IDS.includes(contextId) ? contextId : null,
      );
    if (!query.search) {
      const served = await this.#fromWholeListing(contextId, query);
      if (served) return served;
    } else {
      const window = { page: query.page, pageLimit: query.pageLimit };
      let found = await searchHeld(s, contextId, query.search, window);
      if (!found && searchesFromMemory(s)) {
        const kind = await s.store.kindState(s.scope, contextId);
        if (kind !== undefined && heldNow(kind, s.rt.now(), s.rt.settings)) {
          // A held kind whose feed is behind (or a key's first call): one follow, and it answers.
          await followKind(s, contextId, 'read');
          found = await searchHeld(s, contextId, query.search, window);
        }
      }
      if (found) {
        s.rt.observer?.saved('remembered');
        checkSearchesAhead(s);
        return found;
      }
    }
    const pageKey = JSON.stringify([contextId, query.search ?? '', query.page, query.pageLimit]);
    const look = await recallPage(s, pageKey, contextId);
    if (look.served) {
      s.rt.observer?.saved('remembered');
      return look.served;
    }
    if (look.page) {
      // Only the kind's feed is behind: one call brings it (and every page of the kind) up to date.
      await followKind(s, contextId, 'read');
      const again = (await recallPage(s, pageKey, contextId)).served;
      if (again) {
        s.rt.observer?.saved('remembered');
        return again;
      }
    }
    return s.shared(
      `page:${pageKey}`,
      async () => (await recallPage(s, pageKey, contextId)).served,
      () => this.#fetchPage(query, contextId, pageKey),
      { fromMemory: true },
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
    const s = this.#s;
    const window = { page: query.page, pageLimit: query.pageLimit };
    const served = (await recallPage(s, WHOLE(contextId), contextId, window)).served;
    if (served) {
      s.rt.observer?.saved('remembered');
      return served;
    }
    const state = await s.key.usable();
    const kind = await s.store.kindState(s.scope, contextId);
    if (kind === undefined) return undefined;
    if (heldNow(kind, s.rt.now(), s.rt.settings)) {
      // A held kind whose feed is behind (or a key's first call): one follow, and the listing serves.
      await followKind(s, contextId, 'read');
      const again = (await recallPage(s, WHOLE(contextId), contextId, window)).served;
      if (again) s.rt.observer?.saved('remembered');
      return again;
    }
    // A key's first call is a sweep too, when one call lists the whole kind (or no one knows yet
    // how large the kind is): it serves everyone.
    const trusted = s.key.trusted(state, contextId);
    if (!sweepServesKind(kind, trusted, s.rt.settings)) return undefined;
    await followKind(s, contextId, 'read', 'sweep');
    const again = (await recallPage(s, WHOLE(contextId), contextId, window)).served;
    if (again && trusted) s.rt.observer?.saved('remembered');
    return again;
  }

  /** The deletion feed, with this caller's key: nothing of it is remembered for anyone else. */
  async listDeletions(query: DeletionQuery, options: CallOptions = {}): Promise<DeletionPage> {
    const s = this.#s;
    await s.key.usable();
    return s.key.send(
      options.priority === 'background' ? 'background' : 'read',
      () => null,
      (priority) => s.calls.listDeletions(query, { priority }),
    );
  }

  // ---- edits -------------------------------------------------------------------------------

  async updateCustomer(id: string, changes: WireChanges): Promise<SavedCustomer> {
    const s = this.#s;
    await s.key.usable();
    const [before] = await s.store.records(s.scope, [id]);
    const sentAt = s.rt.now();
    let saved: SavedCustomer;
    try {
      saved = await s.key.send(
        'edit',
        (result) => contextIdOf(result.customer.kind) ?? before?.contextId ?? null,
        (priority) => s.calls.updateCustomer(id, changes, { priority }),
        before?.contextId ?? null,
      );
    } catch (error) {
      if (isStatus(error, 'SB_NOT_FOUND')) await s.store.forget(s.scope, id, sentAt);
      throw error;
    }
    const contextId = contextIdOf(saved.customer.kind) ?? before?.contextId ?? null;
    const customer = withKind(saved.customer, contextId);
    // Remembered before the answer leaves: every later read, by anyone, sees the edit (kept on
    // this replica until the store takes it, when the store cannot now).
    await s.remember([customer], contextId, sentAt, { edit: true });
    if (contextId !== null) proveBoundary(s, contextId, customer);
    // A change of what lists are searched and ordered by (a rename, say) may move the account into
    // or out of any remembered page of its kind, a search's included: they are asked again.
    if (before === undefined || before.listSig !== listSigOf(customer)) {
      await this.#listsChanged(contextId === null ? CONTEXT_IDS : [contextId]);
    }
    return { ...saved, customer };
  }

  /**
   * A new account is remembered before the answer leaves (served by id at once, to everyone who
   * may see its kind), and every remembered page of its kind asked for before it stops being
   * served: the next list, count or search of the kind is asked of SalesBinder, and holds it.
   */
  async createCustomer(customer: WireNewCustomer): Promise<SavedCustomer> {
    const s = this.#s;
    await s.key.usable();
    const sentAt = s.rt.now();
    const asked = CONTEXT_IDS.find((id) => id === Number(customer.context_id)) ?? null;
    const saved = await s.key.send<SavedCustomer>(
      'edit',
      (result) => contextIdOf(result.customer.kind) ?? asked,
      (priority) => s.calls.createCustomer(customer, { priority }),
    );
    const contextId = contextIdOf(saved.customer.kind) ?? asked;
    // A held kind's listing takes it at once, in its place (before it is remembered, which marks
    // the kind's lists changed: a search worked out between the two would be kept without it).
    if (contextId !== null) await joinHeld(s, contextId, [saved.customer]);
    const [remembered] = await s.remember([saved.customer], contextId, sentAt);
    await this.#listsChanged(contextId === null ? CONTEXT_IDS : [contextId]);
    return { ...saved, customer: remembered ?? saved.customer };
  }

  /**
   * A deleted account is forgotten before the answer leaves (every later read of it, by anyone
   * in this memory, is SalesBinder's 404), and the pages of its kind asked for before stop being
   * served, as after a create.
   */
  async deleteCustomer(id: string): Promise<DeletedCustomer> {
    const s = this.#s;
    await s.key.usable();
    const [before] = await s.store.records(s.scope, [id]);
    let deleted: DeletedCustomer;
    try {
      deleted = await s.key.send(
        'edit',
        () => before?.contextId ?? null,
        (priority) => s.calls.deleteCustomer(id, { priority }),
      );
    } catch (error) {
      if (isStatus(error, 'SB_NOT_FOUND')) await s.store.forget(s.scope, id, s.rt.now());
      throw error;
    }
    await s.store.forget(s.scope, id, s.rt.now());
    for (const contextId of before?.contextId == null ? CONTEXT_IDS : [before.contextId])
      await leaveHeld(s, contextId, id);
    await this.#listsChanged(before?.contextId == null ? CONTEXT_IDS : [before.contextId]);
    return deleted;
  }

  /**
   * An account of these kinds was created, deleted, or edited in a listed field just now: pages
   * asked for before are not
   * served. A store that does not answer loses this as it loses everything (then, at worst, a page
   * within the freshness bound is served as it was).
   */
  async #listsChanged(contextIds: readonly ContextId[]): Promise<void> {
    const s = this.#s;
    const writtenAt = s.rt.now();
    await Promise.all(
      contextIds.map((contextId) =>
        s.rt.store.advanceKind(s.scope, contextId, { writtenAt }).catch((error: unknown) => {
          s.log.debug({ err: error }, 'the budget store did not answer: a list may lag a create or delete');
        }),
      ),
    );
  }

  // ---- calls -------------------------------------------------------------------------------

  /** A view of one account, with this caller's key; remembered for everyone it may be shown to. */
  async #view(id: string, before: RememberedRecord | undefined): Promise<ViewAnswer> {
    const s = this.#s;
    const sentAt = s.rt.now();
    let customer: Customer;
    try {
      customer = await s.key.send(
        'read',
        (c) => contextIdOf(c.kind) ?? before?.contextId ?? null,
        (priority) => s.calls.getCustomer(id, { priority }),
        before?.contextId ?? null,
      );
    } catch (error) {
      if (!isStatus(error, 'SB_NOT_FOUND')) throw error;
      await s.store.forget(s.scope, id, sentAt);
      return 'gone';
    }
    const contextId = contextIdOf(customer.kind) ?? before?.contextId ?? null;
    const [remembered] = await s.remember([customer], contextId, sentAt);
    if (contextId !== null) await learnKindAhead(s, contextId);
    return remembered ?? customer;
  }

  /** One list page, with this caller's key; its accounts and the page remembered. */
  async #fetchPage(query: CustomerQuery, contextId: ContextId, pageKey: string): Promise<CustomerPage> {
    const s = this.#s;
    const sentAt = s.rt.now();
    const page = await s.key.send(
      'read',
      () => contextId,
      (priority) => s.calls.listCustomers(query, { priority }),
      contextId,
    );
    const sbTime = noteClock(s, page, sentAt);
    const customers = await s.remember(page.customers, contextId, sentAt);
    const remembered: RememberedPage = {
      ids: customers.map((c) => c.id),
      count: page.count,
      fetchedAt: sentAt,
      sbTime,
    };
    await s.store.putPage(s.scope, pageKey, remembered);
    // A search of a kind no one knows the size of yet: one call learns it, as after a view.
    await learnKindAhead(s, contextId);
    return { ...page, customers };
  }
}
