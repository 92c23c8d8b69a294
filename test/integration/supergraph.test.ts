/**
 * The federation walkthrough as docs/federation.md writes it: `npm run supergraph` composes this
 * gateway (in production mode, with SUBGRAPH_SECRET, so `_service` needs the secret) and the orders
 * subgraph from their running `_service`, and the Hive Gateway CLI serves the result on a port of
 * its own (4000 is this gateway's) with examples/federation/gateway.config.ts. All on loopback.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { bearer, DEMO_ADMIN_KEY } from '../helpers/keys.ts';
import { type OrdersSubgraph, startOrdersSubgraph } from '../helpers/orders-subgraph.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'walkthrough-secret-0123456789';

const compose = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['scripts/supergraph.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (child.exitCode ?? 1) : 0, stdout, stderr }),
    );
  });

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('composing the supergraph and serving it with the Hive Gateway CLI', () => {
  let dir: string;
  let gw: TestGateway;
  let orders: OrdersSubgraph;
  let router: ChildProcess | undefined;
  let subgraphs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'supergraph-'));
    gw = await startGateway({
      env: (url) => ({ SALESBINDER_URL: url, NODE_ENV: 'production', SUBGRAPH_SECRET: SECRET }),
    });
    orders = await startOrdersSubgraph();
    subgraphs = [`salesbinder=${gw.url}/graphql`, `orders=${orders.url}`];
  });
  afterAll(async () => {
    if (router && router.exitCode === null) {
      const exited = new Promise((resolve) => router?.once('exit', resolve));
      router.kill('SIGTERM');
      await exited;
    }
    await orders?.stop();
    await gw?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says what to do when the subgraph will not give its schema without the secret', async () => {
    const { code, stderr } = await compose([...subgraphs, '--out', join(dir, 'refused.graphql')], {});
    expect(code).toBe(1);
    expect(stderr).toContain('salesbinder');
    expect(stderr).toContain('SUBGRAPH_SECRET');
  });

  it('composes both subgraphs with the secret sent to _service, and the router serves a join on another port', async () => {
    const out = join(dir, 'supergraph.graphql');
    const composed = await compose([...subgraphs, '--out', out], { SUBGRAPH_SECRET: SECRET });
    expect(composed.stderr).toBe('');
    expect(composed.code).toBe(0);
    const supergraph = readFileSync(out, 'utf8');
    expect(supergraph).toContain(`url: "${gw.url}/graphql"`);
    expect(supergraph).toMatch(/join__graph\(name: "orders"/);

    // The CLI, as docs/federation.md runs it, on a port that is not this gateway's.
    const port = await freePort();
    expect(port).not.toBe(4000);
    router = spawn(
      process.execPath,
      [
        join(root, 'node_modules/@graphql-hive/gateway/dist/bin.js'),
        'supergraph',
        out,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '-c',
        'examples/federation/gateway.config.ts',
      ],
      { cwd: root, env: { PATH: process.env.PATH ?? '', SUBGRAPH_SECRET: SECRET }, stdio: 'pipe' },
    );
    let output = '';
    router.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    router.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    for (let waited = 0; !/Listening on/.test(output) && waited < 30_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(output).toMatch(/Listening on/);

    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: bearer(DEMO_ADMIN_KEY) },
      body: JSON.stringify({ query: '{ orders { id customer { id name } } }' }),
    });
    const { data, errors } = (await response.json()) as {
      data?: { orders: Array<{ customer: { name: string } }> };
      errors?: unknown;
    };
    expect(errors).toBeUndefined();
    expect(data?.orders).toHaveLength(40);
    expect(data?.orders.every((o) => o.customer.name.length > 0)).toBe(true);
  }, 60_000);
});
