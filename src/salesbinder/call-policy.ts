/**
 * SalesBinder's account policy for calls, in one place: how much of an account's windows each kind
 * of call may take (priorities and reserved shares), the newcomers' own slice, and how long each
 * may wait for a slot. The limiters (rate-limits/) apply it; the transport only carries a call's
 * priority to them.
 */
import type { CallPriority } from '../transport/http.ts';

export type { CallPriority } from '../transport/http.ts';

/**
 * The share of each window a call of this priority must leave free: an edit may take every slot;
 * a read must leave a little for edits; a call for a key SalesBinder has not accepted yet must
 * leave a good part for keys it has; background work (keeping remembered answers fresh ahead of
 * need) must leave room for everyone, and never waits.
 */
const RESERVED_SHARE: Readonly<Record<CallPriority, number>> = {
  edit: 0,
  read: 0.07,
  newcomer: 0.07,
  background: 0.2,
};

/**
 * Besides leaving their reserve, calls for keys SalesBinder has not accepted yet share a slice
 * of their own: a log per account (`newcomersOf(account)`) that holds at most these shares of the
 * windows, however many sources they come from (which of them gets it is the newcomers' credits'
 * business). A team's morning needs about 20 first calls a minute, in bursts.
 */
const NEWCOMERS_SLICE = { short: 0.6, long: 0.6 };

/**
 * A call's priority; `slice` for its place in the newcomers' own log; `person` for its place in
 * its caller's own log (a person's share).
 */
export type LogPriority = CallPriority | 'slice' | 'person';

/**
 * How much longer than `maxWaitMs` a call of this priority may wait for a slot: an edit (a
 * person's work, saved) and a person's very first screen may take a few seconds more rather than
 * be refused; background work never waits.
 */
const WAIT_FACTOR: Readonly<Record<LogPriority, number>> = {
  edit: 3,
  read: 1,
  newcomer: 4,
  slice: 4,
  person: 2,
  background: 0,
};

/**
 * A person's share of each window while others use the account too (fair share by per-person
 * logs over the account's windows). Alone, a person may use all of it; with others who called in
 * the last minute, at most the larger of an equal share and `PERSON_SHARE`: so that one person
 * asking without pause leaves the rest to everyone else, who, at a person's pace, each ask for
 * little. A person's reads are always kept in their log, alone too, so that what someone took
 * while alone counts once others come. Applies to a person's reads (a newcomer's first calls have
 * the newcomers' slice and credits instead): edits keep their priority, and background work is
 * no one's.
 */
const PERSON_SHARE = 0.25;

/** The share of the windows a call for a caller may take (1: alone), or undefined when none applies. */
export function personShare(priority: CallPriority, activeCallers: number): number | undefined {
  if (priority !== 'read') return undefined;
  return activeCallers <= 1 ? 1 : Math.max(1 / activeCallers, PERSON_SHARE);
}

/** The log a person's share of an account is kept in (the caller is a key's hash: never a key). */
export const personOf = (account: string, caller: string): string => `${account} (person ${caller})`;

/** Whether a log is a person's share (not an account's windows, which usage and metrics report). */
export const isPersonLog = (log: string): boolean => log.includes(' (person ');

/** How long a caller counts as using the account after its last call. */
export const ACTIVE_CALLER_MS = 60_000;

/** The log the newcomers' slice of an account is kept in. */
export const newcomersOf = (account: string): string => `${account} (newcomers)`;

/**
 * How many calls of the windows' `perShort` and `perLong` a call of this priority may see taken
 * before it; for `person`, `share` of them.
 */
export function capsFor(
  priority: LogPriority,
  perShort: number,
  perLong: number,
  share = 1,
): { short: number; long: number; waitFactor: number } {
  const waitFactor = WAIT_FACTOR[priority];
  if (priority === 'person') {
    return {
      short: Math.max(1, Math.floor(perShort * share)),
      long: Math.max(1, Math.floor(perLong * share)),
      waitFactor,
    };
  }
  if (priority === 'slice') {
    return {
      short: Math.max(1, Math.floor(perShort * NEWCOMERS_SLICE.short)),
      long: Math.max(1, Math.floor(perLong * NEWCOMERS_SLICE.long)),
      waitFactor,
    };
  }
  const reserved = RESERVED_SHARE[priority];
  return {
    short: Math.max(1, perShort - Math.ceil(perShort * reserved)),
    long: Math.max(1, perLong - Math.ceil(perLong * reserved)),
    waitFactor,
  };
}

/**
 * How long after a call was let through it may still arrive at SalesBinder, when it never
 * answers: its deadline (the transport aborts it then), plus this for a request already on the
 * wire when it was cut off.
 */
export const IN_TRANSIT_MS = 1_000;

/** The deadline assumed for a call whose caller gave none (the transport's default deadline). */
const DEFAULT_CALL_MS = 15_000;

/**
 * How long from now a call let through now may still arrive at SalesBinder if it never answers:
 * until its deadline (the wait for a slot included), plus the time in transit.
 */
export function unansweredHoldMs(timeLeftMs: number | undefined, maxWaitMs: number): number {
  const callMs =
    timeLeftMs !== undefined && Number.isFinite(timeLeftMs) ? timeLeftMs : maxWaitMs + DEFAULT_CALL_MS;
  return callMs + IN_TRANSIT_MS;
}
