import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { generateCustomers } from './company.ts';
import { CONTEXT_IDS, type FieldErrors, readChanges, readNewCustomer } from './customer-input.ts';
import { createDeletedLog, type DeletedLogOptions } from './deleted-log.ts';
import {
  createFaultRegistry,
  type FaultAnswer,
  type FaultControl,
  faultAnswer,
  oddPayload,
  parseFaults,
  partialAnswer,
} from './faults.ts';
import { CONTENT_TYPES, type Format, type Payload, readCustomer, serialize } from './formats.ts';
import { ALL_KINDS, createKeyRegistry, type KeyPermissions } from './keys.ts';
import { createSandboxRateLimiter, type SandboxRateLimits } from './rate-limiter.ts';
import {
  blankCustomer,
  type CustomerRecord,
  FIELDS_PAGES_LEAVE_OUT,
  PAGE_SHAPED_IDS,
  seedCustomers,
} from './seed.ts';

export type { DeletedLogOptions } from './deleted-log.ts';
export type { Fault, FaultControl } from './faults.ts';
export type { KeyPermissions } from './keys.ts';
export type { SandboxRateLimits } from './rate-limiter.ts';
export type { CustomerRecord } from './seed.ts';

export interface SandboxOptions {
  /** How many of the latest requests `requests` keeps, so a long-running sandbox does not grow. @default 1000 */
  maxRecorded?: number;
  /** SalesBinder's limits; false turns them off (benchmarks). @default { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 } */
  rateLimits?: false | SandboxRateLimits;
  /** Whether a 429 carries Retry-After (SalesBinder promises none). @default false */
  retryAfterHeader?: boolean;
  /** Clock in ms, for tests. @default Date.now */
  now?: () => number;
  /** Seeds the draws behind fault rates, so every run affects the same requests; reset() restarts them. @default 1 */
  faultSeed?: number;
  /**
   * How many customers the account holds: the seed's nine, then generated ones (company.ts) up
   * to this many, the same on every run. @default 9 (the seed's)
   */
  customers?: number;
  /** Which kinds `deleted_log` covers, and how it lays out its records. @default { kinds: [2, 10], layout: 'nested' } */
  deletedLog?: DeletedLogOptions;
  /** How the List's `modifiedSince` behaves (SalesBinder's boundary and clock are unknown). @default { shiftSeconds: 0, ignored: false } */
  changeFeed?: ChangeFeedBehaviour;
  /**
   * The fields `s` looks in without `field`: the four assumed (docs/sandbox.md), or fewer, to
   * play a SalesBinder that searches otherwise than the gateway assumes. @default all four
   */
  searchFields?: readonly SearchField[];
}

/** The change feed as SalesBinder might really answer it. */
export interface ChangeFeedBehaviour {
  /**
   * SalesBinder compares `modifiedSince` on a clock this many seconds off (a time zone): positive,
   * it leaves out changes made up to that long after the instant asked. @default 0
   */
  shiftSeconds?: number;
  /** `modifiedSince` ignored: every account of the kind comes back. @default false */
  ignored?: boolean;
}

/** What SalesBinder's own web app does, behind the API's back: `modified` moves as it would. */
export interface AppActions {
  /** Changes an account's fields (SalesBinder's names); undefined when there is no such account. */
  edit(id: string, fields: Record<string, unknown>): CustomerRecord | undefined;
  /** Deletes an account; false when there was none. */
  remove(id: string): boolean;
  /** Creates an account (`context_id` and `name` required). */
  create(fields: Record<string, unknown>): CustomerRecord;
}

/** The sandbox's users' keys: the demo keys, and any added for a test or a benchmark. */
export interface KeyControl {
  /** A new key (or the one given) with these permissions. */
  add(permissions: Partial<KeyPermissions>, key?: string): string;
  /** Revokes a key: SalesBinder answers 401 to it from now on. */
  revoke(key: string): boolean;
}

export interface RecordedRequest {
  method: string;
  /** With the query string. */
  path: string;
  account: string;
  /** Lower-case names, as received. */
  headers: Record<string, string>;
  body: string;
  /** What was sent; 0 when nothing was: the client hung up first, or a reset or stall fault fired. */
  status: number;
  /** When it arrived (ms, the sandbox's clock), to check what any window held. */
  at: number;
  /** Its place among every request received since the last reset, from 1. */
  seq: number;
}

export interface Sandbox {
  /** Resolves the base URL, e.g. http://127.0.0.1:41234. @default port 0, host '127.0.0.1' */
  listen(port?: number, host?: string): Promise<string>;
  /** Throws if not listening. */
  readonly url: string;
  /** Closes active and idle connections too, so nothing hangs. */
  close(): Promise<void>;
  /** Every request received, in order, refused and faulted ones included; control requests are not. */
  readonly requests: RecordedRequest[];
  /** Changes made "in SalesBinder itself" (also over HTTP under /_sandbox/customers). */
  readonly app: AppActions;
  /** Users' keys (also over HTTP under /_sandbox/keys). */
  readonly keys: KeyControl;
  /** Seed data back; requests, rate-limit windows and blocks, and faults cleared; fault draws restarted. */
  reset(): void;
  setRateLimits(limits: SandboxOptions['rateLimits']): void;
  /** A copy of the stored account, for assertions. */
  customer(id: string): CustomerRecord | undefined;
  /** The ids of the stored accounts of a kind, in SalesBinder's list order (by customer number). */
  ids(contextId: number): string[];
  /** Changes which kinds `deleted_log` covers, or its layout (kept across reset). */
  setDeletedLog(options: DeletedLogOptions): void;
  /** Changes how `modifiedSince` behaves (kept across reset). */
  setChangeFeed(behaviour: ChangeFeedBehaviour): void;
  /**
   * Misbehaviour on cue, checked in insertion order before rate limits and authentication (they play
   * the network and the edge proxy). Also driven over HTTP under /_sandbox/.
   */
  readonly faults: FaultControl;
}

// SalesBinder's own numbers, written again here rather than imported from the gateway (which has
// its MAX_PAGE_LIMIT and limiter settings): the sandbox plays SalesBinder and imports nothing of the
// gateway, so that a gateway that came to believe another number would be caught by the tests.
const SANDBOX_RATE_LIMITS: SandboxRateLimits = { perTenSeconds: 15, perMinute: 50, blockSeconds: 60 };

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_CONTROL_BODY_BYTES = 64 * 1024;
const MAX_PAGE_LIMIT = 200;
const DEFAULT_PAGE_LIMIT = 20;

interface Answer {
  status: number;
  payload: Payload;
  /** When the XML shape differs from the JSON one (lists). */
  xmlPayload?: Payload;
  headers?: Record<string, string>;
}

function message(status: number, text: string, headers?: Record<string, string>): Answer {
  return { status, payload: { message: text }, ...(headers && { headers }) };
}

const BAD_REQUEST = message(400, 'Bad Request');
const NOT_FOUND = message(404, 'Not Found');
const FORBIDDEN = message(403, 'Forbidden');
const UNAUTHORIZED = message(401, 'Unauthorized', { 'www-authenticate': 'Basic realm="SalesBinder API"' });
const TOO_LARGE = message(413, 'Payload Too Large');
const INTERNAL_ERROR = message(500, 'Internal Error');

function validationFailed(errors: FieldErrors): Answer {
  return { status: 422, payload: { message: { errors } } };
}

/** SalesBinder's timestamp format: seconds, UTC written as +00:00. */
function timestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/** The user name of HTTP Basic credentials; SalesBinder ignores the password. */
function apiKey(authorization: string | undefined): string | undefined {
  const encoded = /^Basic +([A-Za-z0-9+/]+={0,2})$/i.exec(authorization ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const credentials = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  return colon === -1 ? undefined : credentials.slice(0, colon);
}

interface Target {
  account: string;
  format: Format;
  /** Set when the path is customers.{fmt} (id undefined) or customers/{id}.{fmt}. */
  customers?: { id: string | undefined };
  /** Set when the path is deleted_log.{fmt}. */
  deletedLog?: true;
}

// Whatever precedes /api/2.0/ stands for the subdomain, so one sandbox can play several accounts.
const API_PATH = /^(?:\/(.*?))?\/api\/2\.0\/(.*)$/;
const CUSTOMERS_PATH = /^customers(?:\/([^/]+))?\.(json|xml)$/;
const DELETED_LOG_PATH = /^deleted_log\.(json|xml)$/;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function target(pathname: string): Target | undefined {
  const api = API_PATH.exec(pathname);
  if (!api) return undefined;
  const rest = api[2] ?? '';
  const format: Format = rest.endsWith('.xml') ? 'xml' : 'json';
  const customers = CUSTOMERS_PATH.exec(rest);
  const id = customers?.[1];
  return {
    account: api[1] ?? '',
    format,
    ...(customers && { customers: { id: id === undefined ? undefined : decodeSegment(id) } }),
    ...(DELETED_LOG_PATH.test(rest) && { deletedLog: true as const }),
  };
}

/** The body's format comes from its Content-Type, as in CakePHP; the path's suffix only picks the answer's. */
function bodyFormat(contentType: string | undefined, pathFormat: Format): Format {
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('json')) return 'json';
  if (type.includes('xml')) return 'xml';
  return pathFormat;
}

/** A positive integer parameter: the fallback when absent, undefined when malformed. */
function positiveInteger(query: URLSearchParams, name: string, fallback?: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return fallback;
  return /^\d{1,9}$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined;
}

/** The fields `s` looks in, as the List page's `field` names them. */
const SEARCH_FIELDS = ['name', 'customer_number', 'office_email', 'billing_country'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/**
 * SalesBinder's search, as assumed (its documentation does not say): the term, lower-cased, is a
 * substring of one of the four fields lower-cased (or of the one `field` names); characters are
 * compared as they are (no accent folding, `%` and `_` literal). `docs/sandbox.md` states it.
 */
function matchesSearch(
  record: CustomerRecord,
  term: string,
  field?: SearchField,
  fields: readonly SearchField[] = SEARCH_FIELDS,
): boolean {
  if (term === '') return true;
  return (field ? [field] : fields).some((name) => String(record[name]).toLowerCase().includes(term));
}

interface ListQuery {
  contextId: number;
  /** 1-based. */
  page: number;
  pageLimit: number;
  /** `s`, lower-cased; empty matches everything. */
  term: string;
  /** `field`: the one field `s` looks in; an unknown name is ignored (all four). */
  field?: SearchField | undefined;
  /** `modifiedSince` (epoch seconds): only accounts changed after it; 0 for all. */
  modifiedSince: number;
}

/** The List page's parameters, or undefined when one is missing or malformed (SalesBinder's 400). */
function readListQuery(query: URLSearchParams): ListQuery | undefined {
  const asked = positiveInteger(query, 'contextId');
  const contextId = CONTEXT_IDS.find((id) => id === asked);
  const page = positiveInteger(query, 'page', 1);
  const pageLimit = positiveInteger(query, 'pageLimit', DEFAULT_PAGE_LIMIT);
  // The change feed: epoch seconds are ten digits, more than positiveInteger takes.
  const since = query.get('modifiedSince');
  const modifiedSince = since === null ? 0 : /^\d{1,12}$/.test(since) ? Number(since) : undefined;
  if (contextId === undefined || page === undefined || pageLimit === undefined || modifiedSince === undefined)
    return undefined;
  if (pageLimit > MAX_PAGE_LIMIT) return undefined;
  const field = SEARCH_FIELDS.find((name) => name === query.get('field'));
  return { contextId, page, pageLimit, term: (query.get('s') ?? '').toLowerCase(), field, modifiedSince };
}

/**
 * A record as the View and List pages print it: whole, or without the fields those pages leave
 * out for the accounts that play that shape (PAGE_SHAPED_IDS).
 */
function asPagesPrintIt(record: CustomerRecord, lean: ReadonlySet<string>): Payload {
  if (!lean.has(record.id)) return record;
  const printed: Payload = { ...record };
  for (const field of FIELDS_PAGES_LEAVE_OUT) delete printed[field];
  return printed;
}

/**
 * One page of `matches` as SalesBinder's List answers it. Past the last page SalesBinder answers
 * 404 (as one client reports); page 1 always answers, with count 0 when nothing matches, since
 * there is no end to be past yet.
 */
function listPage(
  matches: CustomerRecord[],
  { page, pageLimit }: ListQuery,
  lean: ReadonlySet<string>,
): Answer {
  const pages = Math.max(1, Math.ceil(matches.length / pageLimit));
  if (page > pages) return NOT_FOUND;
  const onPage = matches
    .slice((page - 1) * pageLimit, page * pageLimit)
    .map((record) => asPagesPrintIt(record, lean));
  const envelope = { count: String(matches.length), page: String(page), pages: String(pages) };
  return {
    status: 200,
    payload: { ...envelope, customers: onPage.map((record) => [record]) },
    xmlPayload: { ...envelope, customers: { customer: onPage } },
  };
}

interface DeletedLogQuery {
  contextId: number;
  /** Epoch seconds; 0 for every deletion logged. */
  deletedSince: number;
  page: number;
  pageLimit: number;
}

/** `deleted_log`'s parameters, or undefined when one is missing or malformed (SalesBinder's 400). */
function readDeletedLogQuery(query: URLSearchParams): DeletedLogQuery | undefined {
  const asked = positiveInteger(query, 'contextId');
  const contextId = CONTEXT_IDS.find((id) => id === asked);
  const page = positiveInteger(query, 'page', 1);
  const pageLimit = positiveInteger(query, 'pageLimit', DEFAULT_PAGE_LIMIT);
  const since = query.get('deletedSince');
  const deletedSince = since === null ? 0 : /^\d{1,12}$/.test(since) ? Number(since) : undefined;
  if (contextId === undefined || page === undefined || pageLimit === undefined || deletedSince === undefined)
    return undefined;
  if (pageLimit > MAX_PAGE_LIMIT) return undefined;
  return { contextId, deletedSince, page, pageLimit };
}

/**
 * One page of the deletion feed, as salesbinder-api.md describes it: count, page and pages as
 * strings (`pages` 0 when nothing was deleted), the records under `deletedlog`. Past the last page,
 * 404, as the List answers.
 */
function deletedLogPage(
  entries: ReadonlyArray<{ context_id: number; record_id: string }>,
  { page, pageLimit }: DeletedLogQuery,
  layout: 'nested' | 'flat',
): Answer {
  const pages = Math.ceil(entries.length / pageLimit);
  if (page > Math.max(1, pages)) return NOT_FOUND;
  const onPage = entries.slice((page - 1) * pageLimit, page * pageLimit);
  const envelope = { count: String(entries.length), page: String(page), pages: String(pages) };
  return {
    status: 200,
    payload: { ...envelope, deletedlog: layout === 'nested' ? onPage.map((entry) => [entry]) : onPage },
    xmlPayload: { ...envelope, deletedlog: { deleted_log: onPage } },
  };
}

/** A key as the request log shows it: a short hash, the same for the same key, never the key. */
function maskedKey(key: string | undefined): string | null {
  return key === undefined ? null : `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );
}

/** The body as text, or undefined when it is over the cap (the rest is still drained, not kept). */
async function readBody(request: IncomingMessage, cap = MAX_BODY_BYTES): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= cap) chunks.push(chunk);
  }
  return size > cap ? undefined : Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, value?: unknown, headers = {}): void {
  if (value === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(value);
  response.writeHead(status, {
    'content-type': CONTENT_TYPES.json,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

// Outside /api/2.0/, so control requests are never limited, authenticated, faulted or recorded.
const CONTROL_PATH = /^\/_sandbox\//;
const FAULT_PATH = /^\/_sandbox\/faults\/([^/]+)$/;

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const now = options.now ?? Date.now;
  const retryAfterHeader = options.retryAfterHeader ?? false;
  const limiter = createSandboxRateLimiter(options.rateLimits ?? SANDBOX_RATE_LIMITS);
  const requests: RecordedRequest[] = [];
  let sequence = 0;
  const keys = createKeyRegistry();
  const maxRecorded = options.maxRecorded ?? 1000;
  const store = new Map<string, CustomerRecord>();
  /** Accounts View and List print as SalesBinder's pages print records (see asPagesPrintIt). */
  const lean = new Set<string>();
  const deletions = createDeletedLog(options.deletedLog);
  let changeFeed: ChangeFeedBehaviour = { ...options.changeFeed };
  const faults = createFaultRegistry(options.faultSeed ?? 1);
  // Ends what delay and stall faults hold open, so close() leaves no timer and no hanging client.
  const held = new Set<() => void>();

  function loadSeeds(): void {
    store.clear();
    lean.clear();
    deletions.clear();
    const seeds = seedCustomers();
    const seededCustomers = seeds.filter((record) => record.context_id === 2).length;
    const generated = generateCustomers(Math.max(0, (options.customers ?? 0) - seededCustomers));
    for (const record of [...seeds, ...generated.customers]) store.set(record.id, record);
    for (const id of [...PAGE_SHAPED_IDS, ...generated.leanIds]) lean.add(id);
  }
  loadSeeds();

  /**
   * The accounts a list query selects, in SalesBinder's order (by customer number). Each filter
   * of the List page is one more condition here.
   */
  function matching({ contextId, term, field, modifiedSince }: ListQuery): CustomerRecord[] {
    // As SalesBinder may compare it: on a shifted clock, or not at all.
    const since =
      modifiedSince === 0 || changeFeed.ignored ? 0 : modifiedSince + (changeFeed.shiftSeconds ?? 0);
    return [...store.values()]
      .filter(
        (record) =>
          record.context_id === contextId &&
          matchesSearch(record, term, field, options.searchFields) &&
          (since === 0 || Date.parse(record.modified) > since * 1000),
      )
      .sort((a, b) => a.customer_number - b.customer_number);
  }

  /** Every deletion, by the API or in SalesBinder itself, goes through here: the feed logs it. */
  function removeAccount(id: string): boolean {
    const record = store.get(id);
    if (!record) return false;
    store.delete(id);
    deletions.record(record.context_id, id, now());
    return true;
  }

  function deletedLog(query: URLSearchParams, permissions: KeyPermissions): Answer {
    const logQuery = readDeletedLogQuery(query);
    if (!logQuery) return BAD_REQUEST;
    if (!permissions.kinds.includes(logQuery.contextId)) return FORBIDDEN;
    const entries = deletions.since(logQuery.contextId, logQuery.deletedSince);
    return deletedLogPage(entries, logQuery, deletions.layout);
  }

  function list(query: URLSearchParams, permissions: KeyPermissions): Answer {
    const listQuery = readListQuery(query);
    if (!listQuery) return BAD_REQUEST;
    if (!permissions.kinds.includes(listQuery.contextId)) return FORBIDDEN;
    return listPage(matching(listQuery), listQuery, lean);
  }

  function view(id: string, permissions: KeyPermissions): Answer {
    const record = store.get(id);
    if (!record) return NOT_FOUND;
    if (!permissions.kinds.includes(record.context_id)) return FORBIDDEN;
    return { status: 200, payload: { customer: asPagesPrintIt(record, lean) } };
  }

  function edit(record: CustomerRecord, input: Record<string, unknown> | undefined): Answer {
    if (!input) return BAD_REQUEST;
    const read = readChanges(input);
    if (!read.ok) return validationFailed(read.errors);
    Object.assign(record, read.value, { modified: timestamp(now()) });
    return { status: 200, payload: { message: 'Saved', customer: record } };
  }

  function create(input: Record<string, unknown> | undefined): Answer {
    if (!input) return BAD_REQUEST;
    const read = readNewCustomer(input);
    if (!read.ok) return validationFailed(read.errors);
    let highest = 0;
    for (const record of store.values()) highest = Math.max(highest, record.customer_number);
    const created = timestamp(now());
    const record: CustomerRecord = {
      ...blankCustomer(),
      ...read.value.changes,
      id: randomUUID(),
      customer_number: highest + 1,
      context_id: read.value.contextId,
      modified: created,
      created,
    };
    store.set(record.id, record);
    return { status: 200, payload: { message: 'Saved', customer: record } };
  }

  function respond(
    request: IncomingMessage,
    api: Target,
    query: URLSearchParams,
    body: string | undefined,
  ): Answer {
    const rate = limiter.check(api.account, now());
    if (!rate.allowed) {
      return message(
        429,
        'Too Many Requests',
        retryAfterHeader ? { 'retry-after': String(rate.retryAfterSeconds) } : undefined,
      );
    }
    const permissions = keys.permissions(apiKey(request.headers.authorization), api.account);
    if (!permissions) return UNAUTHORIZED;
    const method = request.method ?? '';
    if (api.deletedLog) {
      if (method !== 'GET') return message(405, 'Method Not Allowed', { allow: 'GET' });
      return deletedLog(query, permissions);
    }
    if (!api.customers) return NOT_FOUND;

    const { id } = api.customers;
    const allowed = id === undefined ? ['GET', 'POST'] : ['GET', 'PUT', 'DELETE'];
    if (!allowed.includes(method)) return message(405, 'Method Not Allowed', { allow: allowed.join(', ') });
    if (method !== 'GET' && !permissions.modify) return FORBIDDEN;
    if (body === undefined) return TOO_LARGE;

    if (method === 'GET') return id === undefined ? list(query, permissions) : view(id, permissions);
    const input = readCustomer(body, bodyFormat(request.headers['content-type'], api.format));
    if (id === undefined) {
      // A kind the key may not modify; an unknown one is the validation's to refuse.
      const kind = CONTEXT_IDS.find((id) => String(id) === String(input?.context_id));
      if (kind !== undefined && !permissions.kinds.includes(kind)) return FORBIDDEN;
      return create(input);
    }

    const record = store.get(id);
    if (!record) return NOT_FOUND;
    if (!permissions.kinds.includes(record.context_id)) return FORBIDDEN;
    if (method === 'DELETE') {
      removeAccount(id);
      return message(200, 'Deleted');
    }
    return edit(record, input);
  }

  function reset(): void {
    loadSeeds();
    keys.reset();
    sequence = 0;
    requests.length = 0;
    limiter.reset();
    faults.clear();
    faults.reseed();
  }

  /** False when cut short, by the client hanging up or by close(). */
  function pause(ms: number, response: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (elapsed: boolean) => {
        clearTimeout(timer);
        held.delete(cancel);
        response.off('close', cancel);
        resolve(elapsed);
      };
      const cancel = () => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      held.add(cancel);
      response.once('close', cancel);
    });
  }

  function stall(response: ServerResponse, partial?: FaultAnswer): void {
    if (partial) {
      response.writeHead(partial.status, partial.headers);
      response.write(partial.body);
    }
    const end = () => response.destroy();
    held.add(end);
    response.once('close', () => held.delete(end));
  }

  async function control(
    request: IncomingMessage,
    response: ServerResponse,
    pathname: string,
  ): Promise<void> {
    const method = request.method ?? '';
    const body = await readBody(request, MAX_CONTROL_BODY_BYTES);
    if (body === undefined) {
      sendJson(response, 413, { message: 'A control request body takes at most 64 KiB' });
      return;
    }
    if (pathname === '/_sandbox/reset') {
      if (method !== 'POST') {
        return sendJson(response, 405, { message: 'Method Not Allowed' }, { allow: 'POST' });
      }
      reset();
      return sendJson(response, 204);
    }
    if (pathname === '/_sandbox/requests') return controlRequests(request, response);
    if (pathname === '/_sandbox/customers' || pathname.startsWith('/_sandbox/customers/'))
      return controlCustomers(method, response, pathname, body);
    if (pathname === '/_sandbox/keys' || pathname.startsWith('/_sandbox/keys/'))
      return controlKeys(method, response, pathname, body);
    if (pathname === '/_sandbox/faults') {
      if (method === 'GET') return sendJson(response, 200, { faults: faults.list() });
      if (method === 'DELETE') {
        faults.clear();
        return sendJson(response, 204);
      }
      if (method !== 'POST') {
        return sendJson(response, 405, { message: 'Method Not Allowed' }, { allow: 'GET, POST, DELETE' });
      }
      let input: unknown;
      try {
        input = JSON.parse(body);
      } catch (error) {
        return sendJson(response, 400, { message: `The body is not JSON: ${(error as Error).message}` });
      }
      const parsed = parseFaults(input);
      if (!parsed.ok) return sendJson(response, 400, { message: parsed.message });
      return sendJson(response, 201, { ids: faults.addParsed(parsed.faults) });
    }
    const id = FAULT_PATH.exec(pathname)?.[1];
    if (id === undefined) return sendJson(response, 404, { message: 'Not Found' });
    if (method !== 'DELETE') {
      return sendJson(response, 405, { message: 'Method Not Allowed' }, { allow: 'DELETE' });
    }
    const faultId = decodeSegment(id);
    if (faults.remove(faultId)) return sendJson(response, 204);
    return sendJson(response, 404, { message: `No fault ${faultId}` });
  }

  /** The request log, keys masked (each key is shown as a short hash of it): `?after=<seq>` for what came later. */
  function controlRequests(request: IncomingMessage, response: ServerResponse) {
    if (request.method !== 'GET')
      return sendJson(response, 405, { message: 'Method Not Allowed' }, { allow: 'GET' });
    const after = Number(new URL(request.url ?? '/', 'http://sandbox').searchParams.get('after') ?? '0');
    const listed = requests
      .filter((r) => r.seq > (Number.isFinite(after) ? after : 0))
      .map(({ headers: { authorization, ...headers }, ...rest }) => ({
        ...rest,
        headers,
        key: maskedKey(apiKey(authorization)),
      }));
    return sendJson(response, 200, { requests: listed, last: sequence });
  }

  /** Edits "made in SalesBinder itself": PATCH or DELETE /_sandbox/customers/{id}, POST /_sandbox/customers. */
  function controlCustomers(method: string, response: ServerResponse, pathname: string, body: string) {
    const id =
      pathname === '/_sandbox/customers'
        ? undefined
        : decodeSegment(pathname.slice('/_sandbox/customers/'.length));
    const allow = id === undefined ? 'POST' : 'PATCH, DELETE';
    if (!allow.split(', ').includes(method))
      return sendJson(response, 405, { message: 'Method Not Allowed' }, { allow });
    if (method === 'DELETE') {
      return app.remove(id as string)
        ? sendJson(response, 204)
        : sendJson(response, 404, { message: 'Not Found' });
    }
    const input = jsonObject(body);
    if (!input)
      return sendJson(response, 400, { message: 'The body must be a JSON object of SalesBinder fields' });
    const answer = id === undefined ? create(input) : appEdit(id, input);
    return sendJson(
      response,
      answer.status === 200 && id === undefined ? 201 : answer.status,
      answer.payload,
    );
  }

  /** Users' keys: POST /_sandbox/keys {modify, kinds, accounts, key?} makes one, DELETE /_sandbox/keys/{key} revokes it. */
  function controlKeys(method: string, response: ServerResponse, pathname: string, body: string) {
    if (pathname === '/_sandbox/keys') {
      if (method !== 'POST')
        return sendJson(response, 405, { message: 'Method Not Allowed' }, { allow: 'POST' });
      const input = jsonObject(body);
      const kinds = input?.kinds ?? ALL_KINDS;
      const accounts = input?.accounts;
      if (
        !input ||
        (input.modify !== undefined && typeof input.modify !== 'boolean') ||
        !Array.isArray(kinds) ||
        !kinds.every((k) => CONTEXT_IDS.some((id) => id === k)) ||
        (accounts !== undefined &&
          !(Array.isArray(accounts) && accounts.every((a) => typeof a === 'string'))) ||
        (input.key !== undefined && typeof input.key !== 'string')
      ) {
        return sendJson(response, 400, {
          message:
            'Send {"modify": boolean, "kinds": [2, 8, 10], "accounts": ["acme"], "key": "..."} (all optional)',
        });
      }
      try {
        const key = keyControl.add(
          {
            modify: input.modify === true,
            kinds: kinds as number[],
            accounts: accounts as string[] | undefined,
          },
          input.key as string | undefined,
        );
        return sendJson(response, 201, { key });
      } catch (error) {
        return sendJson(response, 400, { message: (error as Error).message });
      }
    }
    if (method !== 'DELETE')
      return sendJson(response, 405, { message: 'Method Not Allowed' }, { allow: 'DELETE' });
    return keys.revoke(decodeSegment(pathname.slice('/_sandbox/keys/'.length)))
      ? sendJson(response, 204)
      : sendJson(response, 404, { message: 'No such key' });
  }

  /** An edit as SalesBinder's web app makes it: the same rules as the API's, `modified` moved. */
  function appEdit(id: string, input: Record<string, unknown>): Answer {
    const record = store.get(id);
    return record ? edit(record, input) : NOT_FOUND;
  }

  const app: AppActions = {
    edit(id, fields) {
      const answer = appEdit(id, fields);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200)
        throw new Error(`SalesBinder would refuse this edit: ${JSON.stringify(answer.payload)}`);
      return structuredClone(store.get(id));
    },
    remove: (id) => removeAccount(id),
    create(fields) {
      const answer = create(fields);
      if (answer.status !== 200)
        throw new Error(`SalesBinder would refuse this account: ${JSON.stringify(answer.payload)}`);
      return structuredClone((answer.payload as { customer: CustomerRecord }).customer);
    },
  };

  const keyControl: KeyControl = {
    add: (permissions, key) =>
      keys.add(
        {
          modify: permissions.modify ?? false,
          kinds: permissions.kinds ?? ALL_KINDS,
          accounts: permissions.accounts,
        },
        key,
      ),
    revoke: (key) => keys.revoke(key),
  };

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
    if (CONTROL_PATH.test(pathname)) return control(request, response, pathname);
    const api = target(pathname);
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path: url,
      account: api?.account ?? '',
      headers: flattenHeaders(request.headers),
      body: '',
      status: 0,
      at: now(),
      seq: ++sequence,
    };
    requests.push(recorded);
    if (requests.length > maxRecorded) requests.splice(0, requests.length - maxRecorded);

    const { delayMs, fault } = faults.pick(recorded.method, url);
    if (fault?.kind === 'reset') {
      // An RST, not a FIN: what a dropped connection or a crashed proxy looks like to the client.
      request.socket.resetAndDestroy();
      return;
    }
    const format: Format = pathname.endsWith('.xml') ? 'xml' : 'json';
    let answer: Answer;
    let text: string;
    try {
      const body = await readBody(request);
      recorded.body = body ?? '';
      if (delayMs > 0 && !(await pause(delayMs, response))) return;
      if (fault?.kind === 'stall') {
        return stall(response, fault.afterHeaders ? partialAnswer(format) : undefined);
      }
      const faulted = fault && faultAnswer(fault, url, format);
      if (faulted) {
        recorded.status = faulted.status;
        response.writeHead(faulted.status, faulted.headers);
        response.end(faulted.body);
        return;
      }
      const query = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
      answer = api ? respond(request, api, query, body) : NOT_FOUND;
      if (fault?.kind === 'lost') {
        // The work is done; its answer never leaves.
        recorded.status = answer.status;
        request.socket.resetAndDestroy();
        return;
      }
      if (fault?.kind === 'odd' && answer.status === 200) {
        answer = {
          ...answer,
          payload: oddPayload(answer.payload, fault),
          ...(answer.xmlPayload && { xmlPayload: oddPayload(answer.xmlPayload, fault) }),
        };
      }
      text = serialize(format === 'xml' ? (answer.xmlPayload ?? answer.payload) : answer.payload, format);
    } catch {
      // The client hung up mid-body: no one to answer; its record keeps status 0.
      if (response.destroyed) return;
      answer = INTERNAL_ERROR;
      text = serialize(answer.payload, format);
    }
    recorded.status = answer.status;
    response.writeHead(answer.status, {
      'content-type': CONTENT_TYPES[format],
      'content-length': Buffer.byteLength(text),
      // SalesBinder's clock, which `modified` and `modifiedSince` are on.
      date: new Date(now()).toUTCString(),
      ...answer.headers,
    });
    response.end(text);
  }

  const server = createServer((request, response) => {
    // Whatever goes wrong with one exchange must not take the process down.
    serve(request, response).catch(() => response.destroy());
  });

  function baseUrl(): string {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('The sandbox is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  return {
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(baseUrl());
        });
      });
    },
    get url() {
      return baseUrl();
    },
    close() {
      for (const end of [...held]) end();
      return new Promise((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
    requests,
    app,
    keys: keyControl,
    reset,
    setRateLimits(limits) {
      limiter.setLimits(limits ?? SANDBOX_RATE_LIMITS);
    },
    customer(id) {
      const record = store.get(id);
      return record && structuredClone(record);
    },
    ids(contextId) {
      return [...store.values()]
        .filter((record) => record.context_id === contextId)
        .sort((a, b) => a.customer_number - b.customer_number)
        .map((record) => record.id);
    },
    setDeletedLog(next) {
      deletions.configure(next);
    },
    setChangeFeed(behaviour) {
      changeFeed = { ...behaviour };
    },
    faults: {
      add: faults.add,
      remove: faults.remove,
      clear: faults.clear,
      list: faults.list,
    },
  };
}
