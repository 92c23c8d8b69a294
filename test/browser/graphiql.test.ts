/**
 * GraphiQL as a person uses it: Debian's Chromium (headless, driven by playwright-core) opens the
 * gateway's GraphiQL, pre-filled with the documented edit and the sandbox's demo key, presses
 * run and reads the result pane. Nothing may come from outside the loopback: GraphiQL is bundled
 * into the page (@graphql-yoga/render-graphiql), not loaded from a CDN.
 *
 * Skipped, saying why, when /usr/bin/chromium is missing; with CI or REQUIRE_CHROMIUM set it fails
 * instead. Leaves a screenshot in test-artifacts/graphiql.png.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { basic, DEMO_ADMIN_KEY } from '../helpers/keys.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const flag = (name: string) => !['', '0', 'false'].includes((process.env[name] ?? '').toLowerCase());
const required = flag('CI') || flag('REQUIRE_CHROMIUM');
const missing = !existsSync(CHROMIUM);
const MISSING = `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`;

if (missing && !required) {
  process.stderr.write(
    `Skipping the GraphiQL browser test: ${MISSING}. Set REQUIRE_CHROMIUM=1 to fail instead.\n`,
  );
}

describe.skipIf(missing && !required)(
  `GraphiQL in headless Chromium${missing ? ` (${MISSING})` : ''}`,
  () => {
    let sandbox: Sandbox;
    let app: App;
    let server: Server;
    let url: string;
    let profile: string;
    let browser: BrowserContext;
    let page: Page;
    /** Every URL the page asked for that is not the gateway's own. */
    const outside: string[] = [];

    beforeAll(async () => {
      if (missing) throw new Error(MISSING);
      sandbox = createSandbox({ rateLimits: false });
      const sandboxUrl = await sandbox.listen();
      app = createApp({
        config: loadConfig({ SALESBINDER_URL: sandboxUrl }),
        upstream: { mode: 'single', baseUrl: new URL(sandboxUrl) },
        logger: createLogger({ level: 'silent' }),
        demoApiKey: DEMO_ADMIN_KEY,
      });
      server = createServer(app.yoga);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      profile = mkdtempSync(join(tmpdir(), 'graphiql-chromium-'));
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        // Without the background-networking flags Chromium phones home, and on a closed network
        // those connections are refused.
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1440, height: 900 },
      });
      page = browser.pages()[0] ?? (await browser.newPage());
      page.on('request', (request) => {
        const target = request.url();
        if (!target.startsWith(url) && !/^(data|blob):/.test(target)) outside.push(target);
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await app?.close();
      await sandbox?.close();
    });

    it('runs the pre-filled example when the run button is pressed, and shows UpdateCustomerSuccess', async () => {
      try {
        const loaded = await page.goto(`${url}/graphql`);
        // The 9 MB page arrives compressed, as Chromium accepts Brotli.
        expect(await loaded?.headerValue('content-encoding')).toBe('br');
        const run = page.locator('.graphiql-execute-button');
        await run.waitFor({ state: 'visible', timeout: 30_000 });
        await page
          .locator('.graphiql-query-editor', { hasText: 'RenameAccount' })
          .waitFor({ timeout: 15_000 });

        await run.click();
        const result = page.locator('.graphiql-response', { hasText: 'UpdateCustomerSuccess' });
        await result.waitFor({ timeout: 15_000 });

        // Monaco renders spaces as no-break spaces.
        const shown = (await result.textContent())?.replace(/\s+/g, ' ');
        expect(shown).toContain('"name": "API Renamed Customer"');
        const edits = sandbox.requests.filter((request) => request.method === 'PUT');
        expect(edits).toHaveLength(1);
        expect(edits[0]?.path).toContain(DOC_EXAMPLE_ID);
        expect(edits[0]?.headers.authorization).toBe(basic(DEMO_ADMIN_KEY));
        expect(outside).toEqual([]);
      } finally {
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, 'graphiql.png') });
      }
    }, 60_000);
  },
);
