/**
 * Process entry: configuration, the built-in sandbox when no SalesBinder is configured, the app,
 * the listening socket, and a graceful drain on SIGTERM/SIGINT. Nothing else.
 */
import { readFileSync } from 'node:fs';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type Upstream } from './config.ts';
import { createHttpServer } from './http/http-server.ts';
import { createLogger, exitAfterFlush } from './observability/logger.ts';
import { createMetricsServer } from './observability/metrics.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, pretty: !config.production && process.stdout.isTTY });

  let upstream: Upstream;
  let demoApiKey: string | undefined;
  let closeSandbox = async () => {};
  if (config.upstream.mode === 'sandbox') {
    // Imported only here: the sandbox is a development stand-in, never a dependency of the gateway.
    const sandboxModules = await Promise.all([
      import('./sandbox/sandbox.ts'),
      import('./sandbox/seed.ts'),
    ]).catch((error: unknown) => {
      // The production image leaves the sandbox out (.dockerignore).
      if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
      process.stderr.write(
        'The gateway cannot start: no SalesBinder is configured, and the built-in sandbox is not part of this installation (the production image leaves it out). Set SALESBINDER_URL (e.g. https://acme.salesbinder.com) or SALESBINDER_ACCOUNTS: see docs/configuration.md.\n',
      );
      process.exit(1);
    });
    const [{ createSandbox }, { DEMO_ADMIN_KEY, DEMO_VIEWER_KEY }] = sandboxModules;
    const sandbox = createSandbox();
    const url = await sandbox.listen(0, '127.0.0.1');
    upstream = { mode: 'single', baseUrl: new URL(url) };
    demoApiKey = DEMO_ADMIN_KEY;
    closeSandbox = () => sandbox.close();
    logger.warn(
      { sandbox: url },
      `No SALESBINDER_URL is set: using the built-in SalesBinder sandbox. Demo keys: ${DEMO_ADMIN_KEY} (view and modify), ${DEMO_VIEWER_KEY} (view only)`,
    );
  } else {
    upstream = config.upstream;
  }

  // The OpenTelemetry SDK and exporter (much of a replica's memory) load only when tracing is configured.
  const tracing = config.tracing
    ? (await import('./observability/tracing.ts')).createTracing(config.tracing, version)
    : undefined;
  const app = createApp({
    config,
    upstream,
    logger,
    metrics: config.metrics,
    ...(demoApiKey ? { demoApiKey } : {}),
    ...(tracing ? { tracer: tracing.tracer } : {}),
  });
  // Not ready until the socket listens.
  app.setReady(false);
  const server = createHttpServer(app, config.security);
  server.on('error', (error) => {
    logger.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}`);
    exitAfterFlush(logger, 1);
  });
  server.listen(config.port, config.host, () => {
    app.setReady(true);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(
      { port, format: config.format, mode: upstream.mode },
      `SalesBinder gateway listening on http://localhost:${port}/graphql${config.graphiql ? ' (GraphiQL there in a browser)' : ''}`,
    );
    logger.flush();
  });
  // Metrics on a listener of their own, so that they are not exposed wherever the API is.
  const metricsServer = app.metrics ? createMetricsServer(app.metrics) : undefined;
  metricsServer?.on('error', (error) => {
    logger.fatal({ err: error }, `cannot listen on ${config.host}:${config.metricsPort} for metrics`);
    exitAfterFlush(logger, 1);
  });
  metricsServer?.listen(config.metricsPort, config.host, () => {
    const address = metricsServer.address();
    const metricsPort = typeof address === 'object' && address ? address.port : config.metricsPort;
    logger.info({ metricsPort }, `metrics on http://localhost:${metricsPort}/metrics`);
  });

  let draining = false;
  let readyDelay: NodeJS.Timeout | undefined;
  const drain = (signal: string) => {
    if (draining) {
      // A second signal while the listener waits for the load balancer: close it now.
      if (readyDelay) {
        clearTimeout(readyDelay);
        readyDelay = undefined;
        logger.info({ signal }, 'draining: second signal, the listener closes now');
        closeListener();
      }
      return;
    }
    draining = true;
    app.setReady(false);
    // A load balancer keeps sending requests until its next probes see /ready fail: the listener
    // stays open that long on SIGTERM (what orchestrators send), so none of them is refused. A
    // person's Ctrl-C (SIGINT) does not wait.
    const readyDelayMs = signal === 'SIGTERM' ? config.shutdownReadyDelayMs : 0;
    logger.info(
      { signal, readyDelayMs },
      readyDelayMs > 0
        ? `draining: readiness is now 503; the listener closes in ${readyDelayMs} ms (or at a second signal), then in-flight requests may finish`
        : 'draining: readiness is now 503, in-flight requests may finish',
    );
    readyDelay = setTimeout(() => {
      readyDelay = undefined;
      closeListener();
    }, readyDelayMs);
  };
  const closeListener = () => {
    const force = setTimeout(() => {
      logger.error('drain deadline passed: exiting with requests still open');
      exitAfterFlush(logger, 1);
    }, config.shutdownDeadlineMs);
    force.unref();
    // Keep-alive connections that finish their last request close as soon as they are idle.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(async () => {
      // Scrapes go on while requests drain; the metrics listener closes with the last of them.
      metricsServer?.closeAllConnections();
      await Promise.allSettled([
        app.close(),
        closeSandbox(),
        tracing?.shutdown(),
        new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined))),
      ]);
      logger.info('drained');
      exitAfterFlush(logger, 0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => drain('SIGTERM'));
  process.on('SIGINT', () => drain('SIGINT'));
}

await main();
