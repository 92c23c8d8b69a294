/**
 * A fault-mix run: the gateway (in-process, on a loopback port) in front of the sandbox playing a
 * mix of SalesBinder failures, a fixed number of edits at a fixed concurrency. Prints requests,
 * successes, typed failures by kind and upstream attempts per request.
 *
 *   npx node bench/fault-mix.ts [requests=2000] [concurrency=16]
 */
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpServer } from '../src/http/http-server.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createSandbox } from '../src/sandbox/sandbox.ts';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID } from '../src/sandbox/seed.ts';

const total = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 16);

const sandbox = createSandbox({ rateLimits: false, maxRecorded: total * 4 });
const sandboxUrl = await sandbox.listen();
for (const fault of [
  { kind: 'status', status: 503, rate: 0.1 },
  { kind: 'status', status: 502, rate: 0.05 },
  { kind: 'status', status: 500, rate: 0.05 },
  { kind: 'reset', rate: 0.05 },
  { kind: 'malformed', rate: 0.03 },
  { kind: 'html', rate: 0.02 },
  { kind: 'delay', delayMs: 50, rate: 0.2 },
] as const) {
  sandbox.faults.add(fault);
}

const config = loadConfig({
  SALESBINDER_URL: sandboxUrl,
  SALESBINDER_RATE_LIMITS: 'off',
  SALESBINDER_RETRY_BASE_MS: '20',
  LOG_LEVEL: 'silent',
});
const app = createApp({
  config,
  upstream: { mode: 'single', baseUrl: new URL(sandboxUrl) },
  logger: createLogger({ level: 'silent' }),
});
// The production HTTP server (its body cap and Host check), as a deployment runs it.
const server = createHttpServer(app, config.security);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

const query = `mutation($id: ID!, $name: String!) { updateCustomer(id: $id, input: { name: $name }) {
  __typename ... on SalesBinderUnavailableError { retryable } } }`;
const outcomes = new Map<string, number>();
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_ADMIN_KEY}` },
        body: JSON.stringify({ query, variables: { id: DOC_EXAMPLE_ID, name: `Mix ${i}` } }),
      });
      const body = (await response.json()) as {
        data?: { updateCustomer?: { __typename: string; retryable?: boolean } };
      };
      const payload = body.data?.updateCustomer;
      const key = payload
        ? `${payload.__typename}${payload.retryable === undefined ? '' : ` (retryable: ${payload.retryable})`}`
        : `HTTP ${response.status} without a payload`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const attempts = sandbox.requests.length;

console.log(`requests: ${total} at concurrency ${concurrency}, ${seconds.toFixed(1)} s`);
for (const [kind, count] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${kind}: ${count}`);
console.log(`upstream attempts: ${attempts} (${(attempts / total).toFixed(2)} per request)`);
console.log(
  JSON.stringify({
    requests: total,
    successes: outcomes.get('UpdateCustomerSuccess') ?? 0,
    typed_failures: total - (outcomes.get('UpdateCustomerSuccess') ?? 0),
    attempts_per_request: Number((attempts / total).toFixed(3)),
  }),
);

server.closeAllConnections();
server.close();
await app.close();
await sandbox.close();
