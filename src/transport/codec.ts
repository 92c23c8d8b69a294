/**
 * SalesBinder speaks JSON or XML (the path's suffix picks one). A codec turns an edit into a
 * request body and any answer into plain data of one shape, whichever format carried it; the
 * layers above never see the difference. This module is the contract and the JSON codec;
 * `xml-codec.ts` is the XML one, and `codecs.ts` picks one for a format.
 */

export const WIRE_FORMATS = ['json', 'xml'] as const;
export type WireFormat = (typeof WIRE_FORMATS)[number];

export interface WireCodec {
  readonly format: WireFormat;
  readonly contentType: string;
  /** `{"customer": {...}}` or `<customer>…</customer>`; strings sent verbatim, numbers as numbers (JSON) or their digits (XML). */
  encodeCustomer(fields: Readonly<Record<string, string | number>>): string;
  /** Parses an answer; throws `UnreadableBodyError` when it is not this format or is unsafe. */
  decode(body: string): unknown;
}

export class UnreadableBodyError extends Error {
  override name = 'UnreadableBodyError';
}

export const jsonCodec: WireCodec = {
  format: 'json',
  contentType: 'application/json',
  encodeCustomer: (fields) => JSON.stringify({ customer: fields }),
  decode(body) {
    try {
      return JSON.parse(body);
    } catch {
      throw new UnreadableBodyError('the answer is not JSON');
    }
  },
};
