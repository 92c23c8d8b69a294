import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { CONTENT_TYPES, type Format, type Json, type Payload, serialize } from './formats.ts';
import { seededRandom } from './random.ts';
import { type CustomerRecord, DOC_EXAMPLE_ID, seedCustomers } from './seed.ts';

export type FaultKind =
  /** Answers `status` with a small body in the path's format, or an HTML error page. */
  | 'status'
  /** Waits, then lets the request through to the API as usual (limits, authentication and all). */
  | 'delay'
  /** Accepts the request and never answers, until the client gives up or the sandbox closes. */
  | 'stall'
  /** Drops the connection (TCP RST) without answering. */
  | 'reset'
  /** Does the work as usual (an edit, a create, a delete happens), then drops the connection instead of answering. */
  | 'lost'
  /** 200 with a body that does not parse in the path's format. */
  | 'malformed'
  /** 200 with a valid list body of `bytes` bytes. */
  | 'oversized'
  /** A redirect to `location`. */
  | 'redirect'
  /** 200 with an HTML maintenance page, as a proxy in maintenance mode answers. */
  | 'html'
  /**
   * The API's own answer, with account records written oddly (`oddity`): the record `id`, or every
   * record the answer carries. The request is served as usual otherwise (limits, keys, data).
   */
  | 'odd';

export interface FaultMatch {
  /** Case-insensitive. */
  method?: string;
  /** A substring of the path with its query string, e.g. 'customers/19d3', '.xml' or 'page=2'. */
  path?: string;
}

export interface Fault {
  kind: FaultKind;
  /** Which requests it applies to; every request outside /_sandbox/ by default. */
  match?: FaultMatch;
  /** Fraction of matching requests affected, drawn from the sandbox's seeded generator. @default 1 */
  rate?: number;
  /** Affect only this many matching requests, then the fault removes itself. @default unlimited */
  times?: number;
  /** `status`: 400 to 599, @default 503. `redirect`: 300 to 399, @default 302. */
  status?: number;
  /** `status`: seconds sent as Retry-After, whatever the status (429 and 503 both use it). @default none */
  retryAfter?: number;
  /** `delay` (required): milliseconds, at most an hour. */
  delayMs?: number;
  /** `oversized`: body size, 1 KiB to 64 MiB. @default 2 MiB */
  bytes?: number;
  /** `redirect`: the Location header. @default the request's path and query on https://example.invalid */
  location?: string;
  /** `status`: an HTML error page instead of a JSON or XML body. @default false */
  html?: boolean;
  /**
   * `status`: how the body says it, in the path's format: `message` is `{"message": text}`; `v1` is
   * API 1.x's `{"Errors": [{"Error": {"message": text}}]}`; `fields` is CakePHP's
   * `{"message": {"errors": {field: {rule: text}}}}`. @default 'message'
   */
  form?: ErrorForm;
  /** `status`: the text the body carries. @default the status's reason phrase, e.g. Unprocessable Entity */
  message?: string;
  /** `status` with form `fields`: the field SalesBinder names. @default 'name' */
  field?: string;
  /** `stall`: send 200 headers and half the body first, so the client hangs reading, not waiting. @default false */
  afterHeaders?: boolean;
  /**
   * `odd` (required): `no-offset` writes `created` and `modified` without an offset, as a MySQL
   * column prints them (`2016-11-11 01:13:09`); `no-modified` leaves `modified` out.
   */
  oddity?: Oddity;
  /** `odd`: only the record with this id. @default every record */
  id?: string;
}

export const ODDITIES = ['no-offset', 'no-modified'] as const;
export type Oddity = (typeof ODDITIES)[number];

export const ERROR_FORMS = ['message', 'v1', 'fields'] as const;
export type ErrorForm = (typeof ERROR_FORMS)[number];

export type ListedFault = Fault & {
  id: string;
  /** How many more requests it will affect; only for faults added with `times`. */
  remaining?: number;
};

export interface FaultControl {
  /** Validates the fault (throws an Error saying what is wrong) and returns its id. */
  add(fault: Fault): string;
  /** True when there was such a fault. */
  remove(id: string): boolean;
  clear(): void;
  /** Copies, in the order they are checked. */
  list(): ListedFault[];
}

const DEFAULT_OVERSIZED_BYTES = 2 * 1024 * 1024;
const MIN_OVERSIZED_BYTES = 1024;
const MAX_OVERSIZED_BYTES = 64 * 1024 * 1024;
const MAX_DELAY_MS = 60 * 60 * 1000;
const MAX_RETRY_AFTER = 24 * 60 * 60;
const MAX_MESSAGE_LENGTH = 10_000;

const common = {
  match: z
    .strictObject({
      method: z
        .string()
        .regex(/^[A-Za-z]+$/, 'Expected an HTTP method such as GET')
        .optional(),
      path: z.string().min(1).optional(),
    })
    .optional(),
  rate: z.number().min(0).max(1).optional(),
  times: z.int().min(1).optional(),
};

const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('status'),
    ...common,
    status: z.int().min(400).max(599).optional(),
    retryAfter: z.int().min(0).max(MAX_RETRY_AFTER).optional(),
    html: z.boolean().optional(),
    form: z.enum(ERROR_FORMS).optional(),
    message: z.string().min(1).max(MAX_MESSAGE_LENGTH).optional(),
    // It becomes an element's name in XML.
    field: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'Expected a field name such as billing_city')
      .optional(),
  }),
  z.strictObject({ kind: z.literal('delay'), ...common, delayMs: z.int().min(0).max(MAX_DELAY_MS) }),
  z.strictObject({ kind: z.literal('stall'), ...common, afterHeaders: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('reset'), ...common }),
  z.strictObject({ kind: z.literal('lost'), ...common }),
  z.strictObject({ kind: z.literal('malformed'), ...common }),
  z.strictObject({
    kind: z.literal('oversized'),
    ...common,
    bytes: z.int().min(MIN_OVERSIZED_BYTES).max(MAX_OVERSIZED_BYTES).optional(),
  }),
  z.strictObject({
    kind: z.literal('redirect'),
    ...common,
    status: z.int().min(300).max(399).optional(),
    // Control characters would make an invalid header and fail only when the fault fires.
    location: z
      .string()
      .regex(/^[^\p{Cc}]+$/u, 'Expected a URL without control characters')
      .optional(),
  }),
  z.strictObject({ kind: z.literal('html'), ...common }),
  z.strictObject({
    kind: z.literal('odd'),
    ...common,
    oddity: z.enum(ODDITIES),
    id: z.string().min(1).max(64).optional(),
  }),
]) satisfies z.ZodType<Fault>;

function optionsOf(kind: unknown): string | undefined {
  const schema = faultSchema.options.find((option) => option.shape.kind.value === kind);
  return schema && Object.keys(schema.shape).join(', ');
}

/** One line per problem, each led by where it is, e.g. `[1].rate: Too big: expected number to be <=1`. */
function explain(error: z.ZodError, input: unknown, prefix: string): string[] {
  return error.issues.map((issue) => {
    const where =
      prefix + issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
    const kind = typeof input === 'object' && input !== null && 'kind' in input ? input.kind : undefined;
    const options =
      issue.code === 'unrecognized_keys' && issue.path.length === 0 ? optionsOf(kind) : undefined;
    const text = options ? `${issue.message} (a ${String(kind)} fault takes ${options})` : issue.message;
    return where ? `${where.replace(/^\./, '')}: ${text}` : text;
  });
}

export type ParsedFaults = { ok: true; faults: Fault[] } | { ok: false; message: string };

/** One fault or an array of them, as a control request sends; all valid or none taken. */
export function parseFaults(input: unknown): ParsedFaults {
  const many = Array.isArray(input);
  const items: unknown[] = many ? input : [input];
  if (items.length === 0) return { ok: false, message: 'Expected a fault or a non-empty array of faults' };
  const faults: Fault[] = [];
  const problems: string[] = [];
  items.forEach((item, index) => {
    const parsed = faultSchema.safeParse(item);
    if (parsed.success) faults.push(parsed.data);
    else problems.push(...explain(parsed.error, item, many ? `[${index}]` : ''));
  });
  return problems.length
    ? { ok: false, message: `Invalid fault: ${problems.join('; ')}` }
    : { ok: true, faults };
}

export interface FaultDecision {
  /** The sum of the delay faults that fired. */
  delayMs: number;
  /** The fault that answers instead of the API, if one fired. */
  fault?: Fault;
}

interface Entry {
  fault: Fault;
  remaining?: number;
}

export function createFaultRegistry(seed: number) {
  let random = seededRandom(seed);
  // Monotonic across clear() and reset(), so a stale id can never remove a newer fault.
  let nextId = 1;
  // A Map iterates in insertion order, which is the order faults are checked in.
  const entries = new Map<string, Entry>();

  function insert(fault: Fault): string {
    const id = `fault-${nextId++}`;
    entries.set(id, { fault, ...(fault.times !== undefined && { remaining: fault.times }) });
    return id;
  }

  return {
    add(fault: Fault): string {
      const parsed = parseFaults(fault);
      if (!parsed.ok) throw new Error(parsed.message);
      return insert(parsed.faults[0] as Fault);
    },
    /** For faults that went through parseFaults already. */
    addParsed(faults: Fault[]): string[] {
      return faults.map(insert);
    },
    remove(id: string): boolean {
      return entries.delete(id);
    },
    clear(): void {
      entries.clear();
    },
    list(): ListedFault[] {
      return [...entries].map(([id, { fault, remaining }]) => ({
        id,
        ...structuredClone(fault),
        ...(remaining !== undefined && { remaining }),
      }));
    },
    /** Starts the generator over, so each test after a reset sees the same draws. */
    reseed(): void {
      random = seededRandom(seed);
    },
    /**
     * Delays add up and the checking goes on past them, so a delay before a status fault makes a
     * slow error; the first other fault that fires ends the checking and answers.
     */
    pick(method: string, path: string): FaultDecision {
      let delayMs = 0;
      for (const [id, entry] of entries) {
        const { fault } = entry;
        if (fault.match?.method !== undefined && fault.match.method.toUpperCase() !== method.toUpperCase()) {
          continue;
        }
        if (fault.match?.path !== undefined && !path.includes(fault.match.path)) continue;
        const rate = fault.rate ?? 1;
        if (rate < 1 && random() >= rate) continue;
        if (entry.remaining !== undefined && --entry.remaining === 0) entries.delete(id);
        if (fault.kind !== 'delay') return { delayMs, fault };
        delayMs += fault.delayMs ?? 0;
      }
      return { delayMs };
    },
  };
}

export interface FaultAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const HTML = 'text/html; charset=utf-8';

function answer(
  status: number,
  contentType: string | undefined,
  body: string | Buffer,
  headers = {},
): FaultAnswer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    status,
    headers: {
      ...(contentType && { 'content-type': contentType }),
      'content-length': String(bytes.length),
      ...headers,
    },
    body: bytes,
  };
}

function docRecord(): CustomerRecord {
  const record = seedCustomers().find((candidate) => candidate.id === DOC_EXAMPLE_ID);
  if (!record) throw new Error('The seed data lost the documentation example');
  return record;
}

/** A real View Account answer, for the bodies that are cut short. */
function viewBody(format: Format): Buffer {
  return Buffer.from(serialize({ customer: docRecord() }, format));
}

function errorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

const MAINTENANCE_PAGE =
  '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Down for maintenance</title></head>\n' +
  "<body>\n<h1>We'll be back soon</h1>\n<p>SalesBinder is undergoing scheduled maintenance. Please try again shortly.</p>\n</body>\n</html>\n";

function listBody(format: Format, count: number): string {
  const records: CustomerRecord[] = Array(count).fill(docRecord());
  const envelope = { count: String(count), page: '1', pages: '1' };
  const payload: Payload =
    format === 'json'
      ? { ...envelope, customers: records.map((record) => [record]) }
      : { ...envelope, customers: { customer: records } };
  return serialize(payload, format);
}

// Building tens of MiB per request would make the sandbox, not the client, the bottleneck of a benchmark.
const oversizedCache = new Map<string, Buffer>();
const OVERSIZED_CACHE_ENTRIES = 2;

/** As many copies of one account as fit, padded with trailing whitespace (legal after the root) to the byte. */
function oversizedBody(format: Format, bytes: number): Buffer {
  const key = `${format}:${bytes}`;
  const cached = oversizedCache.get(key);
  if (cached) return cached;
  const one = Buffer.byteLength(listBody(format, 1));
  const perRecord = Buffer.byteLength(listBody(format, 2)) - one;
  // Room for the count to grow to ten digits, so the estimate never overshoots.
  let count = Math.max(0, 1 + Math.floor((bytes - one - 10) / perRecord));
  let text = listBody(format, count);
  while (count > 0 && Buffer.byteLength(text) > bytes) text = listBody(format, --count);
  const body = Buffer.alloc(bytes, ' ');
  body.write(text);
  if (oversizedCache.size >= OVERSIZED_CACHE_ENTRIES) oversizedCache.clear();
  oversizedCache.set(key, body);
  return body;
}

/** An error body in one of the forms SalesBinder has been seen to use (salesbinder-api.md, Errors). */
function errorPayload(form: ErrorForm, text: string, field: string): Payload {
  switch (form) {
    case 'message':
      return { message: text };
    case 'v1':
      return { Errors: [{ Error: { message: text } }] };
    case 'fields':
      return { message: { errors: { [field]: { invalid: text } } } };
  }
}

/**
 * The answer of a fault that answers at once; undefined for delay, stall, reset and lost, which the
 * server carries out itself.
 */
export function faultAnswer(fault: Fault, url: string, format: Format): FaultAnswer | undefined {
  switch (fault.kind) {
    case 'status': {
      const status = fault.status ?? 503;
      const headers = fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
      if (fault.html) return answer(status, HTML, errorPage(status), headers);
      const text = fault.message ?? STATUS_CODES[status] ?? 'Error';
      const payload = errorPayload(fault.form ?? 'message', text, fault.field ?? 'name');
      return answer(status, CONTENT_TYPES[format], serialize(payload, format), headers);
    }
    case 'malformed': {
      const whole = viewBody(format);
      return answer(200, CONTENT_TYPES[format], whole.subarray(0, Math.floor(whole.length / 2)));
    }
    case 'oversized':
      return answer(
        200,
        CONTENT_TYPES[format],
        oversizedBody(format, fault.bytes ?? DEFAULT_OVERSIZED_BYTES),
      );
    case 'redirect':
      return answer(fault.status ?? 302, undefined, '', {
        location: fault.location ?? `https://example.invalid${url}`,
      });
    case 'html':
      return answer(200, HTML, MAINTENANCE_PAGE);
    default:
      return undefined;
  }
}

/** Headers announcing a whole View Account answer, and the first half of it: the rest never comes. */
export function partialAnswer(format: Format): FaultAnswer {
  const whole = viewBody(format);
  return {
    ...answer(200, CONTENT_TYPES[format], whole),
    body: whole.subarray(0, Math.floor(whole.length / 2)),
  };
}

/** An account record as the API would print it: an object with an id and timestamps. */
function isAccountRecord(value: unknown): value is Record<string, Json> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'id' in value &&
    'created' in value
  );
}

function oddly(value: Json, fault: Fault): Json {
  if (Array.isArray(value)) return value.map((item) => oddly(item, fault));
  if (typeof value !== 'object' || value === null) return value;
  if (isAccountRecord(value) && (fault.id === undefined || value.id === fault.id)) {
    const record = { ...value };
    if (fault.oddity === 'no-modified') delete record.modified;
    else {
      for (const field of ['created', 'modified'] as const) {
        const written = record[field];
        if (typeof written === 'string') {
          record[field] = written.replace(/(Z|[+-]\d{2}:?\d{2})$/i, '').replace('T', ' ');
        }
      }
    }
    return record;
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, oddly(item, fault)]));
}

/** A 2xx answer of the API with its account records written as an `odd` fault says (copies, never the store's). */
export function oddPayload(payload: Payload, fault: Fault): Payload {
  return oddly(payload, fault) as Payload;
}
