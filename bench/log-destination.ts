/**
 * What a log line costs with each way of writing to stdout that pino offers: a synchronous write
 * per line, sonic-boom's asynchronous writes, and the same buffered to `minLength` bytes. Each
 * variant runs in a child process whose stdout is a pipe this process reads and drops (as a
 * container runtime or a log shipper would), logging the two lines of a request (the upstream
 * call and the request) with the gateway's options, redaction included. Rounds are interleaved;
 * the median of CPU µs per line (user + system, the child's own) is reported.
 *
 *   npx node bench/log-destination.ts [lines=200000] [rounds=5]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { CENSOR, REDACTED_PATHS } from '../src/observability/logger.ts';

const VARIANTS: Record<string, { sync: boolean; minLength: number }> = {
  sync: { sync: true, minLength: 0 },
  async: { sync: false, minLength: 0 },
  'async, minLength 4096': { sync: false, minLength: 4096 },
  'async, minLength 8192': { sync: false, minLength: 8192 },
};

if (process.argv[2] === '--child') {
  const variant = VARIANTS[process.argv[3] ?? ''];
  const lines = Number(process.argv[4]);
  if (!variant) throw new Error('unknown variant');
  const logger = pino(
    { level: 'info', base: null, redact: { paths: REDACTED_PATHS, censor: CENSOR } },
    pino.destination({ dest: 1, ...variant }),
  );
  const child = logger.child({ requestId: '0b5619ff-e41f-4dd1-bb58-e7e1522cd3aa' });
  // Lines are logged in bursts of 64 per turn of the event loop, as requests of 64 connections come.
  const before = process.cpuUsage();
  let logged = 0;
  await new Promise<void>((resolve) => {
    const burst = () => {
      for (let i = 0; i < 64 && logged < lines; i++, logged += 2) {
        child.info(
          {
            upstream: {
              method: 'PUT',
              endpoint: 'customers.edit',
              path: '/api/2.0/customers/19d367c8.json',
              status: 200,
              ms: 1.2,
            },
          },
          'SalesBinder call',
        );
        child.info({ method: 'POST', path: '/graphql', status: 200, ms: 2.5 }, 'request');
      }
      if (logged < lines) setImmediate(burst);
      else logger.flush(() => resolve());
    };
    burst();
  });
  const used = process.cpuUsage(before);
  process.stderr.write(`${JSON.stringify({ usPerLine: (used.user + used.system) / lines })}\n`);
} else {
  const lines = Number(process.argv[2] ?? 200_000);
  const rounds = Number(process.argv[3] ?? 5);
  const script = fileURLToPath(import.meta.url);
  const run = (name: string) =>
    new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [script, '--child', name, String(lines)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.resume();
      let report = '';
      child.stderr.on('data', (data: Buffer) => {
        report += data.toString();
      });
      child.once('exit', (code) =>
        code === 0 ? resolve(JSON.parse(report).usPerLine) : reject(new Error(`${name}: ${report}`)),
      );
    });
  const results = new Map<string, number[]>(Object.keys(VARIANTS).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of Object.keys(VARIANTS)) results.get(name)?.push(await run(name));
  }
  const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  console.log(`node ${process.version}, ${lines} lines per run, ${rounds} interleaved rounds, medians`);
  for (const [name, values] of results) {
    console.log(`${name.padEnd(24)} ${median(values).toFixed(2)} µs CPU per line`);
  }
}
