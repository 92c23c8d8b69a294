/**
 * `npm run bench [-- --quick | --smoke] [-- --only=proxy,gateway]`: one run that measures, side by
 * side, against the same sandbox (its rate limits off), with the same connections and duration:
 *   proxy        a plain undici HTTP proxy doing the same PUT (the physical limit)
 *   gateway      updateCustomer through `npm start`'s production configuration, JSON
 *   gateway_xml  the same with SALESBINDER_FORMAT=xml
 *   apollo       the same mutation in Apollo Server 5 + @apollo/datasource-rest
 *   graphql_js   the least any graphql-js server pays: node:http, a document cache, execute, the PUT
 *   entities     _entities with 50 representations (25 distinct ids) through the gateway
 * The system under test runs alone on core 0; the load generator and the sandbox on core 1.
 * Warm-up before each measurement; variants interleaved in rounds; medians; every run's answers
 * checked. Then the tail: proxy, gateway and Apollo at one fixed offered rate, half what the
 * slowest of them sustained, for p50/p99 without queueing at a core's limit. Then start-up: the
 * time from spawning the gateway to its first 200 on /ready. Then a leak run: many edits, heap
 * after GC and RSS sampled. The last line of the report is one JSON object; bench/README.md says
 * what each key means. `--smoke` only checks that the harness runs: its figures mean nothing.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEMO_ADMIN_KEY, DOC_EXAMPLE_ID, seedCustomers } from '../src/sandbox/seed.ts';
import type { LoadResult, LoadSpec } from './load-spec.ts';

const smoke = process.argv.includes('--smoke');
const quick = smoke || process.argv.includes('--quick');
const MODE = smoke ? 'smoke' : quick ? 'quick' : 'full';
const ROUNDS = quick ? 1 : 3;
const DURATION = smoke ? 1 : quick ? 5 : 10;
const WARMUP = smoke ? 1 : quick ? 2 : 3;
const CONNECTIONS = 64;
/** Connections from each system under test to the sandbox. */
const UPSTREAM_CONNECTIONS = 64;
const LEAK_EDITS = smoke ? 2_000 : quick ? 20_000 : 100_000;
/** Starts of the gateway timed to /ready; the median is reported. */
const READY_STARTS = smoke ? 1 : quick ? 3 : 7;
const root = fileURLToPath(new URL('..', import.meta.url));

const pinnable = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return Number(execFileSync('nproc').toString().trim()) >= 2;
  } catch {
    return false;
  }
})();
const SUT_CORE = '0';
const LOAD_CORE = '1';

function pinned(core: string, args: string[]): [string, string[]] {
  return pinnable ? ['taskset', ['-c', core, process.execPath, ...args]] : [process.execPath, args];
}

interface Service {
  name: string;
  child: ChildProcess;
  port: number;
}

/** Starts a process and waits for its port in a line of its output. */
function start(name: string, core: string, args: string[], env: Record<string, string>): Promise<Service> {
  const [command, argv] = pinned(core, args);
  const child = spawn(command, argv, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${seen}`)), 30_000);
    const onData = (data: Buffer) => {
      seen += data.toString();
      const port = /"listening":(\d+)|"port":(\d+)|127\.0\.0\.1:(\d+)/.exec(seen);
      if (port) {
        clearTimeout(timer);
        // From now on its output (a log line or two per request) is read and dropped: a full pipe
        // would block it, and keeping or scanning the text would cost this process a core.
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ name, child, port: Number(port[1] ?? port[2] ?? port[3]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${seen}`)));
  });
}

/** User + system CPU seconds of a process so far (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  const line = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) / 1024;
}

/** autocannon as fast as the system answers, or `fixed-rate.ts` when a rate is offered. */
function load(spec: LoadSpec): Promise<LoadResult> {
  const script = spec.overallRate ? 'bench/fixed-rate.ts' : 'bench/load.ts';
  const [command, argv] = pinned(LOAD_CORE, [script, JSON.stringify(spec)]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`the load generator failed (${code})`));
      else resolve(JSON.parse(last) as LoadResult);
    });
  });
}

const editBody = JSON.stringify({
  query:
    'mutation Bench($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { __typename ... on UpdateCustomerSuccess { message customer { id name customerNumber modifiedAt } } } }',
  variables: { id: DOC_EXAMPLE_ID, input: { name: 'Bench Renamed Customer' } },
});
const distinct = seedCustomers()
  .slice(0, 25)
  .map((c) => c.id);
const entitiesBody = JSON.stringify({
  query: 'query Entities($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } } }',
  variables: { r: [...distinct, ...distinct].map((id) => ({ __typename: 'Customer', id })) },
});
const headers = { 'content-type': 'application/json', authorization: `Bearer ${DEMO_ADMIN_KEY}` };

interface Variant {
  name: string;
  service: Service;
  path: string;
  body: string;
  /** What every answer must contain. */
  expect: string;
}

async function check(variant: Variant): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${variant.service.port}${variant.path}`, {
    method: 'POST',
    headers,
    body: variant.body,
  });
  const text = await response.text();
  if (response.status !== 200 || !text.includes(variant.expect)) {
    throw new Error(`${variant.name} answered ${response.status}: ${text.slice(0, 300)}`);
  }
}

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  rss: number;
  cpuMicros: number;
}

/** Saturated (as fast as it answers), or at a fixed offered rate when `rate` is given. */
async function measure(variant: Variant, rate?: number): Promise<Measurement> {
  const spec = {
    url: `http://127.0.0.1:${variant.service.port}${variant.path}`,
    body: variant.body,
    headers,
    connections: CONNECTIONS,
    ...(rate ? { overallRate: rate } : {}),
  };
  await load({ ...spec, duration: WARMUP });
  await check(variant);
  const pid = variant.service.child.pid as number;
  const cpuBefore = cpuSeconds(pid);
  let rss = 0;
  const sampler = setInterval(() => {
    rss = Math.max(rss, rssMb(pid));
  }, 250);
  const result = await load({ ...spec, duration: DURATION });
  clearInterval(sampler);
  const cpu = cpuSeconds(pid) - cpuBefore;
  await check(variant);
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${variant.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return { rps: result.rps, p50: result.p50, p99: result.p99, rss, cpuMicros: (cpu / result.total) * 1e6 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** The median of each figure over rounds. */
function summarize(ms: Measurement[]) {
  return {
    rps: median(ms.map((m) => m.rps)),
    p50: median(ms.map((m) => m.p50)),
    p99: median(ms.map((m) => m.p99)),
    rss: median(ms.map((m) => m.rss)),
    cpu: median(ms.map((m) => m.cpuMicros)),
  };
}

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Milliseconds from spawning the gateway of `gatewayEnv` (on the tested core) to its first 200 on /ready. */
async function readyTime(gatewayEnv: Record<string, string>): Promise<number> {
  const port = await freePort();
  const [command, argv] = pinned(SUT_CORE, ['src/server.ts']);
  const started = performance.now();
  const child = spawn(command, argv, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...gatewayEnv, PORT: String(port) },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (performance.now() - started < 30_000) {
      const status = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode} before /ready`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error('the gateway was not ready within 30 s');
  } finally {
    child.kill();
    await exited;
  }
}

/** The gateway of `gatewayEnv` in a process that reports heap after GC, before and after many edits. */
async function leakRun(
  gatewayEnv: Record<string, string>,
): Promise<{ heapStartMb: number; heapEndMb: number; growthPct: number; rssEndMb: number }> {
  const child = fork('bench/leak-gateway.ts', [], {
    cwd: root,
    execArgv: ['--expose-gc'],
    env: { PATH: process.env.PATH ?? '', ...gatewayEnv },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  if (pinnable && child.pid)
    execFileSync('taskset', ['-pc', SUT_CORE, String(child.pid)], { stdio: 'ignore' });
  const next = () =>
    new Promise<Record<string, number>>((resolve) =>
      child.once('message', (m) => resolve(m as Record<string, number>)),
    );
  const { listening } = await next();
  const url = `http://127.0.0.1:${listening}/graphql`;
  const sample = async () => {
    child.send('sample');
    return next();
  };
  await load({ url, body: editBody, headers, connections: CONNECTIONS, amount: Math.round(LEAK_EDITS / 10) });
  const before = await sample();
  const result = await load({ url, body: editBody, headers, connections: CONNECTIONS, amount: LEAK_EDITS });
  const after = await sample();
  child.kill();
  if (result.non2xx > 0 || result.errors > 0) throw new Error('the leak run had failed requests');
  const mb = (bytes: number | undefined) => (bytes ?? 0) / 1024 / 1024;
  return {
    heapStartMb: mb(before.heapUsed),
    heapEndMb: mb(after.heapUsed),
    growthPct: ((mb(after.heapUsed) - mb(before.heapUsed)) / mb(before.heapUsed)) * 100,
    rssEndMb: mb(after.rss),
  };
}

async function main(): Promise<void> {
  const services: Service[] = [];
  try {
    const sandbox = await start('sandbox', LOAD_CORE, ['src/sandbox/main.ts'], {
      SANDBOX_PORT: '0',
      SANDBOX_RATE_LIMITS: 'off',
    });
    services.push(sandbox);
    const upstream = `http://127.0.0.1:${sandbox.port}`;
    const gatewayEnv = {
      NODE_ENV: 'production',
      SALESBINDER_URL: upstream,
      SALESBINDER_RATE_LIMITS: 'off',
      // The same 64 connections to the sandbox as the proxy's pool (the default, 16, is sized for
      // SalesBinder's rate limits and would make the sandbox's latency the bottleneck here).
      SALESBINDER_CONNECTIONS: String(UPSTREAM_CONNECTIONS),
      PORT: '0',
      // Two gateways run at once: each takes a free port for its metrics listener.
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      // Start-up is measured by starting and stopping it many times: no load balancer to wait for.
      SHUTDOWN_READY_DELAY_MS: '0',
    };
    const proxy = await start('proxy', SUT_CORE, ['bench/peers/proxy.ts'], {
      UPSTREAM_URL: upstream,
      UPSTREAM_CONNECTIONS: String(UPSTREAM_CONNECTIONS),
    });
    const gateway = await start('gateway', SUT_CORE, ['src/server.ts'], gatewayEnv);
    const gatewayXml = await start('gateway_xml', SUT_CORE, ['src/server.ts'], {
      ...gatewayEnv,
      SALESBINDER_FORMAT: 'xml',
    });
    const apollo = await start('apollo', SUT_CORE, ['bench/peers/apollo.ts'], { UPSTREAM_URL: upstream });
    const graphqlJs = await start('graphql_js', SUT_CORE, ['bench/peers/graphql-js.ts'], {
      UPSTREAM_URL: upstream,
      UPSTREAM_CONNECTIONS: String(UPSTREAM_CONNECTIONS),
    });
    services.push(proxy, gateway, gatewayXml, apollo, graphqlJs);

    const variants: Variant[] = [
      { name: 'proxy', service: proxy, path: '/', body: editBody, expect: '"Saved"' },
      {
        name: 'gateway',
        service: gateway,
        path: '/graphql',
        body: editBody,
        expect: 'UpdateCustomerSuccess',
      },
      {
        name: 'gateway_xml',
        service: gatewayXml,
        path: '/graphql',
        body: editBody,
        expect: 'UpdateCustomerSuccess',
      },
      { name: 'apollo', service: apollo, path: '/', body: editBody, expect: 'UpdateCustomerSuccess' },
      { name: 'graphql_js', service: graphqlJs, path: '/', body: editBody, expect: 'UpdateCustomerSuccess' },
      { name: 'entities', service: gateway, path: '/graphql', body: entitiesBody, expect: '"_entities":[{' },
    ];
    const only = process.argv
      .find((a) => a.startsWith('--only='))
      ?.slice('--only='.length)
      .split(',');
    if (only) variants.splice(0, variants.length, ...variants.filter((v) => only.includes(v.name)));
    const results = new Map<string, Measurement[]>(variants.map((v) => [v.name, []]));
    const ratios = {
      gateway_vs_proxy: [] as number[],
      gateway_vs_apollo: [] as number[],
      xml_vs_json: [] as number[],
      graphql_js_vs_proxy: [] as number[],
    };
    for (let round = 1; round <= ROUNDS; round++) {
      const byName = new Map<string, Measurement>();
      for (const variant of variants) {
        process.stderr.write(`round ${round}/${ROUNDS}: ${variant.name}…\n`);
        const m = await measure(variant);
        byName.set(variant.name, m);
        results.get(variant.name)?.push(m);
      }
      const rps = (name: string) => byName.get(name)?.rps ?? Number.NaN;
      ratios.gateway_vs_proxy.push(rps('gateway') / rps('proxy'));
      ratios.gateway_vs_apollo.push(rps('gateway') / rps('apollo'));
      ratios.xml_vs_json.push(rps('gateway_xml') / rps('gateway'));
      ratios.graphql_js_vs_proxy.push(rps('graphql_js') / rps('proxy'));
    }

    // Tail latency at a fixed offered rate (open loop; see fixed-rate.ts): half
    // what the slowest of proxy, gateway and Apollo sustained, so none of them is saturated and
    // the p99 shows what each hop adds, not how long a queue grows at a core's limit.
    const tailVariants = variants.filter((v) =>
      ['proxy', 'gateway', 'gateway_xml', 'apollo'].includes(v.name),
    );
    const sustained = tailVariants
      .filter((v) => v.name !== 'gateway_xml')
      .map((v) => median((results.get(v.name) ?? []).map((m) => m.rps)));
    const tailRate =
      sustained.length > 0 ? Math.max(100, Math.floor(Math.min(...sustained) / 2 / 100) * 100) : 0;
    const tails = new Map<string, Measurement[]>(tailVariants.map((v) => [v.name, []]));
    for (let round = 1; round <= ROUNDS && tailRate > 0; round++) {
      for (const variant of tailVariants) {
        process.stderr.write(`tail ${round}/${ROUNDS}: ${variant.name} at ${tailRate} req/s…\n`);
        tails.get(variant.name)?.push(await measure(variant, tailRate));
      }
    }
    const tail = (name: string) => summarize(tails.get(name) ?? []);
    const summary = (name: string) => summarize(results.get(name) ?? []);
    // What the gateway adds to a request over the proxy at the fixed rate, taken round by round.
    const addedOverProxy = (figure: 'p50' | 'p99') => {
      const proxyRounds = tails.get('proxy') ?? [];
      const added = (tails.get('gateway') ?? []).flatMap((m, i) => {
        const proxyRound = proxyRounds[i];
        return proxyRound ? [m[figure] - proxyRound[figure]] : [];
      });
      return added.length > 0 ? median(added) : Number.NaN;
    };

    process.stderr.write(`start-up: ${READY_STARTS} start(s) of the gateway to /ready…
`);
    const readyRuns: number[] = [];
    for (let start = 0; start < READY_STARTS; start++) readyRuns.push(await readyTime(gatewayEnv));
    const readyMs = median(readyRuns);
    const lines = [
      `SalesBinder gateway benchmark (${MODE}): ${ROUNDS} round(s) of ${DURATION} s, ${CONNECTIONS} connections (${UPSTREAM_CONNECTIONS} to the sandbox), ${pinnable ? 'system under test on core 0, load and sandbox on core 1' : 'not pinned (taskset or a second core missing)'}, Node ${process.version}`,
      '',
      '| variant | req/s | p50 ms | p99 ms | RSS MB | CPU µs/req |',
      '|---|---|---|---|---|---|',
      ...variants.map((v) => {
        const s = summary(v.name);
        return `| ${v.name} | ${s.rps.toFixed(0)} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.rss.toFixed(0)} | ${s.cpu.toFixed(0)} |`;
      }),
      '',
      `Tail latency at a fixed ${tailRate} req/s offered (half what the slowest of proxy, gateway and Apollo sustained), ${CONNECTIONS} connections:`,
      '',
      '| variant | req/s | p50 ms | p99 ms |',
      '|---|---|---|---|',
      ...tailVariants.map((v) => {
        const t = tail(v.name);
        return `| ${v.name} | ${t.rps.toFixed(0)} | ${t.p50.toFixed(1)} | ${t.p99.toFixed(1)} |`;
      }),
      '',
      `What the gateway adds over the proxy at that rate (median of the rounds' differences): p50 ${addedOverProxy('p50').toFixed(2)} ms, p99 ${addedOverProxy('p99').toFixed(2)} ms`,
      `RSS under load: gateway ${summary('gateway').rss.toFixed(0)} MB, proxy ${summary('proxy').rss.toFixed(0)} MB`,
      `Start-up, process spawned to the first 200 on /ready: ${readyMs.toFixed(0)} ms (median of ${READY_STARTS}: ${readyRuns.map((ms) => ms.toFixed(0)).join(', ')})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n\n`);

    process.stderr.write(`leak run: ${LEAK_EDITS} edits…\n`);
    const leak = await leakRun(gatewayEnv);
    process.stdout.write(
      `leak run: ${LEAK_EDITS} edits; heap after GC ${leak.heapStartMb.toFixed(1)} MB → ${leak.heapEndMb.toFixed(1)} MB (${leak.growthPct >= 0 ? '+' : ''}${leak.growthPct.toFixed(2)} %), RSS ${leak.rssEndMb.toFixed(0)} MB\n\n`,
    );

    const round2 = (n: number) => Math.round(n * 100) / 100;
    const gw = summary('gateway');
    const px = summary('proxy');
    process.stdout.write(
      `${JSON.stringify({
        gateway_rps: Math.round(gw.rps),
        proxy_rps: Math.round(px.rps),
        apollo_rps: Math.round(summary('apollo').rps),
        gateway_xml_rps: Math.round(summary('gateway_xml').rps),
        entities_rps: Math.round(summary('entities').rps),
        gateway_vs_proxy: round2(median(ratios.gateway_vs_proxy)),
        gateway_vs_apollo: round2(median(ratios.gateway_vs_apollo)),
        xml_vs_json: round2(median(ratios.xml_vs_json)),
        graphql_js_rps: Math.round(summary('graphql_js').rps),
        graphql_js_vs_proxy: round2(median(ratios.graphql_js_vs_proxy)),
        // p99 at the fixed offered rate; the saturated runs' p99 is mostly queueing at the core's limit.
        gateway_p99_ms: tail('gateway').p99,
        proxy_p99_ms: tail('proxy').p99,
        apollo_p99_ms: tail('apollo').p99,
        gateway_xml_p99_ms: tail('gateway_xml').p99,
        tail_rate_rps: tailRate,
        gateway_p99_saturated_ms: gw.p99,
        proxy_p99_saturated_ms: px.p99,
        gateway_p50_ms: tail('gateway').p50,
        proxy_p50_ms: tail('proxy').p50,
        gateway_added_p50_ms: round2(addedOverProxy('p50')),
        gateway_added_p99_ms: round2(addedOverProxy('p99')),
        gateway_rss_mb: Math.round(gw.rss),
        proxy_rss_mb: Math.round(px.rss),
        ready_ms: Math.round(readyMs),
        gateway_cpu_us_per_request: Math.round(gw.cpu),
        leak_edits: LEAK_EDITS,
        leak_heap_growth_pct: round2(leak.growthPct),
      })}\n`,
    );
  } finally {
    for (const s of services) s.child.kill();
  }
}

// `npm run bench -- --team`: the team benchmark instead (bench/team.ts reads the same arguments).
if (process.argv.includes('--team')) await import('./team.ts');
else await main();
