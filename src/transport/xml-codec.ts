/**
 * SalesBinder's XML, both ways. Requests are `<customer>…</customer>`; answers are
 * `<response>…</response>`, read into the very envelope JSON gives (`{message, customer}`,
 * `{count, page, pages, customers: [...]}`, `{message: {errors: ...}}`), with every value left as
 * text: turning `641` or `0` into numbers and booleans is the mapping's job, not the parser's.
 *
 * What comes back is untrusted: a proxy's HTML page, a truncated body, or a document built to
 * exhaust the parser. Anything that is not a well-formed `<response>` is an
 * `UnreadableBodyError`, decided in time linear in the body (whose size the transport caps).
 */
import { type EntityDecoderOptions, XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { isCarriableText } from '../domain/text.ts';
import { UnreadableBodyError, type WireCodec } from './codec.ts';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Character references one answer may hold. None of them can expand (`&#65;` is five characters
 * for one), so the bound is not about memory: no serializer writes SalesBinder's values with more
 * than a handful of them (libxml2 escapes only `& < >` and CR), so a flood of them is hostile and
 * is refused before the document is even checked.
 */
export const MAX_CHARACTER_REFERENCES = 20_000;

/** Deepest nesting an answer needs is response › message › errors › field › rule. */
const MAX_DEPTH = 16;

// ---- Writing ------------------------------------------------------------------------------------

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A parser turns every raw CR (and CRLF) into LF before anything else; as a reference it survives.
  '\r': '&#13;',
};
const NEEDS_ESCAPE = /[&<>"'\r]/g;

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function escapeText(value: string): string {
  // No escape can carry what XML 1.0's Char production leaves out. The input rules refuse it in
  // every format, so meeting it here is a bug, not a user's mistake.
  if (!isCarriableText(value)) {
    throw new RangeError('the value holds a character XML 1.0 cannot carry');
  }
  return value.replace(NEEDS_ESCAPE, (c) => ESCAPES[c] ?? c);
}

const builder = new XMLBuilder({
  // Escaping is done in one pass above, CR included, instead of the builder's five passes without it.
  processEntities: false,
  tagValueProcessor: (_name, value) => escapeText(String(value)),
  // A cleared field is `<office_fax></office_fax>`, as the documentation's examples write elements.
  suppressEmptyNode: false,
});

function encodeCustomer(fields: Readonly<Record<string, string | number>>): string {
  for (const name of Object.keys(fields)) {
    if (!FIELD_NAME.test(name)) throw new RangeError(`"${name}" cannot be an XML element name`);
  }
  return XML_DECLARATION + builder.build({ customer: fields });
}

// ---- Reading ------------------------------------------------------------------------------------

const NAMED_REFERENCES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};
// The last, empty alternative catches an `&` that starts no reference this codec knows.
const REFERENCE = /&(?:#x([0-9A-Fa-f]{1,8});|#([0-9]{1,10});|(amp|lt|gt|quot|apos);|)/g;

/**
 * The five predefined entities and numeric character references, nothing else: no HTML names,
 * no declared entities, so nothing can expand. It stands in for fast-xml-parser's own decoder,
 * which would decode `&nbsp;`-style names only together with every HTML entity, and silently
 * drops what it cannot decode instead of refusing the document.
 */
function createReferenceDecoder(): EntityDecoderOptions {
  return {
    reset() {},
    decode(text) {
      if (!text.includes('&')) return text;
      return text.replace(REFERENCE, (_match, hex?: string, decimal?: string, name?: string) => {
        if (name !== undefined) return NAMED_REFERENCES[name] ?? '';
        if (hex === undefined && decimal === undefined) {
          throw new UnreadableBodyError('the answer holds an "&" that starts no known reference');
        }
        const codePoint = hex === undefined ? Number(decimal) : Number.parseInt(hex, 16);
        // NUL and surrogates are not characters. C0 controls are, though XML 1.0 forbids them:
        // SalesBinder may hold one (typed in its UI), and JSON would deliver it, so decode it.
        if (codePoint === 0 || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) {
          throw new UnreadableBodyError('the answer refers to a character that does not exist');
        }
        return String.fromCodePoint(codePoint);
      });
    },
    // Only a DOCTYPE brings entity definitions, and those are refused before parsing; should
    // one ever slip through, refuse it here too rather than expand it.
    addInputEntities(entities) {
      if (Object.keys(entities).length > 0) throw new UnreadableBodyError('entity declarations are refused');
    },
    setExternalEntities(entities) {
      if (Object.keys(entities).length > 0) throw new UnreadableBodyError('entity declarations are refused');
    },
    setXmlVersion() {},
  };
}

const LIST_RECORD_PATH = 'response.customers.customer';

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // `<postal_code>01234</postal_code>` stays "01234", `<archived>0</archived>` stays "0".
  parseTagValue: false,
  // "   " is a value that must come back as sent; the whitespace between elements is dropped below.
  trimValues: false,
  // On, so that text (not CDATA) goes through the decoder above; off would leave `&amp;` as is.
  processEntities: true,
  entityDecoder: createReferenceDecoder(),
  // A page with one record must still be a list.
  isArray: (name, path) => name === 'customer' && path.toString() === LIST_RECORD_PATH,
  // Callbacks get a live view of the path instead of a string built for every tag.
  jPath: false,
  maxNestedTags: MAX_DEPTH,
});

// Any markup declaration (<!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST, <!NOTATION): the way in for
// entity expansion (billion laughs) and external entities. SalesBinder needs none of them.
const DECLARATION = /<!(?!--|\[CDATA\[)/;
const XML_WHITESPACE = /^[ \t\r\n]*$/;
// The transport reads every body as UTF-8 (as JSON always is). A body declaring another encoding
// would come out garbled, and silently: refuse it instead. ASCII is UTF-8 already.
const FOREIGN_ENCODING = /^\s*<\?xml[^>]*\sencoding\s*=\s*["'](?!(?:utf-?8|us-ascii)["'])/i;

function isXmlWhitespace(text: string): boolean {
  return XML_WHITESPACE.test(text);
}

/** Every `&` outside CDATA starts a reference, so counting them bounds the references cheaply. */
function countAmpersands(text: string, atMost: number): number {
  let count = 0;
  for (let at = text.indexOf('&'); at !== -1 && count <= atMost; at = text.indexOf('&', at + 1)) count++;
  return count;
}

/** The validator accepts text after the root element and drops it; a whole answer ends with `>`. */
function endsWithMarkup(text: string): boolean {
  let end = text.length - 1;
  while (end >= 0 && ' \t\r\n'.includes(text.charAt(end))) end--;
  return text.charAt(end) === '>';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** fast-xml-parser's tree without the whitespace between elements; text beside elements is refused. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (!isRecord(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    if (name === '#text') {
      if (!isXmlWhitespace(String(child))) {
        throw new UnreadableBodyError('the answer mixes text and elements');
      }
      continue;
    }
    result[name] = plain(child);
  }
  return result;
}

function envelopeOf(document: unknown): Record<string, unknown> {
  if (!isRecord(document)) throw new UnreadableBodyError('the answer is not XML');
  const names = Object.keys(document);
  const root = document.response;
  if (names.length !== 1 || root === undefined || Array.isArray(root)) {
    throw new UnreadableBodyError('the answer is not one <response> element');
  }
  if (typeof root === 'string') {
    if (isXmlWhitespace(root)) return {};
    throw new UnreadableBodyError('the <response> holds text instead of elements');
  }
  const envelope = plain(root) as Record<string, unknown>;
  if ('customers' in envelope) envelope.customers = recordsOf(envelope.customers);
  return envelope;
}

/** `<customers>` holding `<customer>` elements is JSON's `customers` list; an empty one is `[]`. */
function recordsOf(customers: unknown): unknown {
  if (typeof customers === 'string' && isXmlWhitespace(customers)) return [];
  if (isRecord(customers)) return customers.customer ?? [];
  return customers;
}

function decode(body: string): unknown {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (DECLARATION.test(text)) {
    throw new UnreadableBodyError('the answer carries a DOCTYPE or other markup declaration');
  }
  if (FOREIGN_ENCODING.test(text)) {
    throw new UnreadableBodyError('the answer declares an encoding other than UTF-8');
  }
  if (countAmpersands(text, MAX_CHARACTER_REFERENCES) > MAX_CHARACTER_REFERENCES) {
    throw new UnreadableBodyError('the answer holds a flood of character references');
  }
  // XMLValidator is deprecated in favour of a separate package, but the parser alone accepts
  // unclosed and mismatched tags without a word: well-formedness is checked here, first.
  if (XMLValidator.validate(text) !== true || !endsWithMarkup(text)) {
    throw new UnreadableBodyError('the answer is not well-formed XML');
  }
  let document: unknown;
  try {
    document = parser.parse(text);
  } catch (error) {
    if (error instanceof UnreadableBodyError) throw error;
    throw new UnreadableBodyError('the answer is not XML that can be read', { cause: error });
  }
  return envelopeOf(document);
}

export const xmlCodec: WireCodec = {
  format: 'xml',
  contentType: 'application/xml',
  encodeCustomer,
  decode,
};
