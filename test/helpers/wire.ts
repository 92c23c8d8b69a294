/**
 * Reading back what reached SalesBinder, in either wire format, with a parser of the test's own:
 * checking the gateway's XML with the gateway's codec would prove nothing.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const FORMATS = ['json', 'xml'] as const;
export type Format = (typeof FORMATS)[number];

export const CONTENT_TYPE: Readonly<Record<Format, string>> = {
  json: 'application/json',
  xml: 'application/xml',
};

const xml = new XMLParser({
  parseTagValue: false,
  trimValues: false,
  // Numeric references decoded too: `&#13;` is how a CR travels.
  htmlEntities: true,
});

/** The `customer` fields of an edit's body: field name → value, in the order they were sent. */
export function sentFieldsOf(body: string, format: Format): Record<string, string> {
  if (format === 'json') return JSON.parse(body).customer as Record<string, string>;
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg}`);
  const customer: unknown = xml.parse(body).customer;
  if (customer === '') return {};
  if (typeof customer !== 'object' || customer === null) throw new Error('no <customer> element');
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(customer)) {
    if (typeof value !== 'string') throw new Error(`<${name}> is not a single text value`);
    fields[name] = value;
  }
  return fields;
}
