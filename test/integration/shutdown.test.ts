/**
 * A real gateway process (`node src/server.ts`, as `npm start` runs it) drained by SIGTERM while
 * requests are in flight: they all complete, new connections are refused, and it exits 0.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID, seedCustomers } from '../../src/sandbox/seed.ts';
import { startGateway } from '../helpers/gateway.ts';
import { killAll, startGatewayProcess } from '../helpers/gateway-process.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { UPDATE } from '../helpers/operations.ts';
import { type ScriptedUpstream, startScriptedUpstream } from '../helpers/scripted-upstream.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const saved = JSON.stringify({
  message: 'Saved',
  customer: seedCustomers().find((c) => c.id === DOC_EXAMPLE_ID),
});

afterEach(killAll);

/** Polls until `probe` gives a value (the machine may be slow; the test asserts what, not when). */
async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('gave up waiting');
}

const startProcess = (env: Record<string, string>) =>
  startGatewayProcess({ SALESBINDER_RATE_LIMITS: 'off', ...env });

const connectionRefused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('graceful shutdown', () => {
  let upstream: ScriptedUpstream;
  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    // Slow enough that requests are surely in flight when SIGTERM arrives.
    upstream.answer((_req, res) =>
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(saved), 600),
    );
  });
  afterAll(() => upstream.close());

  it('finishes every in-flight request, refuses new connections, and exits 0', async () => {
    const { child, port, output } = await startProcess({ SALESBINDER_URL: upstream.url });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}/graphql`;
    const inFlight = Array.from({ length: 8 }, (_, i) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: bearer(DEMO_ADMIN_KEY) },
        body: JSON.stringify({ query: UPDATE, variables: { id: DOC_EXAMPLE_ID, input: { name: `n${i}` } } }),
      }).then((r) => r.json()),
    );
    // Wait until all eight are in flight (at SalesBinder), however busy the machine is.
    for (let waited = 0; upstream.hits.length < 8 && waited < 5_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(upstream.hits.length).toBe(8);
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await connectionRefused(port)).toBe(true);

    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.data?.updateCustomer?.__typename)).toEqual(
      Array(8).fill('UpdateCustomerSuccess'),
    );
    expect(await exited).toBe(0);
    expect(output.join('')).toMatch(/draining/);
  });

  it('exits by force when requests outlast the deadline', async () => {
    upstream.answer(() => {}); // never answers
    const { child, port } = await startProcess({
      SALESBINDER_URL: upstream.url,
      SHUTDOWN_DEADLINE_MS: '500',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    void fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: bearer(DEMO_ADMIN_KEY) },
      body: JSON.stringify({ query: UPDATE, variables: { id: DOC_EXAMPLE_ID, input: { name: 'stuck' } } }),
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('refuses to start with an invalid configuration, listing every problem', async () => {
    const child = spawn(process.execPath, ['src/server.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', PORT: 'x', SALESBINDER_FORMAT: 'yaml', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT/);
    expect(stderr).toMatch(/SALESBINDER_FORMAT/);
    expect(stderr).toMatch(/SALESBINDER_URL/);
  });
});

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops the gateway and its metrics listener when npm itself gets ${signal}`, async () => {
      const gw = await startGatewayProcess({ SALESBINDER_RATE_LIMITS: 'off' }, { npmStart: true });
      const metricsPort = await waitFor(gw.metricsPort);
      const exited = new Promise((resolve) => gw.child.once('exit', resolve));
      gw.child.kill(signal); // the npm process, not the gateway under it
      await exited;
      // npm exits when the gateway has: nothing is left listening on either port.
      expect(await connectionRefused(gw.port)).toBe(true);
      expect(await connectionRefused(metricsPort)).toBe(true);
      expect(gw.output.join('')).toMatch(new RegExp(`"signal":"${signal}"[^\\n]*draining`));
    });
  }
});

describe('preflight (npm start on a Node that cannot run the sources)', () => {
  const preflight = (cwd: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      // Type stripping turned off: as on a Node older than engines, which cannot run .ts.
      const child = spawn(process.execPath, ['--no-experimental-strip-types', 'scripts/preflight.mjs'], {
        cwd,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.once('exit', (code) => resolve({ code, stderr }));
    });

  it('names the Node it needs and how to get the pinned one when the install script did not run', async () => {
    // A copy without node_modules/node/bin/node: what `npm ci --ignore-scripts` leaves.
    const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(root, 'scripts/preflight.mjs'), join(dir, 'scripts/preflight.mjs'));
    const { code, stderr } = await preflight(dir);
    rmSync(dir, { recursive: true });
    expect(code).toBe(1);
    expect(stderr).toContain('needs Node >=');
    expect(stderr).toContain('--ignore-scripts');
    expect(stderr).toContain('npm rebuild node');
  });

  it('says that npm did not put the pinned Node first when it is there', async () => {
    const { code, stderr } = await preflight(root);
    expect(code).toBe(1);
    expect(stderr).toContain('node_modules/node/bin/node');
  });

  it('lets a Node that runs the sources through without a word', async () => {
    const child = spawn(process.execPath, ['scripts/preflight.mjs'], { cwd: root, stdio: 'pipe' });
    let said = '';
    child.stderr?.on('data', (d: Buffer) => {
      said += d.toString();
    });
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(said).toBe('');
  });
});

describe('readiness delay', () => {
  it('answers 503 on /ready but still serves new connections during the delay; a second signal closes the listener', async () => {
    // A delay no test machine outlasts: the listener closes at the second signal, not on a clock.
    const { child, port } = await startProcess({ SHUTDOWN_READY_DELAY_MS: '600000' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${base}/ready`)).status === 503 ? true : undefined));
    // A load balancer that has not probed yet still sends requests: they are served.
    const health = await fetch(`${base}/health`, { headers: { connection: 'close' } });
    expect(health.status).toBe(200);
    expect(await connectionRefused(port)).toBe(false);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await connectionRefused(port)).toBe(true);
  });
});

describe('readiness', () => {
  it('answers 503 on /ready while draining, and 200 on /health all along', async () => {
    const gw = await startGateway();
    try {
      gw.app.setReady(false);
      expect((await gw.fetch('/ready')).status).toBe(503);
      expect((await gw.fetch('/health')).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
