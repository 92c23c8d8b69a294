/**
 * A throwaway redis-server of the tests' own, on a free loopback port, persisting nothing; never
 * a system one, whose data a test must not touch. It can be stopped and started again on the same
 * port, as an outage looks to the gateway.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { describe, it } from 'vitest';

const redisServerInstalled = spawnSync('redis-server', ['--version']).status === 0;

const MISSING = 'redis-server is not installed (Debian package redis-server: apt-get install redis-server)';

/**
 * `describe` when redis-server is installed. Without it the suite is skipped with a message, or
 * fails when REQUIRE_REDIS or CI is set, so that CI cannot pass by skipping it.
 */
export function describeWithRedis(name: string, suite: () => void): void {
  if (redisServerInstalled) {
    describe(name, suite);
  } else if (process.env.REQUIRE_REDIS || process.env.CI) {
    describe(name, () => {
      it('needs redis-server (REQUIRE_REDIS or CI is set)', () => {
        throw new Error(MISSING);
      });
    });
  } else {
    console.warn(`Skipping "${name}": ${MISSING}`);
    describe.skip(name, suite);
  }
}

export interface RedisServer {
  port: number;
  url: string;
  /** Kills it at once (SIGKILL), as a crash or a lost host would. */
  stop(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start:\n${output}`));
    }, 5_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
    async start() {
      child ??= await launch(port);
    },
  };
}
