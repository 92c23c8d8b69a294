/**
 * The change feed's boundary, checked rather than trusted. How SalesBinder compares
 * `modifiedSince` (the boundary second, its clock, its time zone) is unknown, and its own plugin
 * asks two hours back. So the feed starts generous: each window overlaps the last by two hours,
 * and a change SalesBinder dates up to two hours off is still seen. It narrows to
 * `feedOverlapMs` only once the gateway's own edits prove the boundary: after an edit through the
 * gateway (whose `modified` SalesBinder answered), one feed call in the background asks from the
 * second before it; if SalesBinder shows the edit, its boundary is where it says, and windows
 * overlap by `feedOverlapMs` from then on; if not, it is shifted, a warning says so, and the feed
 * stays generous. A generous window that brings more changes than a follow takes (a busy account
 * before any edit went through the gateway) narrows unproven, with a warning, rather than cost
 * more calls on every follow.
 */
import type { Customer } from '../../domain/customer.ts';
import { FULL_PAGE } from './freshness.ts';
import type { BoundaryState } from './held-state.ts';
import type { Session } from './session.ts';
import type { ContextId } from './store/store.ts';

/** How far back the feed asks until the boundary is proven: SalesBinder's own plugin's 2 hours. */
const GENEROUS_OVERLAP_MS = 2 * 60 * 60 * 1000;

function boundaryOf(s: Session): BoundaryState {
  let boundary = s.rt.held.boundaries.get(s.scope);
  if (boundary === undefined) {
    boundary = { state: 'generous', probing: false };
    s.rt.held.boundaries.set(s.scope, boundary);
  }
  return boundary;
}

/** How much each feed window overlaps the last, for this caller's account now. */
export function feedOverlap(s: Session): number {
  const { state } = boundaryOf(s);
  return state === 'proven' || state === 'busy' ? s.rt.settings.feedOverlapMs : GENEROUS_OVERLAP_MS;
}

/** A generous window brought more than a follow takes: narrow (unproven), once, with a warning. */
export function feedTooBusy(s: Session): void {
  const boundary = boundaryOf(s);
  if (boundary.state !== 'generous' && boundary.state !== 'shifted') return;
  boundary.state = 'busy';
  s.log.warn(
    { feedBoundary: 'busy' },
    "the change feed's generous window brings more changes than a follow takes: narrowed before an edit through the gateway proved SalesBinder's boundary",
  );
}

/**
 * After an edit through the gateway, while the boundary is not proven: the edit waits (a few
 * seconds, so that the edit's own answer and the reads right after it cost nothing more) to be
 * looked for in the feed by `proveBoundaryAhead`.
 */
export function proveBoundary(s: Session, contextId: ContextId, edited: Customer): void {
  const boundary = boundaryOf(s);
  if (boundary.state === 'proven' || boundary.pending !== undefined) return;
  boundary.pending = { contextId, id: edited.id, modified: edited.modifiedAt.getTime(), at: s.rt.now() };
}

/** How long after an edit its proof is asked for. */
const PROOF_DELAY_MS = 5_000;

/**
 * Served from memory: when an edit waits to prove the boundary, asks the feed (one call, in the
 * background) from the second before the edit's `modified`, and learns from the answer.
 */
export function proveBoundaryAhead(s: Session): void {
  const boundary = s.rt.held.boundaries.get(s.scope);
  const pending = boundary?.pending;
  if (boundary === undefined || pending === undefined || boundary.probing) return;
  if (pending.at > s.rt.now() - PROOF_DELAY_MS) return;
  boundary.probing = true;
  const { contextId, id, modified } = pending;
  const since = Math.floor(modified / 1000) - 1;
  const probe = async () => {
    const sentAt = s.rt.now();
    const answer = await s.key.send(
      'background',
      () => contextId,
      (priority) =>
        s.calls.listCustomers(
          { contextId, page: 1, pageLimit: FULL_PAGE, modifiedSince: since },
          { priority },
        ),
    );
    await s.remember(answer.customers, contextId, sentAt);
    boundary.pending = undefined;
    const shown = answer.customers.some((c) => c.id === id && c.modifiedAt.getTime() >= modified);
    // A full page that lacks it proves nothing: the next edit asks again.
    if (!shown && answer.customers.length >= FULL_PAGE) return;
    const before = boundary.state;
    boundary.state = shown ? 'proven' : 'shifted';
    if (!shown && before !== 'shifted')
      s.log.warn(
        { feedBoundary: 'shifted' },
        "SalesBinder's change feed left out an edit made through the gateway a second after the instant asked: its boundary is shifted, so the feed keeps asking two hours back",
      );
  };
  void probe()
    .catch((error: unknown) => s.log.debug({ err: error }, "proving the change feed's boundary failed"))
    .finally(() => {
      boundary.probing = false;
    });
}
