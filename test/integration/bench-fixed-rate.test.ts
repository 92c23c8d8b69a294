/**
 * The benchmark's open-loop generator (bench/fixed-rate.ts), run as the benchmark runs it, against
 * a server on loopback: it issues its requests on schedule, waits for none of them before issuing
 * the next, counts time queued for a busy connection, and counts what was not a 2xx.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);

interface Figures {
  total: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/** A server that answers `status` after `delayMs`, and counts the requests it saw. */
async function serve(status: number, delayMs: number): Promise<{ url: string; seen: () => number }> {
  let seen = 0;
  server = createServer((req, res) => {
    seen++;
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(status).end('{}'), delayMs));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen: () => seen };
}

async function generate(spec: object): Promise<Figures> {
  const { stdout } = await run(process.execPath, ['bench/fixed-rate.ts', JSON.stringify(spec)]);
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Figures;
}

describe('bench/fixed-rate.ts', () => {
  it('issues rate × duration requests and reports them answered', async () => {
    const target = await serve(200, 0);
    const figures = await generate({
      url: target.url,
      body: '{}',
      headers: {},
      connections: 4,
      duration: 1,
      overallRate: 100,
    });
    expect(figures).toMatchObject({ total: 100, non2xx: 0, errors: 0 });
    expect(target.seen()).toBe(100);
  });

  it('does not wait for answers: requests queued behind a slow connection count their wait', async () => {
    // One connection, answers after 100 ms, 20 requests due within 0.5 s: a closed loop would send
    // 5 and see 100 ms each; open loop, the last is answered ~2 s in, ~1.5 s after it was issued.
    const target = await serve(200, 100);
    const figures = await generate({
      url: target.url,
      body: '{}',
      headers: {},
      connections: 1,
      duration: 0.5,
      overallRate: 40,
    });
    expect(figures.total).toBe(20);
    expect(target.seen()).toBe(20);
    expect(figures.p50).toBeGreaterThanOrEqual(100);
    expect(figures.p99).toBeGreaterThan(1000);
  });

  it('counts answers other than 2xx', async () => {
    const target = await serve(503, 0);
    const figures = await generate({
      url: target.url,
      body: '{}',
      headers: {},
      connections: 2,
      duration: 0.5,
      overallRate: 20,
    });
    expect(figures).toMatchObject({ total: 10, non2xx: 10, errors: 0 });
  });
});
