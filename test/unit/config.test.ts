import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('runs on the built-in sandbox with nothing configured, on port 4000, JSON, GraphiQL on', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      format: 'json',
      graphiql: true,
      production: false,
      upstream: { mode: 'sandbox' },
    });
    expect(config.http.headersTimeoutMs).toBeLessThan(300_000);
    expect(config.http.maxResponseBytes).toBeGreaterThan(0);
  });

  it('refuses to start in production without a SalesBinder', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SALESBINDER_URL/);
  });

  it('turns GraphiQL off in production unless re-enabled', () => {
    const url = 'https://acme.salesbinder.com';
    expect(loadConfig({ NODE_ENV: 'production', SALESBINDER_URL: url }).graphiql).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SALESBINDER_URL: url, GRAPHIQL: 'true' }).graphiql).toBe(
      true,
    );
  });

  it('refuses GraphiQL together with trusted documents, with a message that says why', () => {
    for (const graphiql of ['true', '1']) {
      let error: unknown;
      try {
        loadConfig({ GRAPHIQL: graphiql, TRUSTED_DOCUMENTS: 'manifest.json' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^GRAPHIQL: cannot be on with TRUSTED_DOCUMENTS .*cannot be told apart/),
      ]);
    }
  });

  it('turns GraphiQL off by default when trusted documents are on, even in development', () => {
    expect(loadConfig({ TRUSTED_DOCUMENTS: 'manifest.json' }).graphiql).toBe(false);
    expect(loadConfig({ TRUSTED_DOCUMENTS: 'manifest.json', GRAPHIQL: 'false' }).graphiql).toBe(false);
  });

  it('serves metrics on port 9464 unless told otherwise, and never on the API port', () => {
    expect(loadConfig({})).toMatchObject({ metrics: true, metricsPort: 9464 });
    expect(loadConfig({ METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(() => loadConfig({ PORT: '9000', METRICS_PORT: '9000' })).toThrow(
      /METRICS_PORT: must differ from PORT/,
    );
    expect(() => loadConfig({ PORT: '9464' })).toThrow(/METRICS_PORT/);
    expect(loadConfig({ PORT: '9464', METRICS: 'off' }).metrics).toBe(false);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });

  it('reads several accounts, lower-cased and trimmed', () => {
    expect(loadConfig({ SALESBINDER_ACCOUNTS: ' Acme ,globex,' }).upstream).toEqual({
      mode: 'accounts',
      accounts: ['acme', 'globex'],
      urlTemplate: 'https://{account}.salesbinder.com',
    });
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        SALESBINDER_URL: 'ftp://example.com',
        SALESBINDER_FORMAT: 'yaml',
        LOG_LEVEL: 'loud',
        SALESBINDER_ACCOUNTS: 'acme,bad_name',
        SALESBINDER_HEADERS_TIMEOUT_MS: '-1',
        GRAPHIQL: 'maybe',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'SALESBINDER_URL',
      'SALESBINDER_FORMAT',
      'LOG_LEVEL',
      'SALESBINDER_ACCOUNTS',
      'SALESBINDER_HEADERS_TIMEOUT_MS',
      'GRAPHIQL',
    ]) {
      expect(problems).toContain(name);
    }
  });

  it.each([
    ['credentials in the URL', { SALESBINDER_URL: 'https://user:pass@acme.salesbinder.com' }],
    ['both modes at once', { SALESBINDER_URL: 'https://acme.salesbinder.com', SALESBINDER_ACCOUNTS: 'acme' }],
    [
      'a template without {account}',
      { SALESBINDER_ACCOUNTS: 'acme', SALESBINDER_ACCOUNT_URL: 'https://x.com' },
    ],
  ])('refuses %s', (_, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });
});
