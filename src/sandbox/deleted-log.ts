/**
 * SalesBinder's deletion feed, `deleted_log.{json|xml}?contextId=&deletedSince=&page=&pageLimit=`:
 * the ids of accounts deleted since an instant. Every deletion in the sandbox (through the API or
 * in "SalesBinder itself") goes through `record`, so the feed and the store never disagree.
 *
 * Which kinds SalesBinder logs is known only in part: clients read it for customers (2) and
 * suppliers (10); prospects (8) are not known to be covered. `kinds` says which are; a kind that is
 * not answers as SalesBinder most likely would, with an empty feed (count 0), so the gateway can
 * be tested on both. The answer's records come as an array of arrays (as the List's do) or flat:
 * clients read both.
 */
export interface DeletedLogOptions {
  /** The kinds (context ids) whose deletions the feed lists. @default [2, 10] */
  kinds?: readonly number[];
  /** `nested`: `deletedlog` is an array of one-record arrays; `flat`: an array of records. @default 'nested' */
  layout?: 'nested' | 'flat';
}

const DEFAULT_DELETED_LOG_KINDS: readonly number[] = [2, 10];
/** Deletions kept, oldest forgotten first, so a long-running sandbox does not grow. */
const MAX_ENTRIES = 100_000;

interface Entry {
  contextId: number;
  id: string;
  /** When it was deleted (ms, the sandbox's clock). */
  at: number;
}

export interface DeletedLog {
  /** Notes a deletion, covered kind or not (whether the feed shows it is decided when asked). */
  record(contextId: number, id: string, at: number): void;
  /** The entries the feed lists for a kind deleted after `sinceSeconds` (epoch seconds; the second itself left out), oldest first. */
  since(contextId: number, sinceSeconds: number): Array<{ context_id: number; record_id: string }>;
  readonly layout: 'nested' | 'flat';
  configure(options: DeletedLogOptions): void;
  clear(): void;
}

export function createDeletedLog(options: DeletedLogOptions = {}): DeletedLog {
  const entries: Entry[] = [];
  let kinds = new Set(options.kinds ?? DEFAULT_DELETED_LOG_KINDS);
  let layout = options.layout ?? 'nested';
  return {
    record(contextId, id, at) {
      entries.push({ contextId, id, at });
      if (entries.length > MAX_ENTRIES) entries.splice(0, entries.length - MAX_ENTRIES);
    },
    since(contextId, sinceSeconds) {
      if (!kinds.has(contextId)) return [];
      return entries
        .filter((entry) => entry.contextId === contextId && entry.at >= (sinceSeconds + 1) * 1000)
        .map((entry) => ({ context_id: entry.contextId, record_id: entry.id }));
    },
    get layout() {
      return layout;
    },
    configure(next) {
      if (next.kinds) kinds = new Set(next.kinds);
      if (next.layout) layout = next.layout;
    },
    clear() {
      entries.length = 0;
    },
  };
}
