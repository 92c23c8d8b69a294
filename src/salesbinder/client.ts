/**
 * SalesBinder's REST API 2.0, one method per endpoint, for one caller: the client is built per
 * request with that caller's key and account, and holds nothing another caller could see.
 */
import { Buffer } from 'node:buffer';
import { type Context, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Customer } from '../domain/customer.ts';
import type { WireChanges, WireNewCustomer } from '../domain/customer-changes.ts';
import { type CustomerPage, customerPageFromWire } from '../domain/customer-page.ts';
import { type DeletionPage, deletionPageFromWire } from '../domain/deleted-log.ts';
import type { Logger } from '../observability/logger.ts';
import type { WireCodec } from '../transport/codec.ts';
import type { CallPriority, HttpRequest, HttpResponse, HttpTransport } from '../transport/http.ts';
import {
  dateOf,
  type Envelope,
  envelopeOf,
  envelopeOrNothing,
  failureOfCreate,
  failureOfStatus,
  failureOfTransport,
  messageOf,
  recordOf,
  unreadable,
} from './answers.ts';
import type {
  CallOptions,
  CustomerQuery,
  DeletedCustomer,
  DeletionQuery,
  SalesBinderApi,
  SavedCustomer,
} from './api.ts';
import { accountOf, type SalesBinderEndpoint } from './endpoints.ts';

export { accountOf, endpointFromUrl, type SalesBinderEndpoint } from './endpoints.ts';

interface Exchange {
  priority: CallPriority;
  /** A 404 that came after an attempt whose answer was lost answers `NOT_FOUND` (a DELETE's). */
  lostThenNotFoundIsDone?: boolean;
  body?: string | undefined;
  query?: string | undefined;
  /** A 404 answers `NOT_FOUND` instead of failing. */
  notFoundIsEmpty?: boolean;
  /** A 2xx need carry nothing readable: its envelope is then empty. */
  anyBody?: boolean;
}

/** What `#call` answers for a 404 it was told to let through; compared by identity. */
const NOT_FOUND: Envelope = Object.freeze({});

export interface ClientOptions {
  transport: HttpTransport;
  codec: WireCodec;
  endpoint: SalesBinderEndpoint;
  /** The caller's key: used for this client's calls only, never kept anywhere else. */
  apiKey: string;
  /** One line per call, with status and duration (never the key). */
  log?: Logger | undefined;
  /** The request's id, sent as X-Request-Id so SalesBinder's side can be matched with ours. */
  requestId?: string | undefined;
  /** A span per call, child of the request's operation span. */
  trace?: { tracer: Tracer; parent: Context } | undefined;
  /** Told when SalesBinder answers a call with success, and so has accepted the key. */
  onKeyAccepted?: (() => void) | undefined;
  /** Who the calls are for, opaque (a hash of the key, never the key): a person's share of the account's windows. */
  caller?: string | undefined;
  /** Told of account records SalesBinder answered that could not be read (left out, or the view failed). */
  onOddRecords?: ((endpoint: string, count: number) => void) | undefined;
}

export class SalesBinderClient implements SalesBinderApi {
  readonly #transport: HttpTransport;
  readonly #codec: WireCodec;
  readonly #endpoint: SalesBinderEndpoint;
  // A private field, so the credential never shows up when the client is logged or inspected.
  readonly #authorization: string;
  readonly #log: Logger | undefined;
  readonly #account: string;
  readonly #requestId: string | undefined;
  readonly #trace: ClientOptions['trace'];
  readonly #onKeyAccepted: ClientOptions['onKeyAccepted'];
  readonly #onOddRecords: ClientOptions['onOddRecords'];
  readonly #caller: string | undefined;

  constructor({
    transport,
    codec,
    endpoint,
    apiKey,
    log,
    requestId,
    trace,
    onKeyAccepted,
    onOddRecords,
    caller,
  }: ClientOptions) {
    this.#caller = caller;
    this.#transport = transport;
    this.#codec = codec;
    this.#endpoint = endpoint;
    this.#account = accountOf(endpoint);
    this.#log = log;
    this.#requestId = requestId;
    this.#trace = trace;
    this.#onKeyAccepted = onKeyAccepted;
    this.#onOddRecords = onOddRecords;
    this.#authorization = `Basic ${Buffer.from(`${apiKey}:x`).toString('base64')}`;
  }

  async getCustomer(id: string, { priority = 'read' }: CallOptions = {}): Promise<Customer> {
    const { envelope } = await this.#call('GET', 'customers.view', `customers/${encodeURIComponent(id)}`, {
      priority,
    });
    try {
      return recordOf(envelope);
    } catch (error) {
      this.#oddRecords('customers.view', 1);
      throw error;
    }
  }

  async listCustomers(
    { contextId, search, page, pageLimit, modifiedSince }: CustomerQuery,
    { priority = 'read' }: CallOptions = {},
  ): Promise<CustomerPage> {
    const params = new URLSearchParams({
      contextId: String(contextId),
      page: String(page),
      pageLimit: String(pageLimit),
    });
    if (search !== undefined && search !== '') params.set('s', search);
    if (modifiedSince !== undefined) params.set('modifiedSince', String(modifiedSince));
    // Past the last page SalesBinder may answer 404 ("we've reached the end", as one client reads
    // it) where an empty page was expected. On the first page there is no end to be past: a 404
    // there means the URL is wrong, and reading it as "no accounts" would hide that.
    const { envelope, answeredAt } = await this.#call(
      'GET',
      modifiedSince === undefined ? 'customers.list' : 'customers.changes',
      'customers',
      { priority, query: params.toString(), notFoundIsEmpty: page > 1 },
    );
    if (envelope === NOT_FOUND) return { count: undefined, customers: [] };
    try {
      const listed = customerPageFromWire(envelope, { contextId, page });
      if (listed.leftOut) {
        this.#oddRecords(
          modifiedSince === undefined ? 'customers.list' : 'customers.changes',
          listed.leftOut.length,
        );
      }
      return answeredAt === undefined ? listed : { ...listed, answeredAt };
    } catch (error) {
      throw unreadable(error);
    }
  }

  async listDeletions(
    { contextId, deletedSince, page, pageLimit }: DeletionQuery,
    { priority = 'read' }: CallOptions = {},
  ): Promise<DeletionPage> {
    const params = new URLSearchParams({
      contextId: String(contextId),
      deletedSince: String(deletedSince),
      page: String(page),
      pageLimit: String(pageLimit),
    });
    const { envelope } = await this.#call('GET', 'customers.deletions', 'deleted_log', {
      priority,
      query: params.toString(),
      notFoundIsEmpty: page > 1,
    });
    if (envelope === NOT_FOUND) return { count: 0, ids: [] };
    try {
      return deletionPageFromWire(envelope, contextId);
    } catch (error) {
      throw unreadable(error);
    }
  }

  async updateCustomer(
    id: string,
    changes: WireChanges,
    { priority = 'edit' }: CallOptions = {},
  ): Promise<SavedCustomer> {
    const { envelope } = await this.#call('PUT', 'customers.edit', `customers/${encodeURIComponent(id)}`, {
      priority,
      body: this.#codec.encodeCustomer(changes),
    });
    return {
      // A 2xx carrying the record is a save even when SalesBinder leaves its word out.
      message: messageOf(envelope, 'Saved'),
      customer: recordOf(envelope),
    };
  }

  async createCustomer(
    customer: WireNewCustomer,
    { priority = 'edit' }: CallOptions = {},
  ): Promise<SavedCustomer> {
    try {
      const { envelope } = await this.#call('POST', 'customers.create', 'customers', {
        priority,
        body: this.#codec.encodeCustomer(customer),
      });
      return { message: messageOf(envelope, 'Saved'), customer: recordOf(envelope) };
    } catch (error) {
      throw failureOfCreate(error);
    }
  }

  async deleteCustomer(id: string, { priority = 'edit' }: CallOptions = {}): Promise<DeletedCustomer> {
    const { envelope } = await this.#call(
      'DELETE',
      'customers.delete',
      `customers/${encodeURIComponent(id)}`,
      {
        priority,
        lostThenNotFoundIsDone: true,
        // Its answer's body is not documented: any 2xx is a delete, whatever it carries.
        anyBody: true,
      },
    );
    return { id, message: messageOf(envelope, 'Deleted') };
  }

  /**
   * Records SalesBinder answered that are not accounts as the gateway reads them (no id, name,
   * created or modified): one line and a metric; the rest of the answer is served.
   */
  #oddRecords(endpoint: string, count: number): void {
    this.#onOddRecords?.(endpoint, count);
    this.#log?.warn(
      { upstream: { endpoint, oddRecords: count } },
      `SalesBinder ${endpoint} answered ${count} account record(s) without id, name, created or modified: left out`,
    );
  }

  /** The answer's envelope; `NOT_FOUND` for a 404 when `notFoundIsEmpty` lets it through. */
  async #call(
    method: HttpRequest['method'],
    endpoint: string,
    resource: string,
    exchange: Exchange,
  ): Promise<{ envelope: Envelope; answeredAt: number | undefined }> {
    const { query } = exchange;
    const resourcePath = `${this.#endpoint.pathPrefix}/api/2.0/${resource}.${this.#codec.format}`;
    const path = `${resourcePath}${query ? `?${query}` : ''}`;
    // What a person searched for is theirs: logs keep the rest of the query (kind, page), not `s`.
    const loggedPath = `${resourcePath}${query ? `?${withoutSearchTerm(query)}` : ''}`;
    const span = this.#trace?.tracer.startSpan(
      `SalesBinder ${endpoint}`,
      {
        kind: SpanKind.CLIENT,
        // Key-free by construction: no header, no query string (it may hold a search term).
        attributes: {
          'http.request.method': method,
          'server.address': new URL(this.#endpoint.origin).hostname,
          'url.path': resourcePath,
          'salesbinder.endpoint': endpoint,
          'salesbinder.format': this.#codec.format,
        },
      },
      this.#trace.parent,
    );
    const started = performance.now();
    try {
      const { status, envelope, answeredAt } = await this.#exchange(method, path, endpoint, exchange);
      span?.setAttribute('http.response.status_code', status);
      this.#log?.info(
        {
          upstream: {
            method,
            endpoint,
            path: loggedPath,
            status,
            ms: Math.round(performance.now() - started),
          },
        },
        `SalesBinder ${method} ${endpoint} answered ${status}`,
      );
      return { envelope, answeredAt };
    } catch (error) {
      const failure = failureOfTransport(error);
      if (failure.status !== undefined) span?.setAttribute('http.response.status_code', failure.status);
      span?.setAttribute('error.type', failure.code);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: failure.code });
      this.#log?.warn(
        {
          upstream: {
            method,
            endpoint,
            path: loggedPath,
            status: failure.status,
            code: failure.code,
            ms: Math.round(performance.now() - started),
          },
        },
        `SalesBinder ${method} ${endpoint} failed: ${failure.message}`,
      );
      throw failure;
    } finally {
      span?.end();
    }
  }

  async #exchange(
    method: HttpRequest['method'],
    path: string,
    endpoint: string,
    { priority, body, notFoundIsEmpty = false, lostThenNotFoundIsDone = false, anyBody = false }: Exchange,
  ): Promise<{ status: number; envelope: Envelope; answeredAt: number | undefined }> {
    const headers: Record<string, string> = {
      authorization: this.#authorization,
      accept: this.#codec.contentType,
    };
    if (body !== undefined) headers['content-type'] = this.#codec.contentType;
    if (this.#requestId !== undefined) headers['x-request-id'] = this.#requestId;
    let response: HttpResponse;
    try {
      response = await this.#transport.request({
        account: this.#account,
        endpoint,
        origin: this.#endpoint.origin,
        path,
        method,
        headers,
        priority,
        ...(this.#caller === undefined ? {} : { caller: this.#caller }),
        ...(body === undefined ? {} : { body }),
      });
    } catch (error) {
      throw failureOfTransport(error);
    }
    if (response.status >= 200 && response.status < 300) {
      this.#onKeyAccepted?.();
      return {
        status: response.status,
        envelope: anyBody ? envelopeOrNothing(response, this.#codec) : envelopeOf(response, this.#codec),
        answeredAt: dateOf(response.headers.date),
      };
    }
    if (
      response.status === 404 &&
      (notFoundIsEmpty || (lostThenNotFoundIsDone && response.afterLostAnswer === true))
    )
      return { status: 404, envelope: NOT_FOUND, answeredAt: undefined };
    throw failureOfStatus(response, this.#codec, endpoint);
  }
}

/** A query string without the search term (`s`), which may name a person or a company. */
function withoutSearchTerm(query: string): string {
  const params = new URLSearchParams(query);
  params.delete('s');
  return params.toString();
}
