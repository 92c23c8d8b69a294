/**
 * No Docker engine runs here, and hadolint is on neither npm nor Debian: so the Dockerfile is
 * checked by dockerfile-utils' linter (syntax and instruction arguments, as `npm run check:lint`
 * runs it in CI) and by the rules below (hadolint's that matter here, and the project's own), and
 * the exact commands the image runs (its install, its start, its health check) are run by this test
 * on the image's own file set (what its COPY instructions copy, less what .dockerignore leaves
 * out), with the Node the image has.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID } from '../../src/sandbox/seed.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Instructions with their continuation lines joined and comments dropped, numbered by stage. */
const instructions: Instruction[] = (() => {
  const joined = dockerfile
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  let stage = -1;
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      if (op.toUpperCase() === 'FROM') stage++;
      return { op: op.toUpperCase(), args: rest.join(' '), stage };
    });
})();
const finalStage = Math.max(...instructions.map((i) => i.stage));
/** The global ARGs (before the first FROM), which FROM lines may use. */
const globalArgs = Object.fromEntries(
  instructions
    .filter((i) => i.op === 'ARG' && i.stage === -1)
    .map((i) => i.args.split('=', 2) as [string, string]),
);
const resolved = (text: string) =>
  text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, a: string | undefined, b: string | undefined) => globalArgs[a ?? b ?? ''] ?? '',
  );
const inFinal = (op: string) => instructions.filter((i) => i.op === op && i.stage === finalStage);
const jsonArgs = (i: Instruction | undefined) => JSON.parse(i?.args ?? '[]') as string[];
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

describe('the Dockerfile', () => {
  it('passes dockerfile-utils’ linter', () => {
    const lint = join(root, 'node_modules/dockerfile-utils/bin/dockerfile-utils');
    expect(
      execFileSync(process.execPath, [lint, 'lint', 'Dockerfile'], { cwd: root, encoding: 'utf8' }),
    ).toBe('');
  });

  it('is multi-stage, every stage on node:24-slim pinned by digest', () => {
    const froms = instructions.filter((i) => i.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms)
      expect(resolved(from.args)).toMatch(/^node:24-slim@sha256:[0-9a-f]{64}(\s+AS\s+\w+)?$/i);
  });

  it('leaves code and dependencies to root, read-only to the user that runs them', () => {
    const final = instructions.filter((i) => i.stage === finalStage);
    for (const copy of final.filter((i) => i.op === 'COPY')) expect(copy.args).not.toMatch(/--chown|--chmod/);
    expect(final.filter((i) => i.op === 'RUN' && /\bchown\b|\bchmod\b/.test(i.args))).toEqual([]);
    // Everything is copied before the switch to the unprivileged user.
    const lastCopy = final.map((i) => i.op).lastIndexOf('COPY');
    expect(final.map((i) => i.op).lastIndexOf('USER')).toBeGreaterThan(lastCopy);
  });

  it('copies only what runs: no schema, no tests, no sandbox', () => {
    const copied = instructions
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied.sort()).toEqual(['package-lock.json', 'package.json', 'package.json', 'src'].sort());
    expect(dockerignore).toContain('src/sandbox/');
  });

  it('installs production dependencies only, from the lockfile', () => {
    const installs = instructions.filter((i) => i.op === 'RUN' && /\bnpm\b/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const run of installs) {
      expect(run.args).toMatch(/\bnpm ci\b/);
      expect(run.args).toMatch(/--omit=dev/);
      expect(run.args).not.toMatch(/\bnpm install\b/);
    }
    expect(instructions.some((i) => i.op === 'COPY' && /package-lock\.json/.test(i.args))).toBe(true);
  });

  it('runs as a non-root user, under an init process', () => {
    const users = inFinal('USER');
    expect(users.at(-1)?.args).toMatch(/^(node|[1-9]\d*)(:\S+)?$/);
    expect(jsonArgs(inFinal('ENTRYPOINT').at(-1))[0]).toMatch(/tini|dumb-init/);
  });

  it('declares its ports (the API and the metrics listener), production mode and a health check on /health', () => {
    const ports = inFinal('EXPOSE').flatMap((i) => i.args.split(/\s+/));
    expect(ports).toEqual(expect.arrayContaining(['4000', '9464']));
    expect(
      inFinal('ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/NODE_ENV=production/);
    expect(inFinal('HEALTHCHECK').at(-1)?.args).toMatch(/\/health/);
  });

  it('starts exactly what `npm start` starts', () => {
    // `exec` only makes the shell npm runs the script in give its place to Node.
    expect(jsonArgs(inFinal('CMD').at(-1)).join(' ')).toBe(pkg.scripts.start?.replace(/^exec /, ''));
  });

  it('sends the builder only what the image copies', () => {
    expect(dockerignore).toContain('*');
    for (const copied of ['package.json', 'package-lock.json', 'src/'])
      expect(dockerignore).toContain(`!${copied}`);
    expect(dockerignore).not.toContain('!schema/');
  });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('the image’s own commands, run on its file set', () => {
  let dir: string;
  let sandbox: Sandbox;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sbgw-image-'));
    // What the COPY instructions copy from the build context.
    for (const copy of instructions.filter((i) => i.op === 'COPY' && !i.args.includes('--from'))) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1))
        cpSync(join(root, source), join(dir, source), { recursive: true });
    }
    // What .dockerignore leaves out of a directory it lets in (the sandbox).
    for (const excluded of dockerignore.filter((l) => l !== '*' && !l.startsWith('!')))
      rmSync(join(dir, excluded), { recursive: true, force: true });
    sandbox = createSandbox({ rateLimits: false });
    await sandbox.listen();
  });
  afterAll(async () => {
    await sandbox?.close();
    if (dir && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  });

  it('installs, starts in production mode, passes its health check and serves an edit', async () => {
    const install = instructions.find((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args))?.args ?? '';
    const npmCi = (/npm ci[^&;]*/.exec(install)?.[0] ?? '').trim().split(/\s+/);
    execFileSync('npm', npmCi.slice(1), { cwd: dir, stdio: 'pipe' });
    expect(existsSync(join(dir, 'node_modules/typescript'))).toBe(false); // no devDependencies
    expect(existsSync(join(dir, 'node_modules/@salesbinder-gateway'))).toBe(false); // nor the client package
    expect(existsSync(join(dir, 'src/sandbox'))).toBe(false);
    expect(existsSync(join(dir, 'schema'))).toBe(false);

    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    for (const i of inFinal('ENV'))
      for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1] as string] = m[2] as string;
    const port = await freePort();
    const metricsPort = await freePort();
    Object.assign(env, {
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      HOST: '127.0.0.1',
      SALESBINDER_URL: sandbox.url,
    });

    const [command = '', ...args] = jsonArgs(inFinal('CMD').at(-1));
    // The image's `node` is Node 24; so is the one running these tests.
    const child = spawn(command === 'node' ? process.execPath : command, args, {
      cwd: dir,
      env,
      stdio: 'pipe',
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    try {
      for (let waited = 0; !output.includes('listening') && waited < 20_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(output).toContain('listening');

      const health = JSON.parse(
        (inFinal('HEALTHCHECK').at(-1)?.args ?? '').replace(/^.*?CMD\s+/, ''),
      ) as string[];
      const [, flag, script] = health;
      execFileSync(process.execPath, [flag as string, script as string], {
        env,
        stdio: 'pipe',
        timeout: 5_000,
      });

      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_ADMIN_KEY}` },
        body: JSON.stringify({
          query:
            'mutation($id: ID!) { updateCustomer(id: $id, input: { name: "From the image" }) { __typename } }',
          variables: { id: DOC_EXAMPLE_ID },
        }),
      });
      expect((await response.json()).data.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
      expect(output).toMatch(/^\{"level":/m); // JSON log lines in production
      // Metrics on their own listener, not on the API's port.
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(await metrics.text()).toMatch(
        /^graphql_operations_total\{operation_name="anonymous",operation_type="mutation"/m,
      );
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 180_000);

  // After the install above: the image's file set with its dependencies.
  it('refuses to start without a SalesBinder, saying what to set, in production and out of it', async () => {
    const imageEnv: Record<string, string> = { PATH: process.env.PATH ?? '' };
    for (const i of inFinal('ENV'))
      for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) imageEnv[m[1] as string] = m[2] as string;
    const [, ...args] = jsonArgs(inFinal('CMD').at(-1));
    const start = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        child.once('exit', (code) => resolve({ code, stderr }));
      });
    const production = await start({ ...imageEnv, PORT: '0', METRICS: 'off' });
    expect(production.code).toBe(1);
    expect(production.stderr).toMatch(
      /SALESBINDER_URL: production needs SALESBINDER_URL or SALESBINDER_ACCOUNTS/,
    );
    // Even told it is not production, it has no sandbox to fall back on.
    const development = await start({ ...imageEnv, NODE_ENV: 'development', PORT: '0', METRICS: 'off' });
    expect(development.code).toBe(1);
    expect(development.stderr).toMatch(/sandbox is not part of this installation.*Set SALESBINDER_URL/);
  });
});
