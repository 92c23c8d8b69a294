/**
 * What SalesBinder said of a key, and what it lets the key do here. A key is known by a hash
 * (`keyHashOf`), never by itself. It reads what other keys read only while SalesBinder accepted it
 * recently for that kind of account (`keyTrustMs`); a key SalesBinder refused (401) is refused
 * here for `refusedKeyMs` without a call; a key not accepted yet sends its calls as a newcomer,
 * paid for by its source's credits (newcomers.ts), and its first call is its proof: its other
 * calls meanwhile wait for that one instead of spending a call each.
 */
import { createHash } from 'node:crypto';
import type { CallPriority } from '../../transport/http.ts';
import { SalesBinderError } from '../errors.ts';
import type { NewcomerCredits } from './newcomers.ts';
import type { BudgetObserver, BudgetSettings, Caller } from './settings.ts';
import type { StoreFallback } from './store/fallback.ts';
import { type ContextId, type KeyState, UNKNOWN_KEY } from './store/store.ts';

/** A key known by this and nothing else: what memory and Redis hold instead of the key. */
export function keyHashOf(apiKey: string): string {
  return createHash('sha256').update(`salesbinder-api-key\0${apiKey}`).digest('base64url').slice(0, 32);
}

type Trust = Pick<BudgetSettings, 'keyTrustMs'>;

/** Whether SalesBinder accepted the key (for anything) within the trust window before `t`. */
export function acceptedRecently(state: KeyState, t: number, s: Trust): boolean {
  return state.acceptedAt >= t - s.keyTrustMs;
}

/** Whether SalesBinder accepted or knew the key within a day (`knownPersonMs`) before `t`: no newcomer. */
export function knownPerson(state: KeyState, t: number, s: Pick<BudgetSettings, 'knownPersonMs'>): boolean {
  return state.acceptedAt > 0 && state.acceptedAt >= t - s.knownPersonMs;
}

/** Whether SalesBinder let the key read this kind within the trust window before `t`. */
export function trustedFor(state: KeyState, contextId: ContextId, t: number, s: Trust): boolean {
  return (state.kinds[contextId] ?? 0) >= t - s.keyTrustMs;
}

/**
 * Whether an acceptance at `at` needs writing to the store: not while the stored one is less than
 * a tenth of the trust window old, so that a busy key is not a write (a Redis round trip with
 * REDIS_URL) per call; trust then runs out at most that much earlier.
 */
export function acceptanceWriteDue(
  current: KeyState | undefined,
  contextId: ContextId | null,
  at: number,
  s: Trust,
): boolean {
  const recently = at - s.keyTrustMs / 10;
  const known =
    current !== undefined &&
    current.acceptedAt >= recently &&
    (contextId === null || (current.kinds[contextId] ?? 0) >= recently);
  return !known;
}

export type CallPurpose = 'read' | 'edit' | 'background';

export interface KeyTrustDeps {
  settings: BudgetSettings;
  now: () => number;
  newcomers: NewcomerCredits;
  observer: BudgetObserver | undefined;
  /** The first call of each key SalesBinder has not accepted yet, under way, by scope and key hash. */
  proofs: Map<string, Promise<unknown>>;
  store: StoreFallback;
}

/** One caller's key, for one request: what SalesBinder said of it, and its calls. */
export class KeyTrust {
  readonly #d: KeyTrustDeps;
  readonly #caller: Caller;
  #state: Promise<KeyState> | undefined;
  /** This key's newcomer call was let in as one asking again (newcomers.ts). */
  #returning = false;

  constructor(deps: KeyTrustDeps, caller: Caller) {
    this.#d = deps;
    this.#caller = caller;
  }

  /** Reads the key's standing from the store again on next use: another call may have changed it. */
  lookAgain(): void {
    this.#state = undefined;
  }

  /** What SalesBinder last said of this key; throws SB_AUTH while the key is refused here. */
  async usable(): Promise<KeyState> {
    this.#state ??= this.#d.store.keyState(this.#caller.scope, this.#caller.keyHash);
    const state = await this.#state;
    if (state.refusedUntil > this.#d.now()) {
      this.#d.observer?.saved('refused_key');
      this.#d.observer?.refused('refused_key');
      this.#caller.onRefused?.('refused_key');
      throw new SalesBinderError('SB_AUTH', 'SalesBinder rejected the API key');
    }
    return state;
  }

  /**
   * What SalesBinder last said of this key, once its first call (its proof) has ended when one is
   * under way and the key is not accepted yet.
   */
  async afterProof(): Promise<KeyState> {
    let state = await this.usable();
    for (let proving = this.#proofToWaitFor(state); proving; proving = this.#proofToWaitFor(state)) {
      // The key's first call is under way: one proof is enough, whatever else it asked for meanwhile.
      await proving.catch(() => {});
      this.lookAgain();
      state = await this.usable();
    }
    return state;
  }

  /**
   * This key's first call, when one is under way and the key is not accepted yet. Synchronous, so
   * that `send` can look and take the proof in one step: two calls of a new key never both prove it.
   */
  #proofToWaitFor(state: KeyState): Promise<unknown> | undefined {
    const { settings, now, proofs } = this.#d;
    const proving = proofs.get(this.#proofKey());
    return proving === undefined || acceptedRecently(state, now(), settings) ? undefined : proving;
  }

  #proofKey(): string {
    return `${this.#caller.scope}\0${this.#caller.keyHash}`;
  }

  /** Whether this key may be served what others read of this kind, now. */
  trusted(state: KeyState, contextId: ContextId): boolean {
    return trustedFor(state, contextId, this.#d.now(), this.#d.settings);
  }

  /**
   * Sends a call with this caller's key, at the priority its key's standing allows, and learns
   * from the answer what SalesBinder thinks of the key: accepted (for the kind the answer is
   * of), refused, or (a 403 for `asked`, the kind the call is about when known before it is
   * answered) no longer allowed that kind.
   */
  async send<T>(
    purpose: CallPurpose,
    kindOf: (result: T) => ContextId | null,
    call: (priority: CallPriority) => Promise<T>,
    asked: ContextId | null = null,
  ): Promise<T> {
    const { settings, now, newcomers, observer, proofs } = this.#d;
    const { source } = this.#caller;
    let state = await this.usable();
    for (let proving = this.#proofToWaitFor(state); proving; proving = this.#proofToWaitFor(state)) {
      await proving.catch(() => {});
      this.lookAgain();
      state = await this.usable();
    }
    // From here until the proof is taken below, nothing waits.
    const proofKey = this.#proofKey();
    const t = now();
    const accepted = acceptedRecently(state, t, settings);
    let priority: CallPriority = purpose;
    if (!accepted && !knownPerson(state, t, settings)) {
      if (purpose === 'background') throw new Error('background work waits for an accepted key');
      const admission = newcomers.take(source, t, this.#caller.keyHash);
      if (!admission.ok) {
        observer?.refused('newcomers');
        this.#caller.onRefused?.('newcomers');
        throw new SalesBinderError(
          'SB_RATE_LIMITED',
          'Too many API keys SalesBinder has not accepted yet came from this address: try again later',
          { retryAfterSeconds: Math.max(1, Math.ceil(admission.retryAfterMs / 1000)) },
        );
      }
      priority = 'newcomer';
      this.#returning = admission.returning === true;
    } else if (!accepted && purpose === 'background') {
      throw new Error('background work waits for an accepted key');
    }
    // Settled once what SalesBinder said of the key is remembered, not merely answered.
    let proven = () => {};
    if (!accepted) {
      const proof = new Promise<void>((resolve) => {
        proven = () => {
          if (proofs.get(proofKey) === proof) proofs.delete(proofKey);
          resolve();
        };
      });
      proofs.set(proofKey, proof);
    }
    try {
      return await this.#learn(call(priority), accepted, kindOf, asked);
    } finally {
      proven();
    }
  }

  async #learn<T>(
    sent: Promise<T>,
    accepted: boolean,
    kindOf: (result: T) => ContextId | null,
    asked: ContextId | null,
  ): Promise<T> {
    const { settings, now, newcomers, store } = this.#d;
    const { scope, keyHash, source } = this.#caller;
    let result: T;
    try {
      result = await sent;
    } catch (error) {
      if (!accepted && error instanceof SalesBinderError && error.status === undefined) {
        // Never sent (the windows were full, or SalesBinder unreachable): the credit bought nothing.
        newcomers.refund(source);
      }
      if (
        error instanceof SalesBinderError &&
        (error.status === 403 || error.status === 404) &&
        (error.code === 'SB_FORBIDDEN' || error.code === 'SB_NOT_FOUND')
      ) {
        // SalesBinder knows the key: a person, though not one who may read this (or a missing account).
        await this.#known(accepted);
      }
      if (error instanceof SalesBinderError && error.code === 'SB_AUTH' && error.status === 401) {
        if (!accepted && this.#returning) newcomers.penalize(source, now());
        const until = now() + settings.refusedKeyMs;
        this.#state = Promise.resolve({ ...UNKNOWN_KEY, refusedUntil: until });
        await store.refuseKey(scope, keyHash, until);
      }
      if (asked !== null && error instanceof SalesBinderError && error.code === 'SB_FORBIDDEN') {
        // SalesBinder no longer lets this key read the kind: it reads it from SalesBinder again.
        const current = await this.#state;
        if (current !== undefined) {
          const { [asked]: _, ...kinds } = current.kinds;
          this.#state = Promise.resolve({ ...current, kinds });
        }
        await store.forgetKind(scope, keyHash, asked);
      }
      throw error;
    }
    const contextId = kindOf(result);
    if (!accepted) newcomers.reward(source);
    const at = now();
    const current = await this.#state;
    this.#state = Promise.resolve({
      acceptedAt: at,
      kinds: contextId === null ? (current?.kinds ?? {}) : { ...current?.kinds, [contextId]: at },
      refusedUntil: 0,
    });
    if (acceptanceWriteDue(current, contextId, at, settings))
      await store.acceptKey(scope, keyHash, contextId, at);
    return result;
  }

  /** SalesBinder knew the key (a 403 or a 404): it is a known person from now, for no kind. */
  async #known(accepted: boolean): Promise<void> {
    const { settings, now, newcomers, store } = this.#d;
    const { scope, keyHash, source } = this.#caller;
    if (!accepted) newcomers.reward(source);
    const at = now();
    const current = await this.#state;
    this.#state = Promise.resolve({ acceptedAt: at, kinds: current?.kinds ?? {}, refusedUntil: 0 });
    if (acceptanceWriteDue(current, null, at, settings)) await store.acceptKey(scope, keyHash, null, at);
  }
}
