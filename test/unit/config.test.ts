import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { endpointFor } from '../../src/context.ts';
import { accountOf } from '../../src/salesbinder/endpoints.ts';

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

  it('says each problem in plain words, one line per variable, never in the validator’s own', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'abc',
        METRICS_PORT: '70000',
        SALESBINDER_CONNECTIONS: '1.5',
        BUDGET_FRESH_SECONDS: 'soon',
        SALESBINDER_FORMAT: 'yaml',
        MAX_DEPTH: '0',
        SUBGRAPH_SECRET: 'short-secret',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT: must be a whole number (it is "abc")',
      'SALESBINDER_FORMAT: must be one of json, xml (it is "yaml")',
      'SALESBINDER_CONNECTIONS: must be a whole number (it is "1.5")',
      'BUDGET_FRESH_SECONDS: must be a number of seconds (it is "soon")',
      'MAX_DEPTH: must be more than 0 (it is "0")',
      'METRICS_PORT: must be 65535 or less (it is "70000")',
      // A secret is never quoted back.
      'SUBGRAPH_SECRET: must be at least 16 characters',
    ]);
    expect((error as ConfigError).message).toMatch(/^The gateway cannot start: 7 settings need fixing/);
    expect((error as ConfigError).message).not.toMatch(/Invalid input|Too big|Too small|expected number|NaN/);
  });

  it('gathers several problems of one variable on its line', () => {
    let error: unknown;
    try {
      loadConfig({
        SALESBINDER_URL: 'https://acme.salesbinder.com',
        SALESBINDER_ACCOUNTS: 'Bad Name,Also Bad',
      });
    } catch (e) {
      error = e;
    }
    // Two bad accounts (said once) and a rule between variables, on one line.
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^SALESBINDER_ACCOUNTS: each account must be a SalesBinder subdomain such as acme \(it is "Bad Name,Also Bad"\); set SALESBINDER_URL or SALESBINDER_ACCOUNTS, not both$/,
      ),
    ]);
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

  describe('which SalesBinder: the URL variables', () => {
    const problemsOf = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) return [...error.problems];
        throw error;
      }
      return [];
    };
    const endpoint = (env: Record<string, string>) => {
      const { upstream } = loadConfig(env);
      if (upstream.mode !== 'single') throw new Error('expected one base URL');
      return endpointFor(upstream, null);
    };

    it.each([
      'https://acme.salesbinder.com',
      'https://acme.salesbinder.com/',
      'https://acme.salesbinder.com/api/2.0',
      'https://acme.salesbinder.com/api/2.0/',
      'https://ACME.salesbinder.com/API/2.0/',
    ])('takes %s, the host or the base SalesBinder documents, as the same endpoint', (url) => {
      expect(endpoint({ SALESBINDER_URL: url })).toEqual({
        origin: 'https://acme.salesbinder.com',
        pathPrefix: '',
      });
    });

    it('keeps a prefix before /api/2.0 off SalesBinder’s hosts (a proxy, the sandbox)', () => {
      for (const url of ['http://127.0.0.1:9/acme', 'http://127.0.0.1:9/acme/api/2.0/']) {
        expect(endpoint({ SALESBINDER_URL: url })).toEqual({
          origin: 'http://127.0.0.1:9',
          pathPrefix: '/acme',
        });
      }
    });

    it.each([
      [
        'https://acme.salesbinder.com/api',
        /SALESBINDER_URL: .*https:\/\/\{subdomain\}\.salesbinder\.com\/api\/2\.0\//,
      ],
      ['https://acme.salesbinder.com/api/2.0/customers.json', /SALESBINDER_URL: the path .* is not the base/],
      [
        'https://acme.salesbinder.com/acme',
        /SALESBINDER_URL: SalesBinder serves its API at \/api\/2\.0 only/,
      ],
      [
        'https://acme.salesbinder.com/v2/api/2.0',
        /SALESBINDER_URL: SalesBinder serves its API at \/api\/2\.0 only/,
      ],
      ['http://127.0.0.1:9/api/2.0/api/2.0', /SALESBINDER_URL: the path .* is not the base/],
    ])('refuses %s at start-up, giving the right form', (url, message) => {
      const problems = problemsOf({ SALESBINDER_URL: url });
      expect(problems).toEqual([expect.stringMatching(message)]);
      expect(problems[0]).toContain('https://{subdomain}.salesbinder.com');
    });

    it.each([
      'https://app.salesbinder.com',
      'https://APP.SalesBinder.com',
      'https://app.salesbinder.com.',
      'https://App.Salesbinder.Com./api/2.0/',
    ])('sees %s as the shared host: nothing shared between keys', (url) => {
      expect(loadConfig({ SALESBINDER_URL: url }).budget).toMatchObject({ sharedHost: true });
      expect(problemsOf({ SALESBINDER_URL: url, SALESBINDER_SHARED_HOST: 'false' })).toEqual([
        expect.stringMatching(/^SALESBINDER_SHARED_HOST: cannot be false for app\.salesbinder\.com/),
      ]);
    });

    it('does not take an account’s own subdomain for the shared host', () => {
      expect(loadConfig({ SALESBINDER_URL: 'https://acme.salesbinder.com' }).budget).toMatchObject({
        sharedHost: false,
      });
    });

    it.each([
      [
        'a query',
        'https://gw.example.com/?account={account}',
        /query or a fragment.*https:\/\/\{account\}\.salesbinder\.com/,
      ],
      ['a fragment', 'https://gw.example.com/#{account}', /query or a fragment/],
      ['a path that .. undoes', 'https://gw.example.com/{account}/..', /must be in the host name/],
      ['a path on SalesBinder’s host', 'https://acme.salesbinder.com/{account}', /must be in the host name/],
      ['no {account}', 'https://x.com', /must contain \{account\} once/],
      [
        'the shared host',
        'https://app.salesbinder.com/{account}',
        /app\.salesbinder\.com serves every company/,
      ],
      [
        'the shared host, spelled otherwise',
        'https://APP.salesbinder.com./{account}',
        /app\.salesbinder\.com serves every company/,
      ],
    ])('refuses a template with %s, giving the right form', (_, template, message) => {
      const problems = problemsOf({ SALESBINDER_ACCOUNTS: 'acme,globex', SALESBINDER_ACCOUNT_URL: template });
      expect(problems).toEqual([expect.stringMatching(/^SALESBINDER_ACCOUNT_URL: /)]);
      expect(problems[0]).toMatch(message);
    });

    it('refuses an account whose endpoint would be the shared host', () => {
      expect(problemsOf({ SALESBINDER_ACCOUNTS: 'acme,app' })).toEqual([
        expect.stringMatching(/^SALESBINDER_ACCOUNT_URL: account app would be app\.salesbinder\.com/),
      ]);
    });

    it('gives each account an endpoint of its own, in the host or (off SalesBinder) a path segment', () => {
      for (const template of [
        'https://{account}.salesbinder.com',
        'https://{account}.salesbinder.com/api/2.0/',
        'http://127.0.0.1:9/{account}',
      ]) {
        const { upstream } = loadConfig({
          SALESBINDER_ACCOUNTS: 'acme,globex',
          SALESBINDER_ACCOUNT_URL: template,
        });
        if (upstream.mode !== 'accounts') throw new Error('expected accounts');
        const acme = endpointFor(upstream, 'acme');
        const globex = endpointFor(upstream, 'globex');
        expect(accountOf(acme)).not.toBe(accountOf(globex));
        expect(accountOf(acme)).toContain('acme');
      }
    });
  });
});
