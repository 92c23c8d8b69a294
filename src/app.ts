/**
 * createApp builds the gateway (Yoga with its schema, context and plugins) from its dependencies.
 * It neither listens nor reads the environment: server.ts does that, and tests call it directly.
 */
import { createYoga, type Plugin, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config.ts';
import { createContextFactory, type GatewayContext, type Upstream } from './context.ts';
import { schema } from './graphql/index.ts';
import type { Logger } from './logger.ts';
import { codecFor } from './transport/codec.ts';
import { createGuardedTransport } from './transport/guarded-transport.ts';
import { createHttpTransport, type HttpTransport } from './transport/http.ts';
import { createRateLimiter, type RateLimiter } from './transport/rate-limiter.ts';

export interface AppDeps {
  config: Pick<Config, 'format' | 'http' | 'graphiql' | 'readConcurrency' | 'rateLimits' | 'retry'>;
  upstream: Upstream;
  logger: Logger;
  /** Pre-fills GraphiQL's headers with this key (the sandbox's public demo key); never a real key. */
  demoApiKey?: string;
  /** Defaults to an undici transport built from `config.http`, behind the limiter and retries. */
  transport?: HttpTransport;
}

export interface App {
  /** The per-account limiter (absent when limits are off). */
  limiter: RateLimiter | undefined;
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

function graphiqlHeaders(upstream: Upstream, demoApiKey: string | undefined): string {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${demoApiKey ?? '<your SalesBinder API key>'}`,
  };
  if (upstream.mode === 'accounts') headers['X-SalesBinder-Account'] = upstream.accounts[0] ?? '<account>';
  return JSON.stringify(headers, null, 2);
}

/** Logs what Yoga will mask (anything not a GraphQLError) with the request's id, never the variables. */
function useUnexpectedErrorLog(): Plugin<GatewayContext> {
  return {
    onExecute: () => ({
      onExecuteDone: ({ args, result }) => {
        if (!('errors' in result) || !result.errors) return;
        for (const error of result.errors) {
          const original = error.originalError;
          if (original && original.name !== 'GraphQLError') {
            args.contextValue.log.error(
              { err: original, path: error.path },
              'unexpected error in the gateway',
            );
          }
        }
      },
    }),
  };
}

export function createApp({ config, upstream, logger, demoApiKey, transport }: AppDeps): App {
  const limiter = config.rateLimits ? createRateLimiter(config.rateLimits) : undefined;
  const http =
    transport ?? createGuardedTransport(createHttpTransport(config.http), { ...config.retry, limiter });
  let ready = true;
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    context: createContextFactory({
      upstream,
      transport: http,
      codec: codecFor(config.format),
      logger,
      readConcurrency: config.readConcurrency,
    }),
    graphiql: config.graphiql
      ? {
          title: 'SalesBinder GraphQL gateway',
          defaultQuery: EXAMPLE_OPERATION,
          headers: graphiqlHeaders(upstream, demoApiKey),
        }
      : false,
    landingPage: false,
    maskedErrors: true,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    plugins: [useUnexpectedErrorLog(), useReadinessCheck({ endpoint: '/ready', check: () => ready })],
  });
  return {
    limiter,
    yoga,
    setReady: (value) => {
      ready = value;
    },
    close: () => http.close(),
  };
}
