/**
 * In-process cost of the wire formats: one documented edit encoded and its documented answer
 * decoded, N times through each codec. Network, GraphQL and the mapping are left out, so this is
 * the whole of what XML adds per request. Rounds are interleaved and the median kept, as the
 * shared machines here swing between runs (docs/performance.md).
 *
 *   npx node bench/xml-vs-json.ts [N]
 */
import { type Payload, serialize } from '../src/sandbox/formats.ts';
import { DOC_EXAMPLE_ID, seedCustomers } from '../src/sandbox/seed.ts';
import { jsonCodec, type WireCodec } from '../src/transport/codec.ts';
import { xmlCodec } from '../src/transport/xml-codec.ts';

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = 5;

const EDIT = { name: 'API Renamed Customer' };

// SalesBinder's documented answer to its Edit Account example (the sandbox's seed holds that record).
const ANSWER: Payload = {
  message: 'Saved',
  customer: {
    ...(seedCustomers().find((c) => c.id === DOC_EXAMPLE_ID) as Payload),
    name: 'API Renamed Customer',
    modified: '2016-11-11T01:16:55+00:00',
  },
};

const bodies = { json: serialize(ANSWER, 'json'), xml: serialize(ANSWER, 'xml') };

/** µs per request: encode the edit, decode the answer. */
function measure(codec: WireCodec): number {
  const body = bodies[codec.format];
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    sink += codec.encodeCustomer(EDIT).length;
    sink += codec.decode(body) === null ? 0 : 1;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1_000;
  if (sink === 0) throw new Error('unreachable: keeps the work from being optimised away');
  return elapsed / N;
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

// Warm-up, so that both run optimised code.
measure(jsonCodec);
measure(xmlCodec);

const json: number[] = [];
const xml: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const j = measure(jsonCodec);
  const x = measure(xmlCodec);
  json.push(j);
  xml.push(x);
  ratios.push(x / j);
}

console.log(`node ${process.version}, N=${N}, ${ROUNDS} interleaved rounds, medians`);
console.log(`answer body: json ${bodies.json.length} B, xml ${bodies.xml.length} B`);
console.log(`json: ${median(json).toFixed(2)} µs per request (encode + decode)`);
console.log(`xml:  ${median(xml).toFixed(2)} µs per request (encode + decode)`);
console.log(`xml / json: ${median(ratios).toFixed(1)}×`);
