/**
 * The load generator, run as its own process (pinned apart from the system under test): one
 * autocannon run from a JSON description on argv, its figures as one JSON line on stdout.
 */
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './load-spec.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;

const result = await autocannon({
  url: spec.url,
  method: 'POST',
  body: spec.body,
  headers: spec.headers,
  connections: spec.connections,
  ...(spec.amount ? { amount: spec.amount } : { duration: spec.duration ?? 5 }),
});
const figures: LoadResult = {
  rps: result.requests.average,
  total: result.requests.total,
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
};
console.log(JSON.stringify(figures));
