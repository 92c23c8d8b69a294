/**
 * The only reader of process.env: parses it once with zod, reports every problem together, and
 * hands the rest of the gateway a typed, frozen Config.
 */
import { z } from 'zod';
import type { OperationLimits } from './graphql/plugins/use-operation-limits.ts';
import type { HttpLimits } from './http/http-server.ts';
import { type BudgetSettings, DEFAULT_BUDGET_SETTINGS } from './salesbinder/budget/index.ts';
import { DEFAULT_NEWCOMER_SETTINGS, type NewcomerSettings } from './salesbinder/budget/newcomers.ts';
import { accountEndpoints, endpointOfBase, isSharedHost, SHARED_HOST } from './salesbinder/endpoints.ts';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './salesbinder/rate-limits/rate-limiter.ts';
import { DEFAULT_REDIS_SETTINGS, type RedisSettings } from './salesbinder/redis.ts';
import { WIRE_FORMATS, type WireFormat } from './transport/codec.ts';
import { DEFAULT_RETRY_OPTIONS, type RetryOptions } from './transport/guarded-transport.ts';
import { DEFAULT_HTTP_OPTIONS, type HttpTransportOptions } from './transport/http.ts';

const DEFAULT_ACCOUNT_URL = 'https://{account}.salesbinder.com';
const ACCOUNT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const optionalBoolean = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1')
  .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** Seconds, fractions allowed (tests use short bounds), at most a day; given in ms as the default. */
const seconds = (fallbackMs: number) =>
  z.coerce
    .number({ error: 'must be a number of seconds' })
    .positive('must be more than 0 seconds')
    .max(86_400, 'must be at most a day')
    .default(fallbackMs / 1000)
    .transform((s) => Math.round(s * 1000));
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

function httpUrl(name: string) {
  return z.url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` }).refine((v) => {
    const u = new URL(v);
    return u.username === '' && u.password === '' && u.search === '' && u.hash === '';
  }, `${name} must not carry credentials, a query or a fragment`);
}

const DEFAULT_SECURITY = {
  maxDepth: 10,
  maxAliases: 10,
  maxTokens: 2_000,
  maxDirectives: 10,
  maxCost: 10_000,
  maxUpdatesPerOperation: 3,
  maxCallsPerOperation: 10,
  maxBodyBytes: 102_400,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
} as const;

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SALESBINDER_URL: httpUrl('SALESBINDER_URL').optional(),
  SALESBINDER_ACCOUNTS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== ''),
    )
    .pipe(
      z
        .array(z.string().regex(ACCOUNT_NAME, 'each account must be a SalesBinder subdomain such as acme'))
        .min(1, 'must name at least one account'),
    )
    .optional(),
  // Checked with the accounts it is filled with, in crossVariableProblems.
  SALESBINDER_ACCOUNT_URL: z.string().default(DEFAULT_ACCOUNT_URL),
  SALESBINDER_FORMAT: z.enum(WIRE_FORMATS).default('json'),
  SALESBINDER_CONNECT_TIMEOUT_MS: positiveInt(DEFAULT_HTTP_OPTIONS.connectTimeoutMs),
  SALESBINDER_HEADERS_TIMEOUT_MS: positiveInt(DEFAULT_HTTP_OPTIONS.headersTimeoutMs),
  SALESBINDER_BODY_TIMEOUT_MS: positiveInt(DEFAULT_HTTP_OPTIONS.bodyTimeoutMs),
  SALESBINDER_DEADLINE_MS: positiveInt(DEFAULT_HTTP_OPTIONS.deadlineMs),
  SALESBINDER_MAX_RESPONSE_BYTES: positiveInt(DEFAULT_HTTP_OPTIONS.maxResponseBytes),
  SALESBINDER_CONNECTIONS: positiveInt(DEFAULT_HTTP_OPTIONS.connectionsPerOrigin),
  SALESBINDER_READ_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(4),
  SALESBINDER_MAX_ORIGINS: positiveInt(DEFAULT_HTTP_OPTIONS.maxOrigins),
  SALESBINDER_RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  SALESBINDER_RATE_LIMIT_10S: positiveInt(DEFAULT_RATE_LIMITS.perTenSeconds),
  SALESBINDER_RATE_LIMIT_60S: positiveInt(DEFAULT_RATE_LIMITS.perMinute),
  SALESBINDER_RATE_HEADROOM: nonNegativeInt(DEFAULT_RATE_LIMITS.headroom),
  SALESBINDER_RATE_MAX_WAIT_MS: nonNegativeInt(DEFAULT_RATE_LIMITS.maxWaitMs),
  SALESBINDER_RETRIES: z.coerce.number().int().min(0).max(5).default(DEFAULT_RETRY_OPTIONS.retries),
  SALESBINDER_RETRY_BASE_MS: nonNegativeInt(DEFAULT_RETRY_OPTIONS.baseDelayMs),
  // The URL may carry a password: the message must not echo it.
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'REDIS_URL must be a redis:// or rediss:// URL' })
    .optional(),
  REDIS_TIMEOUT_MS: positiveInt(DEFAULT_REDIS_SETTINGS.timeoutMs),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits or _ . : -')
    .default(DEFAULT_REDIS_SETTINGS.keyPrefix),
  REDIS_FALLBACK_REPLICAS: positiveInt(DEFAULT_REDIS_SETTINGS.fallbackReplicas),
  SHUTDOWN_DEADLINE_MS: positiveInt(10_000),
  SHUTDOWN_READY_DELAY_MS: nonNegativeInt(5_000),
  BUDGET: z.enum(['on', 'off']).default('on'),
  BUDGET_FRESH_SECONDS: seconds(DEFAULT_BUDGET_SETTINGS.freshMs),
  BUDGET_DELETED_SECONDS: seconds(DEFAULT_BUDGET_SETTINGS.deletedMs),
  BUDGET_KEY_TRUST_SECONDS: seconds(DEFAULT_BUDGET_SETTINGS.keyTrustMs),
  BUDGET_REFUSED_KEY_SECONDS: seconds(DEFAULT_BUDGET_SETTINGS.refusedKeyMs),
  BUDGET_KNOWN_PERSON_SECONDS: seconds(DEFAULT_BUDGET_SETTINGS.knownPersonMs),
  BUDGET_CONDITIONAL_EDITS: z.enum(['remembered', 'fresh']).default(DEFAULT_BUDGET_SETTINGS.conditionalEdits),
  BUDGET_MAX_RECORDS: positiveInt(50_000),
  // At most half an hour: what a listing holds is kept an hour, and renewed by the next listing.
  BUDGET_HELD_RELOAD_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .positive('must be more than 0 seconds')
    .max(1_800, 'must be at most 1800 (what a listing holds is kept an hour)')
    .default(DEFAULT_BUDGET_SETTINGS.heldReloadMs / 1000)
    .transform((s) => Math.round(s * 1000)),
  BUDGET_SEARCHES: z.enum(['memory', 'salesbinder']).default(DEFAULT_BUDGET_SETTINGS.searches),
  BUDGET_DELETED_LOG_KINDS: z
    .string()
    .regex(/^(|(customers|prospects|suppliers)(,(customers|prospects|suppliers))*)$/, {
      error: 'must list kinds among customers, prospects and suppliers, separated by commas',
    })
    .default('customers,suppliers'),
  BUDGET_NEWCOMER_BURST: positiveInt(DEFAULT_NEWCOMER_SETTINGS.burst),
  BUDGET_NEWCOMER_REFILL_SECONDS: seconds(DEFAULT_NEWCOMER_SETTINGS.refillMs),
  SALESBINDER_SHARED_HOST: optionalBoolean,
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  GRAPHIQL: optionalBoolean,
  INTROSPECTION: optionalBoolean,
  FIELD_SUGGESTIONS: optionalBoolean,
  ERROR_DETAILS: optionalBoolean,
  MAX_DEPTH: positiveInt(DEFAULT_SECURITY.maxDepth),
  MAX_ALIASES: nonNegativeInt(DEFAULT_SECURITY.maxAliases),
  MAX_TOKENS: positiveInt(DEFAULT_SECURITY.maxTokens),
  MAX_DIRECTIVES: nonNegativeInt(DEFAULT_SECURITY.maxDirectives),
  MAX_COST: positiveInt(DEFAULT_SECURITY.maxCost),
  MAX_UPDATES_PER_OPERATION: positiveInt(DEFAULT_SECURITY.maxUpdatesPerOperation),
  MAX_CALLS_PER_OPERATION: positiveInt(DEFAULT_SECURITY.maxCallsPerOperation),
  MAX_BODY_BYTES: positiveInt(DEFAULT_SECURITY.maxBodyBytes),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(DEFAULT_SECURITY.headersTimeoutMs),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(DEFAULT_SECURITY.requestTimeoutMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(DEFAULT_SECURITY.keepAliveTimeoutMs),
  CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(
      z.array(
        z
          .string()
          .refine(
            (o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o),
            'each origin must be * or scheme://host[:port]',
          ),
      ),
    )
    .optional(),
  TRUSTED_DOCUMENTS: z.string().min(1).optional(),
  METRICS: z.enum(['on', 'off']).default('on'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT').optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('salesbinder-gateway'),
  SUBGRAPH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
});

/**
 * Rules between variables, checked on what is set rather than on what parsed, so that they are
 * reported together with every other problem (zod skips refinements once a field has failed).
 */
function crossVariableProblems(env: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const hasUrl = env.SALESBINDER_URL !== undefined;
  const hasAccounts = env.SALESBINDER_ACCOUNTS !== undefined;
  if (hasUrl && hasAccounts)
    problems.push('SALESBINDER_ACCOUNTS: set SALESBINDER_URL or SALESBINDER_ACCOUNTS, not both');
  problems.push(...upstreamProblems(env));
  // GraphiQL's requests cannot be told apart from anyone's (any page can send what it sends), so
  // with trusted documents on, GraphiQL would open every operation to everyone.
  if (env.TRUSTED_DOCUMENTS !== undefined && (env.GRAPHIQL === 'true' || env.GRAPHIQL === '1')) {
    problems.push(
      'GRAPHIQL: cannot be on with TRUSTED_DOCUMENTS (GraphiQL sends operations that are not in the manifest, and its requests cannot be told apart from any client): unset one of them',
    );
  }
  const port = Number(env.PORT ?? 4000);
  if (env.METRICS !== 'off' && port !== 0 && Number(env.METRICS_PORT ?? 9464) === port) {
    problems.push('METRICS_PORT: must differ from PORT (metrics have a listener of their own)');
  }
  if (env.NODE_ENV === 'production' && !hasUrl && !hasAccounts) {
    problems.push(
      'SALESBINDER_URL: production needs SALESBINDER_URL or SALESBINDER_ACCOUNTS (the built-in sandbox is for development only)',
    );
  }
  return problems;
}

/**
 * What the URL variables name, checked as requests will use them (salesbinder/endpoints.ts): a base
 * that is SalesBinder's API, an account template that gives each account an endpoint of its own, and
 * no sharing between keys turned off on a host that serves many companies.
 */
function upstreamProblems(env: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const url = env.SALESBINDER_URL;
  if (url !== undefined && URL.canParse(url)) {
    const base = endpointOfBase(new URL(url));
    if ('problem' in base) problems.push(`SALESBINDER_URL: ${base.problem}`);
    const falsy = env.SALESBINDER_SHARED_HOST === 'false' || env.SALESBINDER_SHARED_HOST === '0';
    if (falsy && isSharedHost(new URL(url).hostname)) {
      problems.push(
        `SALESBINDER_SHARED_HOST: cannot be false for ${SHARED_HOST}, which serves every company at one address (the account follows from the key)`,
      );
    }
  }
  const accounts = EnvSchema.shape.SALESBINDER_ACCOUNTS.safeParse(env.SALESBINDER_ACCOUNTS);
  if (env.SALESBINDER_ACCOUNTS !== undefined && accounts.success && accounts.data !== undefined) {
    const template = env.SALESBINDER_ACCOUNT_URL ?? DEFAULT_ACCOUNT_URL;
    const made = accountEndpoints(template, accounts.data);
    if ('problems' in made) problems.push(...made.problems.map((p) => `SALESBINDER_ACCOUNT_URL: ${p}`));
  } else if (env.SALESBINDER_ACCOUNT_URL !== undefined) {
    // Alone it does nothing, but a template that could never work is better told now.
    const made = accountEndpoints(env.SALESBINDER_ACCOUNT_URL, []);
    if ('problems' in made) problems.push(...made.problems.map((p) => `SALESBINDER_ACCOUNT_URL: ${p}`));
  }
  return problems;
}

/** Where calls go: one base URL, or accounts chosen per request by name (X-SalesBinder-Account). */
export type Upstream =
  | { mode: 'single'; baseUrl: URL }
  | { mode: 'accounts'; accounts: readonly string[]; urlTemplate: string };

/** What the configuration says: an Upstream, or the built-in sandbox, which server.ts starts and makes one. */
export type UpstreamConfig = Upstream | { mode: 'sandbox' };

export interface Config {
  port: number;
  host: string;
  production: boolean;
  logLevel: string;
  upstream: UpstreamConfig;
  format: WireFormat;
  http: HttpTransportOptions;
  /** Account reads one request makes at once (SalesBinder has no batch read). */
  readConcurrency: number;
  /** The per-account limiter's settings; false only where SalesBinder's limits are off (benchmarks). */
  rateLimits: RateLimits | false;
  retry: RetryOptions;
  /** Where replicas share each account's limiter state; absent: the in-memory limiter. */
  redis: RedisSettings | undefined;
  /** How long in-flight requests may take after SIGTERM before the process exits anyway. */
  shutdownDeadlineMs: number;
  /** How long /ready answers 503 after SIGTERM before the listener closes (load balancers' probes). */
  shutdownReadyDelayMs: number;
  /** What is remembered of SalesBinder's answers, for whom and how long; false: nothing (BUDGET=off). */
  budget: BudgetConfig | false;
  /** Proxies in front of the gateway whose X-Forwarded-For is believed (0: the socket's address). */
  trustProxy: number;
  graphiql: boolean;
  security: SecurityConfig;
  /** Prometheus metrics at /metrics, on a listener of their own. */
  metrics: boolean;
  /** The metrics listener's port (on `host`); 0 for a free one. */
  metricsPort: number;
  /** OTLP/HTTP traces go to `${endpoint}/v1/traces` when set. */
  tracing: { endpoint: string; serviceName: string } | undefined;
}

export interface BudgetConfig extends BudgetSettings {
  newcomers: NewcomerSettings;
  /** Accounts remembered per replica without Redis. */
  maxRecords: number;
  /**
   * Whether the host serves many accounts, the account following from the key
   * (app.salesbinder.com): then nothing is shared between keys. @default true for app.salesbinder.com
   */
  sharedHost: boolean;
}

/** What a client may send: see docs/security.md for each. */
export interface SecurityConfig extends OperationLimits, HttpLimits {
  introspection: boolean;
  fieldSuggestions: boolean;
  /** Original messages and stacks of unexpected errors in responses (development only). */
  errorDetails: boolean;
  /** Origins browsers may call from; empty for none, `*` for any. */
  corsOrigins: readonly string[];
  /** Path of a persisted-documents manifest; when set, only its operations run (the router's requests excepted). */
  trustedDocuments: string | undefined;
  /** When set, `_entities`/`_service` need `X-Subgraph-Secret`, and it marks a request internal. */
  subgraphSecret: string | undefined;
}

/** Variables whose value may hold a secret or credentials: never repeated in a message. */
const UNQUOTED = new Set([
  'SALESBINDER_URL',
  'SALESBINDER_ACCOUNT_URL',
  'REDIS_URL',
  'SUBGRAPH_SECRET',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'TRUSTED_DOCUMENTS',
]);

/**
 * One of zod's issues in an operator's words, led by the variable: `PORT: must be a whole number
 * (it is "abc")` rather than the validator's `Invalid input: expected number, received NaN`. The
 * value is quoted back only where it cannot be a secret, and cut short.
 */
function problemOf(issue: z.core.$ZodIssue, env: Readonly<Record<string, string>>): string {
  const name = String(issue.path[0] ?? 'environment');
  const value = env[name];
  const quoted =
    value === undefined || UNQUOTED.has(name)
      ? ''
      : ` (it is ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `${name}: ${plainWords(issue, name)}${quoted}`;
}

function plainWords(issue: z.core.$ZodIssue, name: string): string {
  // Our own messages (refine, regex, url, `error:`) are plain words already; some name the variable.
  if (!/^(Invalid|Too small|Too big)\b/.test(issue.message))
    return issue.message.startsWith(`${name} `) ? issue.message.slice(name.length + 1) : issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      // Not a number at all: say whether a fraction would do.
      const field = EnvSchema.shape[name as keyof typeof EnvSchema.shape];
      const whole = issue.expected === 'int' || (field !== undefined && !field.safeParse('0.5').success);
      return whole ? 'must be a whole number' : 'must be a number';
    }
    case 'too_small':
      if (issue.origin === 'string') return `must be at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return issue.message;
      return issue.inclusive ? `must be ${issue.minimum} or more` : `must be more than ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return issue.inclusive ? `must be ${issue.maximum} or less` : `must be less than ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/** One line per variable, its problems joined, in the order they were found. */
function byVariable(problems: readonly string[]): string[] {
  const lines = new Map<string, string[]>();
  for (const problem of problems) {
    const at = problem.indexOf(': ');
    const name = at > 0 ? problem.slice(0, at) : 'environment';
    const text = at > 0 ? problem.slice(at + 2) : problem;
    const texts = lines.get(name) ?? [];
    if (!texts.includes(text)) texts.push(text);
    lines.set(name, texts);
  }
  return [...lines].map(([name, texts]) => `${name}: ${texts.join('; ')}`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(
      `The gateway cannot start: ${problems.length === 1 ? 'one setting needs' : `${problems.length} settings need`} fixing (every variable is described in docs/configuration.md):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

/** Parses the environment; throws one ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  // An empty variable means unset, as in most shells' and orchestrators' habits.
  const present = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
  const parsed = EnvSchema.safeParse(present);
  const problems = byVariable([
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => problemOf(issue, present))),
    ...crossVariableProblems(present),
  ]);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  let upstream: UpstreamConfig;
  if (e.SALESBINDER_URL !== undefined) upstream = { mode: 'single', baseUrl: new URL(e.SALESBINDER_URL) };
  else if (e.SALESBINDER_ACCOUNTS !== undefined)
    upstream = { mode: 'accounts', accounts: e.SALESBINDER_ACCOUNTS, urlTemplate: e.SALESBINDER_ACCOUNT_URL };
  else upstream = { mode: 'sandbox' };
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    production,
    logLevel: e.LOG_LEVEL,
    upstream,
    format: e.SALESBINDER_FORMAT,
    http: {
      ...DEFAULT_HTTP_OPTIONS,
      connectTimeoutMs: e.SALESBINDER_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: e.SALESBINDER_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.SALESBINDER_BODY_TIMEOUT_MS,
      deadlineMs: e.SALESBINDER_DEADLINE_MS,
      maxResponseBytes: e.SALESBINDER_MAX_RESPONSE_BYTES,
      connectionsPerOrigin: e.SALESBINDER_CONNECTIONS,
      maxOrigins: e.SALESBINDER_MAX_ORIGINS,
    },
    rateLimits:
      e.SALESBINDER_RATE_LIMITS === 'off'
        ? false
        : {
            perTenSeconds: e.SALESBINDER_RATE_LIMIT_10S,
            perMinute: e.SALESBINDER_RATE_LIMIT_60S,
            headroom: e.SALESBINDER_RATE_HEADROOM,
            maxWaitMs: e.SALESBINDER_RATE_MAX_WAIT_MS,
          },
    retry: {
      retries: e.SALESBINDER_RETRIES,
      baseDelayMs: e.SALESBINDER_RETRY_BASE_MS,
      deadlineMs: e.SALESBINDER_DEADLINE_MS,
    },
    redis:
      e.REDIS_URL === undefined
        ? undefined
        : {
            url: e.REDIS_URL,
            timeoutMs: e.REDIS_TIMEOUT_MS,
            keyPrefix: e.REDIS_KEY_PREFIX,
            fallbackReplicas: e.REDIS_FALLBACK_REPLICAS,
          },
    shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    shutdownReadyDelayMs: e.SHUTDOWN_READY_DELAY_MS,
    budget:
      e.BUDGET === 'off'
        ? false
        : {
            ...DEFAULT_BUDGET_SETTINGS,
            freshMs: e.BUDGET_FRESH_SECONDS,
            deletedMs: e.BUDGET_DELETED_SECONDS,
            keyTrustMs: e.BUDGET_KEY_TRUST_SECONDS,
            refusedKeyMs: e.BUDGET_REFUSED_KEY_SECONDS,
            knownPersonMs: e.BUDGET_KNOWN_PERSON_SECONDS,
            conditionalEdits: e.BUDGET_CONDITIONAL_EDITS,
            maxRecords: e.BUDGET_MAX_RECORDS,
            searches: e.BUDGET_SEARCHES,
            heldReloadMs: e.BUDGET_HELD_RELOAD_SECONDS,
            deletedLogKinds: e.BUDGET_DELETED_LOG_KINDS.split(',')
              .filter((kind) => kind !== '')
              .map((kind) => ({ customers: 2, prospects: 8, suppliers: 10 })[kind] as 2 | 8 | 10),
            newcomers: {
              ...DEFAULT_NEWCOMER_SETTINGS,
              burst: e.BUDGET_NEWCOMER_BURST,
              refillMs: e.BUDGET_NEWCOMER_REFILL_SECONDS,
            },
            sharedHost:
              e.SALESBINDER_SHARED_HOST ??
              (upstream.mode === 'single' && isSharedHost(upstream.baseUrl.hostname)),
          },
    trustProxy: e.TRUST_PROXY,
    readConcurrency: e.SALESBINDER_READ_CONCURRENCY,
    // Trusted documents and GraphiQL exclude each other (see crossVariableProblems).
    graphiql: e.GRAPHIQL ?? (!production && e.TRUSTED_DOCUMENTS === undefined),
    metrics: e.METRICS === 'on',
    metricsPort: e.METRICS_PORT,
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME }
      : undefined,
    security: {
      introspection: e.INTROSPECTION ?? !production,
      fieldSuggestions: e.FIELD_SUGGESTIONS ?? !production,
      errorDetails: e.ERROR_DETAILS ?? !production,
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxTokens: e.MAX_TOKENS,
      maxDirectives: e.MAX_DIRECTIVES,
      maxCost: e.MAX_COST,
      maxUpdatesPerOperation: e.MAX_UPDATES_PER_OPERATION,
      maxCallsPerOperation: e.MAX_CALLS_PER_OPERATION,
      maxBodyBytes: e.MAX_BODY_BYTES,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      // Development serves any origin (a frontend on localhost:3000); production none unless listed.
      corsOrigins: e.CORS_ORIGINS ?? (production ? [] : ['*']),
      trustedDocuments: e.TRUSTED_DOCUMENTS,
      subgraphSecret: e.SUBGRAPH_SECRET,
    },
  });
}
