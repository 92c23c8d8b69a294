import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

export type Format = 'json' | 'xml';

export const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

const parser = new XMLParser({
  parseTagValue: false,
  processEntities: true,
  // Numeric character references (&#233;) are plain XML; fast-xml-parser decodes them only with this.
  htmlEntities: true,
  ignoreDeclaration: true,
  // Whitespace-only values must round-trip; the whitespace between elements lands in '#text' instead.
  trimValues: false,
});
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
// libxml2 (behind SalesBinder's PHP) writes a CR in text as &#13;: a raw one reaches the reader as
// LF, since XML parsers normalise line ends. The builder's own escaping leaves it raw.
const escapeText = (value: unknown) => String(value).replace(/[&<>"'\r]/g, (c) => ESCAPES[c] ?? '&#13;');
const builder = new XMLBuilder({
  processEntities: false,
  tagValueProcessor: (_name, value) => escapeText(value),
});

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Payload = { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function xmlValue(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(xmlValue);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, xmlValue(v)]));
  return value;
}

export function serialize(payload: Payload, format: Format): string {
  if (format === 'json') return JSON.stringify(payload);
  return XML_DECLARATION + builder.build({ response: xmlValue(payload) });
}

function customerFromJson(body: string): Record<string, unknown> | undefined {
  try {
    const document: unknown = JSON.parse(body);
    return isObject(document) && isObject(document.customer) ? document.customer : undefined;
  } catch {
    return undefined;
  }
}

function customerFromXml(body: string): Record<string, unknown> | undefined {
  // Entity declarations are how XML bombs and external entities get in; SalesBinder needs neither.
  if (/<!(DOCTYPE|ENTITY)/i.test(body)) return undefined;
  const text = body.replace(/^\uFEFF/, '');
  if (XMLValidator.validate(text) !== true) return undefined;
  const customer: unknown = parser.parse(text).customer;
  if (typeof customer === 'string') return customer.trim() === '' ? {} : undefined;
  if (!isObject(customer)) return undefined;
  const { '#text': between, ...fields } = customer;
  return between === undefined || String(between).trim() === '' ? fields : undefined;
}

/** The `customer` object of a request body, or undefined when the body is not one. */
export function readCustomer(body: string, format: Format): Record<string, unknown> | undefined {
  return format === 'json' ? customerFromJson(body) : customerFromXml(body);
}
