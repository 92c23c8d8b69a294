/** The codec for a wire format (apart from `codec.ts`, so that the XML codec can import the contract). */
import { jsonCodec, type WireCodec, type WireFormat } from './codec.ts';
import { xmlCodec } from './xml-codec.ts';

export function codecFor(format: WireFormat): WireCodec {
  return format === 'xml' ? xmlCodec : jsonCodec;
}
