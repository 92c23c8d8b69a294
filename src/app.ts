/**
 * createApp builds the gateway (Yoga with its schema, context and plugins) from its dependencies.
 * It neither listens nor reads the environment: server.ts does that, and tests call it directly.
 */

import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { Tracer } from '@opentelemetry/api';
import {
  createYoga,
  type Plugin,
  processRegularResult,
  useReadinessCheck,
  type YogaServerInstance,
} from 'graphql-yoga';
import type { Config, Upstream } from './config.ts';
import { createContextFactory, endpointFor } from './context.ts';
import type { GatewayContext } from './graphql/gateway-context.ts';
import { schema } from './graphql/index.ts';
import { useAnswerErrorLog } from './graphql/plugins/use-answer-error-log.ts';
import { createGraphiQLPage } from './graphql/plugins/use-graphiql-page.ts';
import { useObservability } from './graphql/plugins/use-observability.ts';
import { useOperationLimits } from './graphql/plugins/use-operation-limits.ts';
import { useSafeErrors } from './graphql/plugins/use-safe-errors.ts';
import {
  createSecretCheck,
  SUBGRAPH_SECRET_HEADER,
  useSchemaHidden,
  useSubgraphSecret,
} from './graphql/plugins/use-subgraph-secret.ts';
import {
  loadManifest,
  type Manifest,
  operationNamesOf,
  useTrustedDocuments,
} from './graphql/plugins/use-trusted-documents.ts';
import { yogaLogger } from './graphql/yoga-logger.ts';
import type { Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { type Budget, type BudgetObserver, createBudget } from './salesbinder/budget/index.ts';
import { createNewcomerCredits } from './salesbinder/budget/newcomers.ts';
import { createMemoryStore } from './salesbinder/budget/store/memory.ts';
import { createRedisStore } from './salesbinder/budget/store/redis.ts';
import { accountOf } from './salesbinder/client.ts';
import { createIdempotency } from './salesbinder/idempotency.ts';
import {
  createAttemptGate,
  createMemoryRateLimiter,
  type RateLimiter,
} from './salesbinder/rate-limits/rate-limiter.ts';
import { createRedisRateLimiter } from './salesbinder/rate-limits/redis-rate-limiter.ts';
import { codecFor } from './transport/codecs.ts';
import { createGuardedTransport } from './transport/guarded-transport.ts';
import { createHttpTransport, type HttpTransport } from './transport/http.ts';

export interface AppDeps {
  config: Pick<
    Config,
    | 'format'
    | 'http'
    | 'graphiql'
    | 'readConcurrency'
    | 'rateLimits'
    | 'retry'
    | 'security'
    | 'redis'
    | 'budget'
    | 'trustProxy'
  >;
  upstream: Upstream;
  logger: Logger;
  /** Pre-fills GraphiQL's headers with this key (the sandbox's public demo key); never a real key. */
  demoApiKey?: string;
  /** Defaults to an undici transport built from `config.http`, behind the limiter and retries. */
  transport?: HttpTransport;
  /** Traces operations and SalesBinder calls when given (server.ts gives one when OTLP is configured). */
  tracer?: Tracer;
  /** Prometheus metrics (served by server.ts on their own listener). @default true */
  metrics?: boolean;
  /**
   * The clock (ms) of everything the budget decides (freshness, key trust, newcomers' credits,
   * what its memory keeps) and of the in-memory rate limits' windows and blocks. Tests move it
   * instead of waiting. Waits for a slot are still timers: a frozen clock does not end them.
   * @default Date.now
   */
  now?: () => number;
}

export interface App {
  metrics: Metrics | undefined;
  /** The per-account limiter (absent when limits are off). */
  limiter: RateLimiter | undefined;
  /** What is remembered of SalesBinder's answers (absent with BUDGET=off). */
  budget: Budget | undefined;
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  /** Readiness: false while starting or draining, so /ready answers 503. */
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

export const EXAMPLE_OPERATION = `# SalesBinder's own Edit Account example. Press the run button: the account is renamed and
# the whole updated account comes back. Every failure is a typed member of the payload.
mutation RenameAccount {
  updateCustomer(
    id: "19d367c8-97c7-409f-bf67-2ad543493648"
    input: { name: "API Renamed Customer" }
  ) {
    __typename
    ... on UpdateCustomerSuccess {
      message
      customer {
        id
        name
        customerNumber
        kind
        officeEmail
        officePhone
        officeFax
        url
        billingAddress { line1 line2 city region country postalCode }
        shippingAddress { line1 line2 city region country postalCode }
        archived
        createdAt
        modifiedAt
      }
    }
    ... on CustomerInputError { message fieldErrors { path message } }
    ... on CustomerNotFoundError { message id }
    ... on SalesBinderRateLimitError { message retryAfterSeconds }
    ... on SalesBinderUnavailableError { message retryable }
    ... on SalesBinderError { message }
  }
}
`;

/** GraphiQL's second tab: a create, safe to run twice (the same idempotencyKey creates one account). */
export const EXAMPLE_CREATE = `# Creates an account. Run it twice: the second run, with the same idempotencyKey, answers
# the first run's account and creates nothing more. kind defaults to CUSTOMER.
mutation CreateAccount {
  createCustomer(
    input: { kind: PROSPECT, name: "GraphiQL Prospect Ltd", officeEmail: "hello@prospect.example" }
    idempotencyKey: "graphiql-example-1"
  ) {
    __typename
    ... on CreateCustomerSuccess { message customer { id name kind customerNumber version } }
    ... on CustomerInputError { message fieldErrors { path message } }
    ... on SalesBinderUnavailableError { message retryable }
    ... on SalesBinderError { message }
  }
}
`;

/** GraphiQL's third tab: load an account's version, then delete it only if it is still that version. */
export const EXAMPLE_DELETE = `# Run LoadAccount, paste its version into the variables as ifMatch, then run DeleteAccount:
# it deletes the account only if no one changed it meanwhile (else CustomerConflictError).
query LoadAccount($id: ID!) {
  customer(id: $id) { id name modifiedAt version }
}

mutation DeleteAccount($id: ID!, $ifMatch: String) {
  deleteCustomer(id: $id, ifMatch: $ifMatch) {
    __typename
    ... on DeleteCustomerSuccess { id message }
    ... on CustomerConflictError { message customer { id name version } }
    ... on CustomerNotFoundError { message id }
    ... on SalesBinderError { message }
  }
}
`;

const EXAMPLE_DELETE_VARIABLES = JSON.stringify(
  { id: '19d367c8-97c7-409f-bf67-2ad543493648', ifMatch: '<the version LoadAccount returned>' },
  null,
  2,
);

function graphiqlHeaders(upstream: Upstream, demoApiKey: string | undefined): string {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${demoApiKey ?? '<your SalesBinder API key>'}`,
  };
  if (upstream.mode === 'accounts') headers['X-SalesBinder-Account'] = upstream.accounts[0] ?? '<account>';
  return JSON.stringify(headers, null, 2);
}

/** Headers a browser app may send; everything else is refused by the preflight. */
const CORS_HEADERS = [
  'authorization',
  'content-type',
  'x-salesbinder-account',
  'x-request-id',
  'x-graphql-yoga-csrf',
];

function corsOptions(origins: readonly string[]) {
  if (origins.length === 0) return false;
  return {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: CORS_HEADERS,
    exposedHeaders: ['x-request-id'],
    credentials: false,
    maxAge: 600,
  };
}

/**
 * Every answer is one JSON document: there are no subscriptions or incremental results here, so
 * Yoga's server-sent-events and multipart answers would only be surface without a use.
 */
function useJsonAnswersOnly(): Plugin {
  return {
    onResultProcess({ resultProcessor, setResultProcessor }) {
      if (resultProcessor !== undefined && resultProcessor !== processRegularResult) {
        setResultProcessor(processRegularResult, 'application/json');
      }
    },
  };
}

function securityPlugins(
  security: Config['security'],
  manifest: Manifest | undefined,
  isRouter: (request: Request) => boolean,
): Plugin[] {
  const plugins: Plugin[] = [
    // A browser only sends these (or a JSON body) after a CORS preflight, so a cross-site form or
    // <img> cannot make a logged-in browser call the API.
    useCSRFPrevention({
      requestHeaders: ['x-graphql-yoga-csrf', 'authorization', SUBGRAPH_SECRET_HEADER],
    }) as Plugin,
    ...useOperationLimits(security),
    useJsonAnswersOnly(),
    useSafeErrors({ suggestions: security.fieldSuggestions, details: security.errorDetails }),
  ];
  // Only the router (proven by the subgraph secret) may send any operation; everyone else only the
  // documents of the manifest. (GraphiQL cannot be on with a manifest: config.ts refuses it.)
  if (manifest) plugins.unshift(useTrustedDocuments(manifest, isRouter));
  if (security.subgraphSecret) plugins.push(useSubgraphSecret(isRouter) as Plugin);
  // `_service` is the whole schema: where introspection is off it is the router's only, and
  // without a secret to prove the router, nobody's (compose from schema/schema.graphql then).
  else if (!security.introspection) plugins.push(useSchemaHidden());
  if (!security.introspection) plugins.push(useDisableIntrospection() as Plugin);
  return plugins;
}

/**
 * The budget's memory: in Redis when replicas share one (REDIS_URL), so that what one learned
 * serves the others, else in this process.
 */
function budgetOf(
  config: Pick<Config, 'budget' | 'redis' | 'retry'>,
  observer: BudgetObserver | undefined,
  now: () => number,
  logger: Logger,
): Budget | undefined {
  const settings = config.budget;
  if (!settings) return undefined;
  const retention = {
    entryMs: settings.deletedMs + settings.freshMs,
    heldMs: Math.max(settings.deletedMs + settings.freshMs, 2 * settings.heldReloadMs),
    // What SalesBinder said of a key is kept as long as it makes a known person.
    trustMs: Math.max(settings.keyTrustMs, settings.knownPersonMs),
    lockMs: settings.freshMs,
  };
  return createBudget({
    settings,
    store: config.redis
      ? createRedisStore({ ...config.redis, retention, now, logger })
      : createMemoryStore(retention, settings.maxRecords, now),
    newcomers: createNewcomerCredits(settings.newcomers),
    observer,
    now,
    callDeadlineMs: config.retry.deadlineMs,
  });
}

/** Every account a request may reach, as the limiter names them: for readiness. */
function accountsOf(upstream: Upstream): string[] {
  const names = upstream.mode === 'single' ? [null] : upstream.accounts;
  return names.map((name) => accountOf(endpointFor(upstream, name)));
}

export function createApp({
  config,
  upstream,
  logger,
  demoApiKey,
  transport,
  tracer,
  metrics: withMetrics = true,
  now = Date.now,
}: AppDeps): App {
  // With REDIS_URL, replicas share each account's windows and blocks; without, each keeps its own
  // (on the app's clock; Redis's windows are on Redis's).
  const limiter = !config.rateLimits
    ? undefined
    : config.redis
      ? createRedisRateLimiter({ ...config.redis, limits: config.rateLimits, logger })
      : createMemoryRateLimiter(config.rateLimits, now);
  const security = config.security;
  const manifest = security.trustedDocuments ? loadManifest(security.trustedDocuments) : undefined;
  const metrics = withMetrics
    ? createMetrics(limiter, {
        operationNames: manifest && operationNamesOf(manifest),
        budgetStore: () => budget?.store,
      })
    : undefined;
  const budget = budgetOf(config, metrics?.budget, now, logger);
  const http =
    transport ??
    createGuardedTransport(createHttpTransport(config.http), {
      ...config.retry,
      gate: limiter && createAttemptGate(limiter, metrics?.limiter),
      observer: metrics?.upstream,
    });
  // Creates' outcomes per idempotencyKey: in Redis when replicas share one, so a retry that lands
  // on another replica creates nothing more either.
  const idempotency = createIdempotency({ redis: config.redis, log: logger, now });
  let ready = true;
  const accounts = accountsOf(upstream);
  // Ready while serving, and unless every account is blocked after a 429 (then no request can
  // succeed here, and a load balancer should know).
  const isReady = async () => {
    if (!ready) return false;
    if (!limiter) return true;
    const blocked = new Set(await limiter.blockedAccounts());
    return !accounts.every((account) => blocked.has(account));
  };
  const isRouter = security.subgraphSecret ? createSecretCheck(security.subgraphSecret) : () => false;
  // GraphiQL bundled into the page: Yoga's default loads it from unpkg, a blank page behind a
  // firewall or offline. The bundle is large, in memory too, so it is loaded on first use only,
  // then served compressed and cacheable.
  const graphiqlPage = createGraphiQLPage(async (options) =>
    (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
  );
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    context: createContextFactory({
      upstream,
      transport: http,
      codec: codecFor(config.format),
      logger,
      readConcurrency: config.readConcurrency,
      onPayload: metrics?.payload,
      onOddRecords: metrics?.upstream.oddRecords,
      trustProxy: config.trustProxy,
      idempotency,
      budget: budget && config.budget ? { budget, sharedHost: config.budget.sharedHost } : undefined,
    }),
    graphiql: config.graphiql
      ? {
          title: 'SalesBinder GraphQL gateway',
          defaultQuery: EXAMPLE_OPERATION,
          headers: graphiqlHeaders(upstream, demoApiKey),
          // The edit first (the tab that opens), then a create and a guarded delete.
          defaultTabs: [
            { query: EXAMPLE_OPERATION },
            { query: EXAMPLE_CREATE },
            { query: EXAMPLE_DELETE, variables: EXAMPLE_DELETE_VARIABLES },
          ].map((tab) => ({ ...tab, headers: graphiqlHeaders(upstream, demoApiKey) })),
        }
      : false,
    renderGraphiQL: graphiqlPage.render,
    landingPage: false,
    // Unexpected errors say "Unexpected error." and nothing more, unless ERROR_DETAILS is on.
    maskedErrors: { isDev: security.errorDetails },
    // One operation per request, no file uploads: neither has a use here, both widen the surface.
    batching: false,
    // The HTTP server refuses a body over MAX_BODY_BYTES on its declared length, before Yoga sees
    // it; Yoga's own limit would wrap every body in a stream transform (and an AbortController).
    maxRequestBodySize: false,
    multipart: false,
    cors: corsOptions(security.corsOrigins),
    logging: yogaLogger(logger),
    plugins: [
      ...securityPlugins(security, manifest, isRouter),
      // Before useObservability, so that the answer this one makes is the one that gets the request id.
      ...(config.graphiql ? [graphiqlPage.plugin] : []),
      useObservability({ logger, metrics, tracer }),
      useAnswerErrorLog(logger),
      useReadinessCheck({ endpoint: '/ready', check: isReady }),
    ],
  });
  return {
    metrics,
    limiter,
    budget,
    yoga,
    setReady: (value) => {
      ready = value;
    },
    close: async () => {
      await Promise.all([http.close(), limiter?.close(), budget?.close(), idempotency.close()]);
    },
  };
}
