/**
 * One request's caller, as every part of the budget sees it: the calls made with its key, its
 * scope (whose memory), the store (forgiving: store/fallback.ts), what SalesBinder said of its
 * key (key-trust.ts), and what the budget shares between requests (the runtime).
 */
import { type Customer, KIND_OF_CONTEXT_ID, keepUnsaid, unsaidFields } from '../../domain/customer.ts';
import type { CustomerPage } from '../../domain/customer-page.ts';
import type { Logger } from '../../observability/logger.ts';
import type { SalesBinderApi } from '../api.ts';
import { SalesBinderError } from '../errors.ts';
import { skewFrom } from './freshness.ts';
import type { HeldState } from './held-state.ts';
import { KeyTrust } from './key-trust.ts';
import type { NewcomerCredits } from './newcomers.ts';
import type { BudgetObserver, BudgetSettings, Caller } from './settings.ts';
import type { SingleFlight } from './single-flight.ts';
import { type StoreFallback, storeFallback, type UnsavedEdits } from './store/fallback.ts';
import {
  type BudgetStore,
  type ContextId,
  contextIdOf,
  listSigOf,
  type RememberedRecord,
  withValuesOf,
} from './store/store.ts';

/** What the budget shares between requests. */
export interface BudgetRuntime {
  settings: BudgetSettings;
  store: BudgetStore;
  newcomers: NewcomerCredits;
  observer: BudgetObserver | undefined;
  now: () => number;
  singleFlight: SingleFlight;
  /**
   * SalesBinder's clock against ours (ms, ≤ 0), per scope, from its answers' Date headers: when
   * it runs behind, feed windows start earlier (follow-kind.ts).
   */
  skews: { get(scope: string): number | undefined; set(scope: string, skew: number): unknown };
  /** The first call of each key SalesBinder has not accepted yet, under way: its other calls wait for it. */
  proofs: Map<string, Promise<unknown>>;
  /** Edits the store could not take yet (store/fallback.ts). */
  unsaved: UnsavedEdits;
  /** What this replica knows of held kinds and searches answered from them (held-kind.ts). */
  held: HeldState;
}

/** Whether SalesBinder answered with this failure (and HTTP status, when given). */
export function isStatus(
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

/**
 * Notes SalesBinder's clock from an answer's Date header; returns `sentAt` on its clock, as well
 * as it is known.
 */
export function noteClock(s: Session, page: CustomerPage, sentAt: number): number {
  const { skews, now } = s.rt;
  if (page.answeredAt !== undefined) skews.set(s.scope, skewFrom(page.answeredAt, sentAt, now()));
  return sentAt + (skews.get(s.scope) ?? 0);
}

/** The record with the kind its list said, when the record itself did not. */
export function withKind(customer: Customer, contextId: ContextId | null): Customer {
  if (customer.kind !== null || contextId === null) return customer;
  return keepUnsaid({ ...customer, kind: KIND_OF_CONTEXT_ID.get(contextId) ?? null }, customer);
}

export class Session {
  readonly rt: BudgetRuntime;
  /** SalesBinder's API with this caller's own key. */
  readonly calls: SalesBinderApi;
  readonly caller: Caller;
  readonly log: Logger;
  readonly store: StoreFallback;
  readonly key: KeyTrust;

  constructor(rt: BudgetRuntime, calls: SalesBinderApi, caller: Caller, log: Logger) {
    this.rt = rt;
    this.calls = calls;
    this.caller = caller;
    this.log = log;
    this.store = storeFallback(rt.store, log, rt.unsaved);
    this.key = new KeyTrust({ ...rt, store: this.store }, caller);
  }

  get scope(): string {
    return this.caller.scope;
  }

  /**
   * Remembers accounts SalesBinder answered (of a known kind or not); returns them with their kind.
   * An edit's answer (`edit`) is kept on this replica when the store cannot take it now.
   */
  async remember(
    customers: readonly Customer[],
    contextId: ContextId | null,
    sentAt: number,
    { edit = false }: { edit?: boolean } = {},
  ): Promise<Customer[]> {
    const answeredAt = this.rt.now();
    const records: RememberedRecord[] = customers.map((customer) => {
      const own = contextIdOf(customer.kind) ?? contextId;
      const unsaid = unsaidFields(customer);
      return {
        customer: withKind(customer, own),
        contextId: own,
        fetchedAt: sentAt,
        confirmedAt: sentAt,
        listSig: listSigOf(customer),
        answeredAt,
        ...(unsaid.length > 0 && { unsaid }),
        ...(edit && { edit }),
      };
    });
    if (edit) await this.store.mergeEdit(this.scope, records);
    else await this.store.merge(this.scope, records);
    // What memory holds now may say more than this answer (fields it did not carry): served so.
    if (!records.some((r) => r.unsaid)) return records.map((r) => r.customer);
    const merged = await this.store.records(
      this.scope,
      records.map((r) => r.customer.id),
    );
    return records.map((r, i) => {
      const kept = merged[i];
      return kept !== undefined && kept.customer.modifiedAt.getTime() === r.customer.modifiedAt.getTime()
        ? withValuesOf(r.customer, kept.customer, r.unsaid ?? [])
        : r.customer;
    });
  }

  /**
   * One call for everyone who needs the same thing at once (single-flight.ts): whoever waited
   * for someone else's reads memory under the usual rules, and calls for itself only if they do
   * not let it have the answer. With `fromMemory` (`remembered` reads memory), a caller that takes
   * the lock across replicas reads memory once more before it calls.
   */
  shared<T>(
    name: string,
    remembered: () => Promise<T | undefined>,
    call: () => Promise<T>,
    { fromMemory = false }: { fromMemory?: boolean } = {},
  ): Promise<T> {
    return this.rt.singleFlight.run({
      scope: this.scope,
      name,
      locks: this.store,
      call,
      ...(fromMemory && {
        remembered: async () => {
          const served = await remembered();
          if (served !== undefined) this.rt.observer?.saved('remembered');
          return served;
        },
      }),
      afterWaiting: async () => {
        // That call may have been this key's proof: what SalesBinder said of it is in the store now.
        this.key.lookAgain();
        const served = await remembered();
        if (served !== undefined) {
          this.rt.observer?.saved('in_flight');
          return served;
        }
        return call();
      },
    });
  }
}
