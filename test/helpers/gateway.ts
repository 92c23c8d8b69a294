/**
 * A real gateway on a loopback port, in front of a real upstream (the sandbox, or a scripted
 * server), with its log lines captured. Every response body and log line is kept so that
 * `close()` can prove that no API key slipped out, in every test that uses it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import { vi } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { type Config, loadConfig, type Upstream } from '../../src/config.ts';
import { createHttpServer } from '../../src/http/http-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetricsServer } from '../../src/observability/metrics.ts';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.ts';
import { findLeaks } from './keys.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  headers: Headers;
}

export interface TestGateway {
  url: string;
  /** The sandbox behind it, when it runs on the sandbox. */
  sandbox: Sandbox;
  config: Config;
  app: App;
  logs: string[];
  responses: string[];
  /** The metrics listener (as server.ts starts it, on a port of its own); undefined with METRICS=off. */
  metricsUrl: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary GraphQL results.
  graphql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment, as an operator would set it (SALESBINDER_FORMAT, timeouts, ...); a function gets the sandbox's URL. */
  env?: Record<string, string> | ((sandboxUrl: string) => Record<string, string>);
  /** Point the gateway somewhere other than the sandbox (a scripted upstream, say). */
  upstream?: Upstream;
  sandbox?: SandboxOptions;
  /** Traces with this tracer (an in-memory exporter's, in tests). */
  tracer?: Tracer;
  /** The clock of the gateway's budget and of the sandbox (test/helpers/clock.ts). @default Date.now */
  now?: () => number;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

export async function startGateway(options: StartOptions = {}): Promise<TestGateway> {
  // Limits off unless a test asks for them: suites make more than 15 calls in 10 s.
  const sandbox = createSandbox({
    rateLimits: false,
    ...(options.now ? { now: options.now } : {}),
    ...options.sandbox,
  });
  const sandboxUrl = await sandbox.listen();
  const env = typeof options.env === 'function' ? options.env(sandboxUrl) : options.env;
  // The gateway's own limiter is off unless a test turns it on: suites make many calls quickly.
  // So is the budget: suites count the calls each request makes (test/integration/budget*.test.ts
  // turn it on).
  const config = loadConfig({
    SALESBINDER_URL: sandboxUrl,
    LOG_LEVEL: 'debug',
    SALESBINDER_RATE_LIMITS: 'off',
    BUDGET: 'off',
    ...env,
  });
  const logs: string[] = [];
  const responses: string[] = [];
  const logger = createLogger({
    level: 'trace',
    destination: { write: (line: string) => void logs.push(line) },
  });
  const upstream: Upstream =
    options.upstream ??
    (config.upstream.mode === 'sandbox' ? { mode: 'single', baseUrl: new URL(sandboxUrl) } : config.upstream);
  const app = createApp({
    config,
    upstream,
    logger,
    metrics: config.metrics,
    ...(options.tracer ? { tracer: options.tracer } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const server = createHttpServer(app, config.security);
  const url = await listen(server);
  const metricsServer = app.metrics ? createMetricsServer(app.metrics) : undefined;
  const metricsUrl = metricsServer ? await listen(metricsServer) : undefined;

  const gatewayFetch = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${url}${path}`, init);
    const text = await response.text();
    responses.push(text, JSON.stringify([...response.headers]));
    const nullBody = response.status === 204 || response.status === 304;
    return new Response(nullBody ? null : text, { status: response.status, headers: response.headers });
  };

  return {
    url,
    sandbox,
    config,
    app,
    logs,
    responses,
    metricsUrl,
    fetch: gatewayFetch,
    async graphql(query, variables, headers = {}) {
      const response = await gatewayFetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: await response.json(), headers: response.headers };
    },
    async close() {
      for (const listener of [server, metricsServer]) {
        if (!listener) continue;
        listener.closeAllConnections();
        await new Promise((resolve) => listener.close(resolve));
      }
      await app.close();
      await sandbox.close();
      const leaks = findLeaks([...logs, ...responses]);
      if (leaks.length > 0)
        throw new Error(`An API key leaked into a log line or a response: ${leaks.length} form(s)`);
    },
  };
}

/**
 * Waits until the background work requests started (following a kind ahead of need, a listing's
 * next page, learning a kind's size) has ended: no call reaches the sandbox for a moment.
 */
export async function callsSettled(gw: Pick<TestGateway, 'sandbox'>): Promise<void> {
  let seen = -1;
  await vi.waitFor(
    () => {
      const now = gw.sandbox.requests.length;
      const quiet = now === seen;
      seen = now;
      if (!quiet) throw new Error('calls still arriving');
    },
    { interval: 60, timeout: 5_000 },
  );
}
