/**
 * Who is calling and where their calls go, worked out per request. A request carries its own
 * SalesBinder key; the client built from it lives only as long as the request.
 */
import { Buffer } from 'node:buffer';
import type { Context as OtelContext, Tracer } from '@opentelemetry/api';
import DataLoader from 'dataloader';
import pMap from 'p-map';
import type { Upstream } from './config.ts';
import type { Customer } from './domain/customer.ts';
import type { GatewayContext } from './graphql/gateway-context.ts';
import { clientAddressOf, sourceOf } from './http/client-address.ts';
import { requestIdOf } from './http/request-id.ts';
import type { Logger } from './observability/logger.ts';
import type { SalesBinderApi } from './salesbinder/api.ts';
import { type Budget, keyHashOf } from './salesbinder/budget/index.ts';
import {
  accountOf,
  endpointFromUrl,
  SalesBinderClient,
  type SalesBinderEndpoint,
} from './salesbinder/client.ts';
import { accountEndpoints } from './salesbinder/endpoints.ts';
import { AccountError, SalesBinderError } from './salesbinder/errors.ts';
import { fingerprintOf, type Idempotency } from './salesbinder/idempotency.ts';
import type { WireCodec } from './transport/codec.ts';
import type { HttpTransport } from './transport/http.ts';

export type Credentials = { ok: true; apiKey: string } | { ok: false; problem: 'missing' | 'malformed' };

// SalesBinder's keys are 40 letters and digits; allowing a little more keeps the gateway usable
// if that changes, while nothing that could break a header or a log line gets through.
const API_KEY = /^[A-Za-z0-9_-]{8,128}$/;

/** Reads `Authorization: Bearer <key>` or `Basic base64(<key>:<anything>)`. */
export function credentialsFrom(authorization: string | null): Credentials {
  if (authorization === null || authorization.trim() === '') return { ok: false, problem: 'missing' };
  const match = /^(Bearer|Basic)[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!match) return { ok: false, problem: 'malformed' };
  const [, scheme = '', token = ''] = match;
  let apiKey = token;
  if (scheme.toLowerCase() === 'basic') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return { ok: false, problem: 'malformed' };
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    apiKey = colon === -1 ? decoded : decoded.slice(0, colon);
  }
  return API_KEY.test(apiKey) ? { ok: true, apiKey } : { ok: false, problem: 'malformed' };
}

const ACCOUNT_HEADER = 'x-salesbinder-account';

/**
 * Every endpoint a request may reach, worked out once from configuration (and checked by it at
 * start-up): a request's header only ever selects one of these, and no URL is ever built from what
 * a client sends.
 */
const endpointsOf = new WeakMap<Upstream, ReadonlyMap<string, SalesBinderEndpoint>>();

function endpointsOfAccounts(
  upstream: Extract<Upstream, { mode: 'accounts' }>,
): ReadonlyMap<string, SalesBinderEndpoint> {
  let endpoints = endpointsOf.get(upstream);
  if (!endpoints) {
    const made = accountEndpoints(upstream.urlTemplate, upstream.accounts);
    if ('problems' in made) throw new Error(`SALESBINDER_ACCOUNT_URL: ${made.problems.join('; ')}`);
    endpoints = made.endpoints;
    endpointsOf.set(upstream, endpoints);
  }
  return endpoints;
}

/** Picks the endpoint for a request: in accounts mode, the configured account its header names. */
export function endpointFor(upstream: Upstream, accountHeader: string | null): SalesBinderEndpoint {
  if (upstream.mode === 'single') return endpointFromUrl(upstream.baseUrl);
  if (accountHeader === null || accountHeader.trim() === '') {
    throw new AccountError('Name the SalesBinder account in the X-SalesBinder-Account header');
  }
  const endpoint = endpointsOfAccounts(upstream).get(accountHeader.trim().toLowerCase());
  if (!endpoint) throw new AccountError('X-SalesBinder-Account names an account this gateway does not serve');
  return endpoint;
}

export interface ContextDeps {
  upstream: Upstream;
  transport: HttpTransport;
  codec: WireCodec;
  logger: Logger;
  /** Reads in flight at once for one request's loader (SalesBinder has no batch read). @default 4 */
  readConcurrency?: number;
  /** Told which member of UpdateCustomerPayload each edit ended in (for metrics). */
  onPayload?: ((mutation: string, type: string) => void) | undefined;
  /** Told of account records SalesBinder answered that could not be read (for metrics). */
  onOddRecords?: ((endpoint: string, count: number) => void) | undefined;
  /** What SalesBinder answered, remembered for others under the budget's rules; absent: every read is a call. */
  budget?: { budget: Budget; sharedHost: boolean } | undefined;
  /** Proxies whose X-Forwarded-For is believed when telling where a request came from. @default 0 */
  trustProxy?: number;
  /** Keeps creates' outcomes per idempotencyKey. */
  idempotency: Idempotency;
}

/** What the Node server adds to Yoga's context: the socket a request came in on. */
interface ServerContext {
  req?: { socket?: { remoteAddress?: string | undefined } } | undefined;
}

async function readEach(
  api: () => SalesBinderApi,
  ids: readonly string[],
  concurrency: number,
  read: (api: SalesBinderApi, id: string) => Promise<Customer> = (client, id) => client.getCustomer(id),
): Promise<Array<Customer | null | Error>> {
  let client: SalesBinderApi;
  try {
    client = api();
  } catch (error) {
    return ids.map(() => error as Error);
  }
  return pMap(
    ids,
    (id) =>
      read(client, id).catch((error: unknown) => {
        if (error instanceof SalesBinderError && error.code === 'SB_NOT_FOUND') return null;
        return error instanceof Error ? error : new Error(String(error));
      }),
    { concurrency },
  );
}

export function createContextFactory({
  upstream,
  transport,
  codec,
  logger,
  readConcurrency = 4,
  onPayload,
  onOddRecords,
  budget,
  trustProxy = 0,
  idempotency,
}: ContextDeps) {
  // Fail at start-up, not on the first request, if the template cannot make safe URLs.
  if (upstream.mode === 'accounts') endpointFor(upstream, upstream.accounts[0] ?? null);
  // In single mode every request goes to the same place: work that out once.
  const fixedEndpoint = upstream.mode === 'single' ? endpointFromUrl(upstream.baseUrl) : undefined;

  return ({ request, req }: { request: Request } & ServerContext): GatewayContext => {
    const requestId = requestIdOf(request);
    const log = logger.child({ requestId });
    let client: SalesBinderApi | undefined;
    /** Whose idempotency keys this request's are: set with the client. */
    let scope: { account: string; keyHash: string } | undefined;
    let loader: DataLoader<string, Customer | null> | undefined;
    let tracing: { tracer: Tracer; parent: OtelContext } | undefined;
    let accepted = false;
    let keyHash: string | undefined;
    const refused: Record<string, number> = {};
    const context: GatewayContext = {
      keyAccepted: () => accepted,
      acceptedKeyHash: () => (accepted ? keyHash : undefined),
      refusedCalls: () => refused,
      callerId: () => keyHash?.slice(0, 8),
      setTracing(value) {
        tracing = value;
      },
      requestId,
      log,
      onPayload,
      customerLoader() {
        loader ??= new DataLoader((ids) => readEach(() => context.salesbinder(), ids, readConcurrency));
        return loader;
      },
      async customerForCheck(id) {
        if (budget?.budget.settings.conditionalEdits !== 'fresh') return context.customerLoader().load(id);
        const [current] = await readEach(
          () => context.salesbinder(),
          [id],
          1,
          (api, one) => api.getCustomer(one, { purpose: 'check' }),
        );
        if (current instanceof Error) throw current;
        context
          .customerLoader()
          .clear(id)
          .prime(id, current ?? null);
        return current ?? null;
      },
      salesbinder() {
        if (client) return client;
        const credentials = credentialsFrom(request.headers.get('authorization'));
        if (!credentials.ok) {
          throw new SalesBinderError(
            'SB_AUTH',
            credentials.problem === 'missing'
              ? 'No SalesBinder API key was given: send Authorization: Bearer <key>'
              : 'The Authorization header is malformed: send Bearer <key> or Basic base64(<key>:x)',
          );
        }
        const endpoint = fixedEndpoint ?? endpointFor(upstream, request.headers.get(ACCOUNT_HEADER));
        keyHash = keyHashOf(credentials.apiKey);
        const account = accountOf(endpoint);
        scope = { account, keyHash };
        const calls = new SalesBinderClient({
          transport,
          codec,
          endpoint,
          apiKey: credentials.apiKey,
          log,
          requestId,
          trace: tracing,
          onKeyAccepted: () => {
            accepted = true;
          },
          onOddRecords,
          caller: keyHash,
        });
        if (!budget) {
          client = calls;
          return client;
        }
        const address = clientAddressOf(
          req?.socket?.remoteAddress,
          request.headers.get('x-forwarded-for'),
          trustProxy,
        );
        client = budget.budget.api(
          calls,
          {
            // On a host that serves many accounts, two keys are never known to share one.
            scope: budget.sharedHost ? `${account}#${keyHash}` : account,
            keyHash,
            source: sourceOf(address),
            onAccepted: () => {
              accepted = true;
            },
            onRefused: (cause) => {
              refused[cause] = (refused[cause] ?? 0) + 1;
            },
          },
          log,
        );
        return client;
      },
      async createCustomer(customer, idempotencyKey) {
        const api = context.salesbinder();
        if (idempotencyKey === undefined || !scope) return api.createCustomer(customer);
        return idempotency.once(scope, idempotencyKey, fingerprintOf(customer), () =>
          api.createCustomer(customer),
        );
      },
    };
    return context;
  };
}
