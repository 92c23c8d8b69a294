/**
 * A real gateway process, `node src/server.ts` as `npm start` runs it, on a free loopback port
 * read from its "listening" log line. `killAll()` (after each test, or after all) makes sure none
 * outlives a failed test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  /** Its metrics listener's port, once it has said it (undefined with METRICS=off). */
  metricsPort(): number | undefined;
  /** Everything it wrote to stdout and stderr so far. */
  output: string[];
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const started = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  started.clear();
}

/**
 * `node src/server.ts` by default; `{ npmStart: true }` runs `npm start` itself (its preflight, the
 * npm process in between), as a person or a process manager does.
 */
export function startGatewayProcess(
  env: Record<string, string>,
  { npmStart = false }: { npmStart?: boolean } = {},
): Promise<GatewayProcess> {
  const [command, args] = npmStart ? ['npm', ['start', '--silent']] : [process.execPath, ['src/server.ts']];
  const child = spawn(command, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // Tests that are not about the readiness delay close the listener at once.
      SHUTDOWN_READY_DELAY_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not start:\n${output.join('')}`));
    }, 15_000);
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      output.push(d.toString());
      const port = /"port":(\d+)/.exec(output.join(''))?.[1];
      if (port) {
        clearTimeout(timer);
        const metricsPort = () => {
          const found = /"metricsPort":(\d+)/.exec(output.join(''))?.[1];
          return found === undefined ? undefined : Number(found);
        };
        resolve({ child, port: Number(port), metricsPort, output });
      }
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}:\n${output.join('')}`)));
  });
}
