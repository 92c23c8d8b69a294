/**
 * `client/` as the package a frontend installs: `npm pack` of the workspace, unpacked into a small
 * app outside src/ (examples/client-app) with no registry in reach, type-checked there with
 * NodeNext and with bundler resolution, and run against a real gateway on the sandbox.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { DEMO_ADMIN_KEY } from '../helpers/keys.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the client package', () => {
  let dir: string;
  let app: string;
  let files: string[];
  let manifest: { name: string; dependencies?: Record<string, string> } & Record<string, unknown>;
  let gw: TestGateway;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'client-package-'));
    // Its prepack builds dist/ with the workspace's own tsconfig.
    const tarball = run('npm', ['pack', '--workspace', 'client', '--pack-destination', dir, '--silent'], root)
      .trim()
      .split('\n')
      .at(-1) as string;
    files = run('tar', ['-tzf', join(dir, tarball)], dir)
      .trim()
      .split('\n');

    // The app, and its node_modules as an install of the tarball leaves them: the package
    // unpacked, its one dependency and the app's own (graphql) taken from what is already here.
    app = join(dir, 'app');
    cpSync(join(root, 'examples/client-app'), app, { recursive: true });
    const installed = join(app, 'node_modules/@salesbinder-gateway/client');
    mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', join(dir, tarball), '-C', installed, '--strip-components=1'], dir);
    manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    mkdirSync(join(app, 'node_modules/@graphql-typed-document-node'), { recursive: true });
    for (const dependency of ['@graphql-typed-document-node/core', 'graphql'])
      symlinkSync(join(root, 'node_modules', dependency), join(app, 'node_modules', dependency), 'dir');
    gw = await startGateway();
  }, 120_000);
  afterAll(async () => {
    await gw?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds JavaScript, declarations and the manifest, and depends on nothing of the server', () => {
    for (const file of ['dist/main.js', 'dist/main.d.ts', 'dist/graphql.js', 'dist/graphql.d.ts'])
      expect(files).toContain(`package/${file}`);
    expect(files).toContain('package/persisted-documents.json');
    // No TypeScript sources to strip: they would not run from node_modules.
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(manifest.name).toBe('@salesbinder-gateway/client');
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['@graphql-typed-document-node/core']);
    expect(manifest).not.toHaveProperty('devDependencies');
  });

  it.each(['nodenext', 'bundler'])('type-checks in a frontend with %s resolution', (resolution) => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    expect(() => run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], app)).not.toThrow();
  });

  it('runs an operation against a gateway, typed documents, possibleTypes and manifest included', async () => {
    await gw.sandbox.reset();
    // Asynchronously: the gateway answering it runs in this process.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['run.mjs', `${gw.url}/graphql`, DEMO_ADMIN_KEY, DOC_EXAMPLE_ID],
      { cwd: app },
    );
    const read = JSON.parse(stdout) as { name: string; failures: number; documentIds: string[] };
    expect(read.name).toBe('Acme Company');
    expect(read.failures).toBeGreaterThanOrEqual(7);
    const committed = JSON.parse(readFileSync(join(root, 'client/persisted-documents.json'), 'utf8'));
    expect(read.documentIds).toEqual(Object.keys(committed));
  });
});
