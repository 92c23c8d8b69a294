/**
 * Prometheus metrics (prom-client), on a registry of their own per app: GraphQL operations by
 * name, type and outcome; the typed failures edits end in; every SalesBinder attempt by endpoint,
 * status class and outcome, with latency; retries; limiter waits, refusals and open blocks. They
 * are served on a listener of their own, never on the API's port.
 */
import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

// Observability imports nothing of the gateway, so that every layer may use it: what the metrics
// read and the observers they offer are written here in their own terms, and app.ts hands them to
// the layers, where the compiler checks that they fit (transport's UpstreamObserver, the rate
// limits' LimiterObserver, the budget's BudgetObserver).

/** What the metrics read of the account limiter at each scrape. */
export interface LimiterReadings {
  blockedAccounts(): Promise<string[]>;
  usage(): Promise<ReadonlyArray<{ account: string; tenSeconds: number; minute: number }>>;
  health(): { degraded: boolean };
}

export interface OperationObservation {
  /** The client's operation name, bounded before it becomes a label. */
  name: string | undefined;
  /** SalesBinder accepted the caller's key during this operation: its name may become a label. */
  vouched: boolean;
  /** The accepted key's hash: each key may bring only a few names (see MAX_NAMES_PER_KEY). */
  voucher?: string | undefined;
  type: 'query' | 'mutation' | 'subscription' | 'unknown';
  outcome: 'success' | 'error';
  seconds: number;
}

export interface Metrics {
  registry: Registry;
  /** Every attempt at SalesBinder (status or failure, latency) and every retry. */
  upstream: {
    attempt(endpoint: string, status: number | undefined, failure: string | undefined, seconds: number): void;
    retry(endpoint: string): void;
    /** Account records SalesBinder answered that could not be read, left out of the answer. */
    oddRecords(endpoint: string, count: number): void;
  };
  /** Waits for a slot in an account's windows, and calls refused without reaching SalesBinder. */
  limiter: { wait(seconds: number): void; refusal(reason: string): void };
  /** Calls the budget saved, and callers it refused without asking SalesBinder. */
  budget: {
    saved(reason: string): void;
    refused(cause: string): void;
    searchChecked(result: 'same' | 'different'): void;
  };
  operation(observation: OperationObservation): void;
  /** A mutation (updateCustomer, createCustomer, deleteCustomer) ended in this member of its payload. */
  payload(mutation: string, type: string): void;
  /** The Prometheus text exposition. */
  text(): Promise<string>;
  contentType: string;
}

/**
 * Operation names are the client's words. With a trusted-documents manifest, only the manifest's
 * names become labels. Without one, a name becomes a label only once a caller whose key SalesBinder
 * accepted has sent it (a caller without a working key cannot fill the set), plain names only, at
 * most MAX_NAMES_PER_KEY new names per key (one valid key, even a view-only one served from
 * memory, filled all 200 with about 206 requests), and only so many in all; a label once given
 * stays, so nothing can evict it. Any other name counts as `other`.
 */
const MAX_OPERATION_NAMES = 200;
const MAX_NAMES_PER_KEY = 10;
/** Keys remembered for MAX_NAMES_PER_KEY; past it, unknown keys bring no new name. */
const MAX_VOUCHERS = 10_000;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

function statusClass(status: number | undefined): string {
  return status === undefined ? 'none' : `${Math.floor(status / 100)}xx`;
}

export interface MetricsOptions {
  /** prom-client's process metrics (memory, CPU, event loop, GC). @default true */
  defaultMetrics?: boolean;
  /** The only operation names that become labels (the trusted documents'); unset: see MAX_OPERATION_NAMES. */
  operationNames?: ReadonlySet<string> | undefined;
  /** The budget's memory, for its health. */
  budgetStore?: () => { health(): { degraded: boolean } } | undefined;
}

export function createMetrics(limiter: LimiterReadings | undefined, options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations, by operation name, type and outcome (error: the answer carries GraphQL errors).',
    labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
    registers: [registry],
  });
  const operationSeconds = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'Time to execute a GraphQL operation, SalesBinder calls included.',
    labelNames: ['operation_type'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const payloads = new Map(
    (['updateCustomer', 'createCustomer', 'deleteCustomer'] as const).map((mutation) => {
      const snake = mutation.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      const success = `${mutation[0]?.toUpperCase()}${mutation.slice(1)}Success`;
      return [
        mutation,
        new Counter({
          name: `graphql_${snake}_results_total`,
          help: `${mutation} answers by payload member: ${success} or a typed failure.`,
          labelNames: ['type'] as const,
          registers: [registry],
        }),
      ] as const;
    }),
  );
  const attempts = new Counter({
    name: 'salesbinder_requests_total',
    help: 'Calls (attempts) to SalesBinder, by endpoint, HTTP status class and outcome.',
    labelNames: ['endpoint', 'status_class', 'outcome'] as const,
    registers: [registry],
  });
  const attemptSeconds = new Histogram({
    name: 'salesbinder_request_duration_seconds',
    help: 'Latency of one attempt at SalesBinder, until the whole body is read.',
    labelNames: ['endpoint'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const retries = new Counter({
    name: 'salesbinder_retries_total',
    help: 'Retries after a connection failure or 502/503/504/522.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  });
  const limiterWaitSeconds = new Histogram({
    name: 'salesbinder_limiter_wait_seconds',
    help: "Time calls waited for a slot in the account's rate-limit windows (only calls that waited).",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'salesbinder_limiter_refusals_total',
    help: 'Calls refused locally, without reaching SalesBinder: rate_limit (the account’s windows are full), person_share (one key used its share while others use the account too) or blocked (after a 429).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'salesbinder_blocked_accounts',
    help: 'Accounts blocked after a 429 from SalesBinder, at the time of the scrape.',
    registers: [registry],
    async collect() {
      this.set(limiter ? (await limiter.blockedAccounts()).length : 0);
    },
  });
  new Gauge({
    name: 'salesbinder_limiter_degraded',
    help: '1 while the shared (Redis) limiter is unreachable and this replica limits on its local share.',
    registers: [registry],
    collect() {
      this.set(limiter?.health().degraded ? 1 : 0);
    },
  });

  const oddRecords = new Counter({
    name: 'salesbinder_odd_records_total',
    help: 'Account records SalesBinder answered without an id, name, created or modified, by endpoint: left out of list answers (the rest served), a view of one fails alone.',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  });
  const searchChecks = new Counter({
    name: 'salesbinder_search_checks_total',
    help: 'Searches answered from memory that were also asked of SalesBinder, by result: same, or different (the account’s searches are then asked of SalesBinder).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const saved = new Counter({
    name: 'salesbinder_calls_saved_total',
    help: 'SalesBinder calls not made, by reason: remembered (served from memory), in_flight (shared another caller’s call under way), refused_key (a key SalesBinder refused a moment ago).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const refusedBy = new Counter({
    name: 'salesbinder_refusals_total',
    help: 'Callers refused, by cause: rate_limit (the account’s windows are full), person_share (one key used its share while others use the account too), blocked (after a 429), newcomers (too many keys SalesBinder has not accepted from one address), refused_key (refused here after SalesBinder’s 401), salesbinder_401/403/429 (SalesBinder’s own answers).',
    labelNames: ['cause'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'salesbinder_rate_limit_calls',
    help: 'Calls that may count in SalesBinder’s 10 s and 60 s windows per account (sent, on their way, or waiting for their instant; SalesBinder allows 15 and 50), at the time of the scrape.',
    labelNames: ['account', 'window'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const usage of (await limiter?.usage()) ?? []) {
        this.set({ account: usage.account, window: '10s' }, usage.tenSeconds);
        this.set({ account: usage.account, window: '60s' }, usage.minute);
      }
    },
  });
  new Gauge({
    name: 'salesbinder_budget_store_degraded',
    help: '1 while the budget’s memory (Redis) does not answer: nothing is served from memory meanwhile.',
    registers: [registry],
    collect() {
      this.set(options.budgetStore?.()?.health().degraded ? 1 : 0);
    },
  });

  const fixedNames = options.operationNames;
  const names = new Set<string>();
  /** New names each key brought, by the key's hash. */
  const broughtBy = new Map<string, number>();
  const labelOf = (name: string | undefined, vouched: boolean, voucher: string | undefined): string => {
    if (name === undefined) return 'anonymous';
    if (fixedNames) return fixedNames.has(name) ? name : 'other';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (names.has(name)) return name;
    if (!vouched || names.size >= MAX_OPERATION_NAMES) return 'other';
    if (voucher !== undefined) {
      const brought = broughtBy.get(voucher) ?? 0;
      if (brought >= MAX_NAMES_PER_KEY) return 'other';
      if (brought === 0 && broughtBy.size >= MAX_VOUCHERS) return 'other';
      broughtBy.set(voucher, brought + 1);
    }
    names.add(name);
    return name;
  };

  const upstream: Metrics['upstream'] = {
    attempt(endpoint, status, failure, seconds) {
      const outcome = failure ?? (status !== undefined && status < 400 ? 'ok' : 'http_error');
      attempts.inc({ endpoint, status_class: statusClass(status), outcome });
      attemptSeconds.observe({ endpoint }, seconds);
      if (status === 401 || status === 403 || status === 429)
        refusedBy.inc({ cause: `salesbinder_${status}` });
    },
    retry: (endpoint) => retries.inc({ endpoint }),
    oddRecords: (endpoint, count) => oddRecords.inc({ endpoint }, count),
  };
  const limiterObserver: Metrics['limiter'] = {
    wait: (seconds) => limiterWaitSeconds.observe(seconds),
    refusal: (reason) => {
      refusals.inc({ reason });
      refusedBy.inc({ cause: reason });
    },
  };
  const budget: Metrics['budget'] = {
    saved: (reason) => saved.inc({ reason }),
    refused: (cause) => refusedBy.inc({ cause }),
    searchChecked: (result) => searchChecks.inc({ result }),
  };

  return {
    registry,
    upstream,
    limiter: limiterObserver,
    budget,
    operation({ name, vouched, voucher, type, outcome, seconds }) {
      operations.inc({ operation_name: labelOf(name, vouched, voucher), operation_type: type, outcome });
      operationSeconds.observe({ operation_type: type }, seconds);
    },
    payload: (mutation, type) => payloads.get(mutation as 'updateCustomer')?.inc({ type }),
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/**
 * The metrics listener: `GET /metrics` and nothing else, apart from the API so that the metrics are
 * not exposed wherever the API is.
 */
export function createMetricsServer(metrics: Pick<Metrics, 'text' | 'contentType'>): Server {
  return createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics unavailable\n'),
    );
  });
}
