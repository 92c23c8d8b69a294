/**
 * An open-loop load generator for tail latency, run as its own process: requests are issued on a
 * fixed schedule (`overallRate` per second, in 1 ms slices) whether or not earlier ones have been
 * answered, over at most `connections` keep-alive connections; a request that finds them all busy
 * waits in the pool, and that wait is counted (no coordinated omission). A latency counts from when
 * the request was issued, not from when it was due: this process shares its core with the sandbox,
 * and its own lateness in issuing is no part of the system under test.
 * autocannon's `overallRate` is not this: it lets each connection send its whole second's share at
 * once, then back-fills synthetic latencies, which turns a tail measurement into one of its bursts.
 * Prints one JSON line with the same fields as `load.ts`.
 */
import { Pool } from 'undici';
import type { LoadResult, LoadSpec } from './load-spec.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec & { overallRate: number };

const url = new URL(spec.url);
const pool = new Pool(url.origin, { connections: spec.connections, pipelining: 1 });
const durationMs = (spec.duration ?? 5) * 1000;
const interval = 1000 / spec.overallRate;
const latencies: number[] = [];
let non2xx = 0;
let errors = 0;
let due = 0;
let outstanding = 0;

const begin = performance.now();
await new Promise<void>((resolve) => {
  const send = () => {
    const issuedAt = performance.now();
    outstanding++;
    pool
      .request({ path: url.pathname, method: 'POST', headers: spec.headers, body: spec.body })
      .then(
        async (response) => {
          await response.body.dump();
          if (response.statusCode < 200 || response.statusCode >= 300) non2xx++;
          latencies.push(performance.now() - issuedAt);
        },
        () => {
          errors++;
        },
      )
      .finally(() => {
        outstanding--;
        if (outstanding === 0 && due * interval >= durationMs) resolve();
      });
  };
  const tick = () => {
    const elapsed = performance.now() - begin;
    while (due * interval <= elapsed && due * interval < durationMs) {
      send();
      due++;
    }
    if (due * interval < durationMs) setTimeout(tick, 1);
    else if (outstanding === 0) resolve();
  };
  tick();
});
const seconds = (performance.now() - begin) / 1000;
await pool.close();

latencies.sort((a, b) => a - b);
const at = (q: number) => {
  const value = latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return Math.round(value * 100) / 100;
};
const figures: LoadResult & { p999: number } = {
  rps: latencies.length / seconds,
  total: latencies.length,
  p50: at(0.5),
  p99: at(0.99),
  p999: at(0.999),
  non2xx,
  errors,
  timeouts: 0,
};
console.log(JSON.stringify(figures));
