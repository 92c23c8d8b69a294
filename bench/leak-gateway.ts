/**
 * The gateway in its production configuration, as `npm start` builds it, in a process that also
 * answers the benchmark's heap probes over IPC: on "sample" it collects garbage (run with
 * --expose-gc) and reports heap and RSS.
 */
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createHttpServer } from '../src/http/http-server.ts';
import { createLogger } from '../src/observability/logger.ts';

const config = loadConfig();
if (config.upstream.mode !== 'single') throw new Error('set SALESBINDER_URL');
const logger = createLogger({ level: config.logLevel, destination: { write: () => undefined } });
const app = createApp({ config, upstream: config.upstream, logger, metrics: config.metrics });
const server = createHttpServer(app, config.security);
server.listen(0, '127.0.0.1', () => {
  process.send?.({ listening: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if (message !== 'sample') return;
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  process.send?.({ heapUsed, rss });
});
process.on('disconnect', () => process.exit(0));
