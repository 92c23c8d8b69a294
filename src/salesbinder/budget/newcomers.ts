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
  /** Credits a source starts with: calls with new keys it may make at once. @default 3 */
  burst: number;
  /** A source gains one credit per this many ms, up to `burst`. @default 30000 */
  refillMs: number;
  /** Credits a source gains each time SalesBinder accepts one of its new keys (the call's own included). @default 2 */
  reward: number;
  /** The most credits a source can hold. @default 20 */
  max: number;
}

export const DEFAULT_NEWCOMER_SETTINGS: NewcomerSettings = { burst: 3, refillMs: 30_000, reward: 2, max: 20 };

export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

export interface NewcomerCredits {
  /** Spends one credit of `source`, if it has one. */
  take(source: string, now: number): Admission;
  /** The credit bought nothing (the call was never sent): give it back. */
  refund(source: string): void;
  /** SalesBinder accepted a key of `source`. */
  reward(source: string): void;
}

interface Bucket {
  credits: number;
  at: number;
}

export function createNewcomerCredits(settings: NewcomerSettings, maxSources = 10_000): NewcomerCredits {
  const buckets = new LRUCache<string, Bucket>({ max: maxSources });
  /** The source's bucket, refilled up to `burst` for the time since it was last looked at. */
  const bucketOf = (source: string, now: number): Bucket => {
    const bucket = buckets.get(source) ?? { credits: settings.burst, at: now };
    if (bucket.credits < settings.burst) {
      bucket.credits = Math.min(settings.burst, bucket.credits + (now - bucket.at) / settings.refillMs);
    }
    bucket.at = now;
    buckets.set(source, bucket);
    return bucket;
  };
  return {
    take(source, now) {
      const bucket = bucketOf(source, now);
      if (bucket.credits >= 1) {
        bucket.credits -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterMs: Math.ceil((1 - bucket.credits) * settings.refillMs) };
    },
    refund(source) {
      const bucket = buckets.get(source);
      if (bucket) bucket.credits = Math.min(settings.max, bucket.credits + 1);
    },
    reward(source) {
      const bucket = buckets.get(source);
      if (bucket) bucket.credits = Math.min(settings.max, bucket.credits + settings.reward);
    },
  };
}
