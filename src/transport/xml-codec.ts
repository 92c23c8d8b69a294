/**
 * SalesBinder's XML, both ways. Requests are `<customer>…</customer>`; answers are
 * `<response>…</response>`, read into the very envelope JSON gives (`{message, customer}`,
 * `{count, page, pages, customers: [...]}`, `{message: {errors: ...}}`), with every value left as
 * text: turning `641` or `0` into numbers and booleans is the mapping's job, not the parser's.
 *
 * What comes back is untrusted: a proxy's HTML page, a truncated body, or a document built to
 * exhaust the parser. Anything that is not a well-formed `<response>` is an
 * `UnreadableBodyError`, decided in time linear in the body (whose size the transport caps).
 *
 * Both ways are written by hand, for the little of XML that SalesBinder uses: elements (their
 * attributes checked, then ignored), text, the five predefined entities, numeric character
 * references, CDATA, comments, processing instructions and the XML declaration; anything else is
 * refused. This used to be fast-xml-parser's XMLValidator and XMLParser (and XMLBuilder): encoding
 * the documented edit and decoding its answer took 63-70 µs (`node bench/xml-vs-json.ts`) against
 * 1.7 µs for JSON, which, with a whole JSON request at about 90 µs of CPU, kept the gateway in XML
 * well short of 0.9× its JSON throughput. Here it takes 6.8-7.0 µs: one pass over the body,
 * without recursion, and no regular expression that could backtrack.
 *
 * fast-xml-parser stays as the oracle: test/unit/xml-reader-oracle.test.ts keeps the former
 * implementation and checks, over generated answers and broken ones, that this reader gives the
 * same envelope or refuses what it refused. The few documents it let through that are not
 * well-formed XML (or that it read against XML's rules), and that this reader refuses, are listed
 * and pinned there.
 */
import { UnreadableBodyError, type WireCodec } from './codec.ts';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Character references one answer may hold. None of them can expand (`&#65;` is five characters
 * for one), so the bound is not about memory: no serializer writes SalesBinder's values with more
 * than a handful of them (libxml2 escapes only `& < >` and CR), so a flood of them is hostile and
 * is refused. Every `&` counts, wherever it stands (CDATA and comments included).
 */
export const MAX_CHARACTER_REFERENCES = 20_000;

/**
 * Deepest nesting an answer needs is response › message › errors › field › rule. As with
 * fast-xml-parser's `maxNestedTags`, which set it before: an element may open inside at most this
 * many open ones (so 17 levels, and an empty element at an 18th).
 */
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

// XML 1.0's Char production leaves these out: no escape can carry them. The input rules refuse
// them in every format, so meeting one here is a bug, not a user's mistake.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function escapeText(value: string): string {
  if (NOT_XML_CHAR.test(value) || !value.isWellFormed()) {
    throw new RangeError('the value holds a character XML 1.0 cannot carry');
  }
  return value.replace(NEEDS_ESCAPE, (c) => ESCAPES[c] ?? c);
}

/** `<?xml …?><customer><name>…</name>…</customer>`, byte for byte what XMLBuilder wrote before. */
function encodeCustomer(fields: Readonly<Record<string, string>>): string {
  const names = Object.keys(fields);
  for (const name of names) {
    if (!FIELD_NAME.test(name)) throw new RangeError(`"${name}" cannot be an XML element name`);
  }
  let xml = `${XML_DECLARATION}<customer>`;
  for (const name of names) {
    // A cleared field is `<office_fax></office_fax>`, as the documentation's examples write elements.
    xml += `<${name}>${escapeText(String(fields[name]))}</${name}>`;
  }
  return `${xml}</customer>`;
}

// ---- Reading ------------------------------------------------------------------------------------

const NOT_WELL_FORMED = 'the answer is not well-formed XML';
const NOT_ONE_RESPONSE = 'the answer is not one <response> element';
const DECLARATION = 'the answer carries a DOCTYPE or other markup declaration';
const FLOOD = 'the answer holds a flood of character references';
const MIXED = 'the answer mixes text and elements';
const MALFORMED_PROCESSING_INSTRUCTION = 'the answer has a malformed processing instruction';

/** What `Reader.reference` returns for a reference it refuses, and why, by that code. */
const MALFORMED_REFERENCE = -1;
const UNKNOWN_REFERENCE = -2;
const NO_SUCH_CHARACTER = -3;
const REFERENCE_REFUSALS = [
  '',
  NOT_WELL_FORMED,
  'the answer holds an "&" that starts no known reference',
  'the answer refers to a character that does not exist',
];

/** The five entities XML predefines, and what they stand for. */
const PREDEFINED_ENTITIES: ReadonlyArray<readonly [string, string]> = [
  ['&amp;', '&'],
  ['&lt;', '<'],
  ['&gt;', '>'],
  ['&quot;', '"'],
  ['&apos;', "'"],
];

function refuse(reason: string): never {
  throw new UnreadableBodyError(reason);
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const BANG = 0x21;
const QUOTE = 0x22;
const HASH = 0x23;
const AMPERSAND = 0x26;
const APOSTROPHE = 0x27;
const SLASH = 0x2f;
const SEMICOLON = 0x3b;
const LESS_THAN = 0x3c;
const EQUALS = 0x3d;
const GREATER_THAN = 0x3e;
const QUESTION_MARK = 0x3f;
const LOWER_X = 0x78;

function isWhitespace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR;
}

/**
 * Space to JavaScript's `trim`, and so to fast-xml-parser, which cut tag names short at it; not to
 * XML. U+1680 and U+FEFF are even name characters there.
 */
function isForeignSpace(c: number): boolean {
  return (
    c === 0x0b ||
    c === 0x0c ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
const FOREIGN_SPACE = 'the answer has a tag name beside a space XML does not know';
// The validator skipped an `=` that follows no attribute name.
const STRAY_EQUALS = 'the answer has an "=" in a tag that belongs to no attribute';

function isWhitespaceOnly(text: string): boolean {
  for (let at = 0; at < text.length; at++) if (!isWhitespace(text.charCodeAt(at))) return false;
  return true;
}

// Names are XML's Name production within the Basic Multilingual Plane (`:`, letters, `_`, then
// also digits, `-`, `.` and combining marks): the set fast-xml-parser accepted before.
const NAME_START = 1;
const NAME_PART = 2;
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[:A-Za-z_]/.test(ch)) ASCII_NAME[c] = NAME_START | NAME_PART;
  else if (/[-.0-9]/.test(ch)) ASCII_NAME[c] = NAME_PART;
}

function isWideNameStart(c: number): boolean {
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    c === 0x200c ||
    c === 0x200d ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd)
  );
}

function isWideNamePart(c: number): boolean {
  return isWideNameStart(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

/** What a tag name becomes as a key: the names that would reach the prototype are refused. */
function keyOf(name: string): string {
  switch (name) {
    case '__proto__':
    case 'constructor':
    case 'prototype':
      return refuse(`<${name}> could reach the prototype of the envelope`);
    // fast-xml-parser renamed these, and so the envelope had them before.
    case 'hasOwnProperty':
    case 'toString':
    case 'valueOf':
    case '__defineGetter__':
    case '__defineSetter__':
    case '__lookupGetter__':
    case '__lookupSetter__':
      return `__${name}`;
    default:
      return name;
  }
}

/**
 * The rest of `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` after `<?xml`, as XML 1.0
 * writes it. Linear: no quantified part can match what follows it.
 */
const XML_DECLARATION_REST =
  /[ \t\n]+version[ \t\n]*=[ \t\n]*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(?:"([A-Za-z][-A-Za-z0-9._]*)"|'([A-Za-z][-A-Za-z0-9._]*)'))?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\n]*\?>/y;
// The transport reads every body as UTF-8 (as JSON always is). A body declaring another encoding
// would come out garbled, and silently: refuse it instead. ASCII is UTF-8 already.
const READABLE_ENCODINGS = new Set(['utf-8', 'utf8', 'us-ascii']);
const FOREIGN_ENCODING = 'the answer declares an encoding other than UTF-8';

/**
 * Whether the start of a processing instruction whose target begins with `xml`, up to its first
 * `>`, says `encoding="…"` with another encoding: the former reader refused that much before
 * reading the body as XML, declaration or not (`<?xml-stylesheet encoding="latin1"?>`).
 */
function declaresForeignEncoding(text: string): boolean {
  const lower = text.toLowerCase();
  for (let at = lower.indexOf('encoding'); at !== -1; at = lower.indexOf('encoding', at + 1)) {
    if (!/\s/.test(lower.charAt(at - 1))) continue;
    let end = at + 'encoding'.length;
    while (/\s/.test(lower.charAt(end))) end++;
    if (lower.charAt(end) !== '=') continue;
    do end++;
    while (/\s/.test(lower.charAt(end)));
    if (lower.charAt(end) !== '"' && lower.charAt(end) !== "'") continue;
    if (!/^(?:utf-?8|us-ascii)["']/.test(lower.slice(end + 1, end + 11))) return true;
  }
  return false;
}

/** An element being read: its text so far and, once it has any, its child elements. */
interface Open {
  /** Where its name stands in the body, for the end tag to match. */
  readonly nameStart: number;
  readonly nameEnd: number;
  readonly key: string;
  /** `response › customers`, whose `<customer>` elements are a list even when there is one. */
  readonly isList: boolean;
  text: string;
  children: Record<string, unknown> | undefined;
}

/** An element's value: its text, or its children once the whitespace between them is dropped. */
function valueOfElement(element: Open): unknown {
  if (element.children === undefined) return element.text;
  if (!isWhitespaceOnly(element.text)) refuse(MIXED);
  return element.children;
}

function addChild(parent: Open, key: string, value: unknown): void {
  parent.children ??= {};
  const siblings = parent.children;
  if (Object.hasOwn(siblings, key)) {
    // A repeated element becomes a list, for the mapping to judge.
    const earlier = siblings[key];
    if (Array.isArray(earlier)) earlier.push(value);
    else siblings[key] = [earlier, value];
  } else {
    siblings[key] = parent.isList && key === 'customer' ? [value] : value;
  }
}

/**
 * One strict pass over the body, without recursion: the open elements are a stack of at most
 * MAX_DEPTH. Text is cut out between `indexOf('<')`s, and the next `&` and `<!` are found with
 * `indexOf` too and remembered, so that no part of the body is looked at more than a few times.
 */
class Reader {
  private readonly s: string;
  private at: number;
  /** The next `&` at or after the last position asked about: -1 none left, -2 not looked for yet. */
  private nextAmpersandAt = -2;
  /** The same for `<!`. */
  private nextBangAt = -2;
  private ampersands = 0;
  /** The character the last reference stands for. */
  private referenced = '';
  /** Whether the last start tag was an empty-element tag (`<name/>`). */
  private selfClosed = false;

  constructor(body: string) {
    // XML turns every CR and CRLF into LF before anything else (a CR survives as `&#13;` only).
    this.s = body.includes('\r') ? body.replace(/\r\n?/g, '\n') : body;
    this.at = this.s.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  /** The document: the XML declaration, comments, processing instructions, one root element. */
  read(): Record<string, unknown> {
    const s = this.s;
    const start = this.at;
    let root: unknown;
    let rootRead = false;
    // fast-xml-parser kept whitespace outside the root followed by a processing instruction as
    // text of the document, and so refused the answer: kept, as nothing sends one there anyway.
    let spaceSinceMarkup = false;
    while (this.at < s.length) {
      const c = s.charCodeAt(this.at);
      if (isWhitespace(c)) {
        spaceSinceMarkup = true;
        this.at++;
        continue;
      }
      if (c !== LESS_THAN) {
        if (rootRead) refuse('the answer holds text after its root element');
        if (c === 0xfeff && this.at === start) refuse('the answer starts with a second byte order mark');
        refuse(NOT_WELL_FORMED);
      }
      const next = s.charCodeAt(this.at + 1);
      if (next === QUESTION_MARK) {
        if (spaceSinceMarkup) refuse('the answer has a processing instruction after text');
        this.processingInstruction(this.at === start);
        spaceSinceMarkup = false;
      } else if (next === BANG) {
        if (s.startsWith('<![CDATA[', this.at)) refuse('the answer holds CDATA outside its root element');
        if (!s.startsWith('<!--', this.at)) refuse(DECLARATION);
        this.comment();
      } else if (next === SLASH) {
        this.badEndTag();
      } else if (rootRead) {
        refuse(NOT_ONE_RESPONSE);
      } else {
        root = this.rootElement();
        rootRead = true;
        spaceSinceMarkup = false;
      }
    }
    if (!rootRead) refuse(NOT_WELL_FORMED);
    return envelopeOf(root);
  }

  /** The root element, from the `<` of its start tag to the `>` of its end tag, as its value. */
  private rootElement(): unknown {
    const s = this.s;
    const rootNameStart = this.at + 1;
    const rootName = this.startTag();
    if (rootName !== 'response') refuse(NOT_ONE_RESPONSE);
    if (this.selfClosed) return '';
    const ancestors: Open[] = [];
    let element: Open = {
      nameStart: rootNameStart,
      nameEnd: rootNameStart + rootName.length,
      key: rootName,
      isList: false,
      text: '',
      children: undefined,
    };
    for (;;) {
      const markup = s.indexOf('<', this.at);
      if (markup === -1) refuse(NOT_WELL_FORMED);
      if (markup > this.at) element.text += this.text(this.at, markup);
      this.at = markup;
      const next = s.charCodeAt(markup + 1);
      if (next === SLASH) {
        this.endTag(element.nameStart, element.nameEnd);
        const value = valueOfElement(element);
        const parent = ancestors.pop();
        if (parent === undefined) return value;
        addChild(parent, element.key, value);
        element = parent;
      } else if (next === BANG) {
        if (s.startsWith('<!--', markup)) this.comment();
        else if (s.startsWith('<![CDATA[', markup)) element.text += this.cdata();
        else refuse(DECLARATION);
      } else if (next === QUESTION_MARK) {
        this.processingInstruction(false);
      } else {
        const name = this.startTag();
        const key = keyOf(name);
        if (this.selfClosed) {
          addChild(element, key, '');
          continue;
        }
        if (ancestors.length + 1 > MAX_DEPTH) refuse('the answer nests its elements too deep');
        const nameStart = markup + 1;
        const nameEnd = nameStart + name.length;
        const end = s.indexOf('<', this.at);
        if (end !== -1 && s.charCodeAt(end + 1) === SLASH) {
          // Most elements are text, then their end tag: read without opening them.
          const text = end > this.at ? this.text(this.at, end) : '';
          this.at = end;
          this.endTag(nameStart, nameEnd);
          addChild(element, key, text);
          continue;
        }
        ancestors.push(element);
        element = {
          nameStart,
          nameEnd,
          key,
          isList: ancestors.length === 1 && name === 'customers',
          text: '',
          children: undefined,
        };
      }
    }
  }

  /** `<name attribute="value"…>` or `<name…/>` at `<`, as its name; attributes checked, not kept. */
  private startTag(): string {
    const s = this.s;
    const nameStart = this.at + 1;
    if (isForeignSpace(s.charCodeAt(nameStart))) refuse(FOREIGN_SPACE);
    let at = this.name(nameStart);
    const name = s.slice(nameStart, at);
    let attributes: Set<string> | undefined;
    for (;;) {
      let c = s.charCodeAt(at);
      if (c === GREATER_THAN) {
        this.selfClosed = false;
        this.at = at + 1;
        return name;
      }
      if (c === SLASH) {
        if (s.charCodeAt(at + 1) !== GREATER_THAN) refuse(NOT_WELL_FORMED);
        this.selfClosed = true;
        this.at = at + 2;
        return name;
      }
      // Whitespace, then an attribute or the end of the tag.
      if (c === EQUALS) refuse(STRAY_EQUALS);
      if (!isWhitespace(c)) {
        refuse(isForeignSpace(c) && attributes === undefined ? FOREIGN_SPACE : NOT_WELL_FORMED);
      }
      do c = s.charCodeAt(++at);
      while (isWhitespace(c));
      if (c === GREATER_THAN || c === SLASH) continue;
      if (c === EQUALS) refuse(STRAY_EQUALS);
      const attributeStart = at;
      at = this.name(at);
      const attribute = s.slice(attributeStart, at);
      while (isWhitespace(s.charCodeAt(at))) at++;
      if (s.charCodeAt(at) !== EQUALS) refuse(NOT_WELL_FORMED);
      do c = s.charCodeAt(++at);
      while (isWhitespace(c));
      if (c !== QUOTE && c !== APOSTROPHE) refuse(NOT_WELL_FORMED);
      const end = s.indexOf(c === QUOTE ? '"' : "'", at + 1);
      if (end === -1) refuse(NOT_WELL_FORMED);
      this.attributeValue(at + 1, end);
      at = end + 1;
      attributes ??= new Set();
      if (attributes.has(attribute)) refuse(NOT_WELL_FORMED);
      attributes.add(attribute);
    }
  }

  /** `</name>` at `<`, for the open element whose name stands between `nameStart` and `nameEnd`. */
  private endTag(nameStart: number, nameEnd: number): void {
    const s = this.s;
    let at = this.at + 2;
    for (let k = nameStart; k < nameEnd; k++, at++) {
      if (s.charCodeAt(at) !== s.charCodeAt(k)) this.badEndTag();
    }
    let c = s.charCodeAt(at);
    if (c < 0x80 ? ASCII_NAME[c] !== 0 : isWideNamePart(c)) this.badEndTag();
    while (isWhitespace(c)) c = s.charCodeAt(++at);
    if (c !== GREATER_THAN) this.badEndTag();
    this.at = at + 1;
  }

  /** An end tag at `<` that closes nothing open. */
  private badEndTag(): never {
    const s = this.s;
    const end = s.indexOf('>', this.at);
    if (end === -1) refuse(NOT_WELL_FORMED);
    // The validator took `</name/>` for an empty element, and the parser for an end tag.
    if (s.charCodeAt(end - 1) === SLASH) refuse('the answer has an end tag ending in "/>"');
    for (let at = this.at + 2; at < end; at++) if (isForeignSpace(s.charCodeAt(at))) refuse(FOREIGN_SPACE);
    refuse(NOT_WELL_FORMED);
  }

  /** Where the name starting at `from` ends. */
  private name(from: number): number {
    const s = this.s;
    let at = from;
    for (; ; at++) {
      const c = s.charCodeAt(at);
      if (c < 0x80) {
        if (((ASCII_NAME[c] ?? 0) & (at === from ? NAME_START : NAME_PART)) === 0) break;
      } else {
        if (!(at === from ? isWideNameStart(c) : isWideNamePart(c))) break;
        if (c === 0x1680 || c === 0xfeff) refuse(FOREIGN_SPACE);
      }
    }
    if (at === from) refuse(NOT_WELL_FORMED);
    return at;
  }

  /** An attribute's value, between its quotes: no `<`, and references as in text. */
  private attributeValue(from: number, to: number): void {
    const s = this.s;
    for (let at = from; at < to; at++) {
      const c = s.charCodeAt(at);
      if (c === AMPERSAND) at = this.reference(at) - 1;
      if (c === LESS_THAN || at < 0) refuse('the answer has a malformed attribute value');
    }
  }

  /** Character data from `from` to the `<` at `to`, its references decoded. */
  private text(from: number, to: number): string {
    const s = this.s;
    let ampersand = this.nextAmpersand(from);
    if (ampersand === -1 || ampersand >= to) return s.slice(from, to);
    let text = '';
    let rest = from;
    do {
      text += s.slice(rest, ampersand);
      rest = this.reference(ampersand);
      if (rest < 0) refuse(REFERENCE_REFUSALS[-rest] ?? NOT_WELL_FORMED);
      text += this.referenced;
      ampersand = this.nextAmpersand(rest);
    } while (ampersand !== -1 && ampersand < to);
    return text + s.slice(rest, to);
  }

  /**
   * The reference at the `&` at `at`: the five predefined entities and numeric character
   * references, nothing else (no HTML names, no declared entities, so nothing can expand). Returns
   * where it ends, and leaves the character in `referenced`; or a negative code saying why not.
   */
  private reference(at: number): number {
    const s = this.s;
    if (++this.ampersands > MAX_CHARACTER_REFERENCES) refuse(FLOOD);
    if (s.charCodeAt(at + 1) !== HASH) {
      for (const [entity, character] of PREDEFINED_ENTITIES) {
        if (s.startsWith(entity, at)) {
          this.referenced = character;
          return at + entity.length;
        }
      }
      return UNKNOWN_REFERENCE;
    }
    // `&#x41;` or `&#65;`: up to 8 hexadecimal or 10 decimal digits (`&#X41;` is not XML).
    const hex = s.charCodeAt(at + 2) === LOWER_X;
    const digits = hex ? at + 3 : at + 2;
    let codePoint = 0;
    let end = digits;
    for (; ; end++) {
      const c = s.charCodeAt(end);
      const lower = c | 0x20;
      let digit: number;
      if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
      else if (hex && lower >= 0x61 && lower <= 0x66) digit = lower - 0x57;
      else break;
      if (end - digits === (hex ? 8 : 10)) return UNKNOWN_REFERENCE;
      codePoint = codePoint * (hex ? 16 : 10) + digit;
    }
    if (end === digits || s.charCodeAt(end) !== SEMICOLON) return MALFORMED_REFERENCE;
    // NUL and surrogates are not characters. C0 controls are, though XML 1.0 forbids them:
    // SalesBinder may hold one (typed in its UI), and JSON would deliver it, so decode it.
    if (codePoint === 0 || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) {
      return NO_SUCH_CHARACTER;
    }
    this.referenced = String.fromCodePoint(codePoint);
    return end + 1;
  }

  /** `<!-- … -->` at `<`, skipped. */
  private comment(): void {
    const end = this.s.indexOf('-->', this.at + 4);
    if (end === -1) refuse(NOT_WELL_FORMED);
    this.unread(this.at + 4, end);
    this.at = end + 3;
  }

  /** `<![CDATA[ … ]]>` at `<`, as the text it holds. */
  private cdata(): string {
    const from = this.at + 9;
    const end = this.s.indexOf(']]>', from);
    if (end === -1) refuse(NOT_WELL_FORMED);
    this.unread(from, end);
    this.at = end + 3;
    return this.s.slice(from, end);
  }

  /**
   * `<?target …?>` at `<`, skipped; or, at the very start, the XML declaration, checked. The data
   * may hold no `&`, and no quote left open at the first `?>`: fast-xml-parser read it as
   * attributes (decoding references, reading on to a closing quote), and nothing sends those.
   */
  private processingInstruction(atStart: boolean): void {
    const s = this.s;
    const targetStart = this.at + 2;
    const first = s.charCodeAt(targetStart);
    if (first < 0x80 ? ((ASCII_NAME[first] ?? 0) & NAME_START) === 0 : !isWideNameStart(first)) {
      refuse(MALFORMED_PROCESSING_INSTRUCTION);
    }
    const targetEnd = this.name(targetStart);
    const target = s.slice(targetStart, targetEnd).toLowerCase();
    if (atStart && target !== 'xml' && target.startsWith('xml')) {
      const markupEnd = s.indexOf('>', targetEnd);
      const text = s.slice(this.at, markupEnd === -1 ? s.length : markupEnd);
      if (declaresForeignEncoding(text)) refuse(FOREIGN_ENCODING);
    }
    if (target === 'xml') {
      if (!atStart || !s.startsWith('xml', targetStart)) {
        refuse('the answer has an XML declaration other than at its start');
      }
      this.xmlDeclaration(targetEnd);
      return;
    }
    const end = s.indexOf('?>', targetEnd);
    if (end === -1) refuse(NOT_WELL_FORMED);
    if (end > targetEnd) {
      const ampersand = this.nextAmpersand(targetEnd);
      if (!isWhitespace(s.charCodeAt(targetEnd)) || (ampersand !== -1 && ampersand < end)) {
        refuse(MALFORMED_PROCESSING_INSTRUCTION);
      }
      for (let at = targetEnd; at < end; at++) {
        const c = s.charCodeAt(at);
        if (c === QUOTE || c === APOSTROPHE) {
          at = s.indexOf(c === QUOTE ? '"' : "'", at + 1);
          if (at === -1 || at > end) refuse(MALFORMED_PROCESSING_INSTRUCTION);
        }
      }
      this.unread(targetEnd, end);
    }
    this.at = end + 2;
  }

  /** The rest of the XML declaration, from after `<?xml`. */
  private xmlDeclaration(from: number): void {
    XML_DECLARATION_REST.lastIndex = from;
    const match = XML_DECLARATION_REST.exec(this.s);
    if (match === null) refuse('the answer has a malformed XML declaration');
    const encoding = match[1] ?? match[2];
    if (encoding !== undefined && !READABLE_ENCODINGS.has(encoding.toLowerCase())) refuse(FOREIGN_ENCODING);
    this.at = XML_DECLARATION_REST.lastIndex;
  }

  /**
   * Checks what the reader steps over (comments, CDATA, processing instructions): every `&` in it
   * counts towards the flood, and no `<!` in it may start a declaration (a DOCTYPE in a comment
   * is harmless, but the former reader refused any, and nothing sends one).
   */
  private unread(from: number, to: number): void {
    for (let at = this.nextAmpersand(from); at !== -1 && at < to; at = this.nextAmpersand(at + 1)) {
      if (++this.ampersands > MAX_CHARACTER_REFERENCES) refuse(FLOOD);
    }
    for (let at = this.nextBang(from); at !== -1 && at < to; at = this.nextBang(at + 2)) {
      if (!this.s.startsWith('<!--', at) && !this.s.startsWith('<![CDATA[', at)) refuse(DECLARATION);
    }
  }

  private nextAmpersand(from: number): number {
    if (this.nextAmpersandAt !== -1 && this.nextAmpersandAt < from) {
      this.nextAmpersandAt = this.s.indexOf('&', from);
    }
    return this.nextAmpersandAt;
  }

  private nextBang(from: number): number {
    if (this.nextBangAt !== -1 && this.nextBangAt < from) this.nextBangAt = this.s.indexOf('<!', from);
    return this.nextBangAt;
  }
}

/** The root's value as the envelope; `<customers>` becomes JSON's `customers` list. */
function envelopeOf(root: unknown): Record<string, unknown> {
  if (typeof root === 'string') {
    if (isWhitespaceOnly(root)) return {};
    refuse('the <response> holds text instead of elements');
  }
  const envelope = root as Record<string, unknown>;
  if (Object.hasOwn(envelope, 'customers')) envelope.customers = recordsOf(envelope.customers);
  return envelope;
}

/** `<customers>` holding `<customer>` elements is JSON's `customers` list; an empty one is `[]`. */
function recordsOf(customers: unknown): unknown {
  if (typeof customers === 'string' && isWhitespaceOnly(customers)) return [];
  if (typeof customers === 'object' && customers !== null && !Array.isArray(customers)) {
    return (customers as Record<string, unknown>).customer ?? [];
  }
  return customers;
}

function decode(body: string): unknown {
  return new Reader(body).read();
}

export const xmlCodec: WireCodec = {
  format: 'xml',
  contentType: 'application/xml',
  encodeCustomer,
  decode,
};
