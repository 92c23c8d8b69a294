/**
 * Calls for keys SalesBinder has not accepted yet, per source (a client address): a stranger
 * inventing keys would otherwise spend a company's budget one 401 at a time. Each source holds
 * credits, one per such call. A new source starts with a few and gains one now and then; each
 * key of its that SalesBinder accepts pays the call back and adds more. A team's address, whose
 * newcomers are accepted, so gains faster than it spends and keeps bringing people in; a source
 * whose keys are refused is soon down to the slow trickle.
 *
 * Fair shares between sources would not do: a team's newcomers need about twenty first calls a
 * minute on a busy morning while a stranger asks for a hundred and eighty; only what SalesBinder
 * answered tells them apart.
 */
import { LRUCache } from 'lru-cache';

export interface NewcomerSettings {
  /**
   * Credits a source keeps apart for keys that ask again: a person whose first call was refused
   * asks again with the same key, a stranger inventing keys asks with a new one each time. @default 5
   */
  returningBurst?: number;
  /** The returning keys' credits refill one per this many ms. @default 5000 */
  returningRefillMs?: number;
  /** Credits a source starts with: calls with new keys it may make at once. @default 1 */
  burst: number;
  /** A source gains one credit per this many ms, up to `burst`. @default 60000 */
  refillMs: number;
  /** Credits a source gains each time SalesBinder accepts one of its new keys (the call's own included). @default 2 */
  reward: number;
  /** The most credits a source can hold. @default 20 */
  max: number;
}

export const DEFAULT_NEWCOMER_SETTINGS: NewcomerSettings = {
  burst: 1,
  refillMs: 60_000,
  reward: 2,
  max: 20,
  returningBurst: 5,
  returningRefillMs: 5_000,
};

/** How long a key refused for want of credit is remembered as having asked (by hash). */
const ASKED_MS = 10 * 60_000;

/** `returning`: paid from the credits for keys that ask again. */
export type Admission = { ok: true; returning?: boolean } | { ok: false; retryAfterMs: number };

export interface NewcomerCredits {
  /**
   * Spends one credit of `source`, if it has one; a key that asked before and was refused for want
   * of credit (`keyHash`) draws on the source's credits for returning keys instead.
   */
  take(source: string, now: number, keyHash?: string): Admission;
  /** The credit bought nothing (the call was never sent): give it back. */
  refund(source: string): void;
  /** SalesBinder accepted a key of `source` (or knew it: a 403 or a 404). */
  reward(source: string): void;
  /**
   * SalesBinder refused (401) a key of `source` let in as one asking again: its credits for
   * returning keys drop, so that asking twice with each made-up key spends little of the account's
   * calls.
   */
  penalize(source: string, now: number): void;
}

interface Bucket {
  credits: number;
  at: number;
}

export function createNewcomerCredits(settings: NewcomerSettings, maxSources = 10_000): NewcomerCredits {
  const buckets = new LRUCache<string, Bucket>({ max: maxSources });
  const returning = new LRUCache<string, Bucket>({ max: maxSources });
  /** Keys refused for want of credit, by hash, with when they asked: bounded, and forgotten after a while. */
  const asked = new LRUCache<string, number>({ max: maxSources * 10 });
  const returningBurst = settings.returningBurst ?? DEFAULT_NEWCOMER_SETTINGS.returningBurst ?? 5;
  const returningRefillMs =
    settings.returningRefillMs ?? DEFAULT_NEWCOMER_SETTINGS.returningRefillMs ?? 5_000;
  /** The source's bucket, refilled up to `burst` for the time since it was last looked at. */
  const bucketOf = (
    all: LRUCache<string, Bucket>,
    source: string,
    now: number,
    burst: number,
    refillMs: number,
  ): Bucket => {
    const bucket = all.get(source) ?? { credits: burst, at: now };
    if (bucket.credits < burst)
      bucket.credits = Math.min(burst, bucket.credits + (now - bucket.at) / refillMs);
    bucket.at = now;
    all.set(source, bucket);
    return bucket;
  };
  return {
    take(source, now, keyHash) {
      const bucket = bucketOf(buckets, source, now, settings.burst, settings.refillMs);
      if (bucket.credits >= 1) {
        bucket.credits -= 1;
        return { ok: true };
      }
      const askedAt = keyHash === undefined ? undefined : asked.get(keyHash);
      if (askedAt !== undefined && askedAt > now - ASKED_MS) {
        const again = bucketOf(returning, source, now, returningBurst, returningRefillMs);
        if (again.credits >= 1) {
          again.credits -= 1;
          if (keyHash !== undefined) asked.delete(keyHash);
          return { ok: true, returning: true };
        }
        return { ok: false, retryAfterMs: Math.ceil((1 - again.credits) * returningRefillMs) };
      }
      if (keyHash !== undefined) asked.set(keyHash, now);
      // Asking again is what gets a person in: say so with the time the returning credits need.
      return {
        ok: false,
        retryAfterMs: Math.min(returningRefillMs, Math.ceil((1 - bucket.credits) * settings.refillMs)),
      };
    },
    refund(source) {
      const bucket = buckets.get(source);
      if (bucket) bucket.credits = Math.min(settings.max, bucket.credits + 1);
    },
    penalize(source, now) {
      const again = bucketOf(returning, source, now, returningBurst, returningRefillMs);
      again.credits = Math.max(-returningBurst, again.credits - 2);
    },
    reward(source) {
      const bucket = buckets.get(source);
      if (bucket) bucket.credits = Math.min(settings.max, bucket.credits + settings.reward);
    },
  };
}
