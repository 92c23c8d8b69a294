/**
 * The layers are a lint rule (biome.json: noRestrictedImports per folder), run by `npm run
 * check:lint` in CI. This runs the repository's own biome.json over probe files laid out as src/ is,
 * each line one import, so that a rule that stops refusing (a folder renamed, an override lost or
 * overridden by a later one) fails here rather than passing silently.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const biome = join(root, 'node_modules', '.bin', 'biome');

type Verdict = 'refused' | 'allowed';

/** [file, import line, verdict]: one file may hold several lines. */
const PROBES: ReadonlyArray<readonly [string, string, Verdict]> = [
  // A layer imports those below it, never one above it.
  ['src/transport/http.ts', "import '../salesbinder/client.ts';", 'refused'],
  ['src/transport/http.ts', "import type { SalesBinderApi } from '../salesbinder/client.ts';", 'refused'],
  ['src/transport/http.ts', "import '../observability/logger.ts';", 'allowed'],
  ['src/transport/http.ts', "import '../domain/text.ts';", 'allowed'],
  ['src/transport/http.ts', "import './codec.ts';", 'allowed'],
  ['src/salesbinder/client.ts', "import '../graphql/errors.ts';", 'refused'],
  ['src/salesbinder/client.ts', "import '../transport/http.ts';", 'allowed'],
  ['src/salesbinder/budget/index.ts', "import '../../graphql/index.ts';", 'refused'],
  ['src/salesbinder/budget/index.ts', "import '../../http/request-id.ts';", 'refused'],
  ['src/salesbinder/budget/index.ts', "import '../client.ts';", 'allowed'],
  ['src/salesbinder/budget/index.ts', "import '../../transport/http.ts';", 'allowed'],
  ['src/graphql/errors.ts', "import '../transport/http.ts';", 'refused'],
  ['src/graphql/errors.ts', "import '../context.ts';", 'refused'],
  ['src/graphql/errors.ts', "import '../salesbinder/errors.ts';", 'allowed'],
  ['src/graphql/types/customer.ts', "import '../../app.ts';", 'refused'],
  ['src/graphql/types/customer.ts', "import '../../domain/customer.ts';", 'allowed'],
  ['src/graphql/types/customer.ts', "import '../builder.ts';", 'allowed'],
  ['src/http/http-server.ts', "import '../app.ts';", 'refused'],
  ['src/http/http-server.ts', "import '../graphql/index.ts';", 'refused'],
  ['src/domain/customer.ts', "import '../transport/codec.ts';", 'refused'],
  ['src/domain/customer.ts', "import '../observability/logger.ts';", 'refused'],
  [
    'src/observability/metrics.ts',
    "import type { RateLimiter } from '../salesbinder/rate-limits/rate-limiter.ts';",
    'refused',
  ],
  // The sandbox is SalesBinder's stand-in: it knows nothing of the gateway, and only server.ts starts it.
  ['src/sandbox/sandbox.ts', "import '../domain/customer-page.ts';", 'refused'],
  ['src/sandbox/sandbox.ts', "import 'fast-xml-parser';", 'allowed'],
  ['src/app.ts', "import './sandbox/seed.ts';", 'refused'],
  ['src/context.ts', "const sandbox = await import('./sandbox/sandbox.ts');", 'refused'],
  ['src/graphql/types/customer.ts', "import '../../sandbox/seed.ts';", 'refused'],
  ['src/server.ts', "const sandbox = await import('./sandbox/sandbox.ts');", 'allowed'],
  // Libraries stay in their layer.
  ['src/app.ts', "import 'graphql';", 'refused'],
  ['src/app.ts', "import '@pothos/core';", 'refused'],
  ['src/app.ts', "import 'graphql-yoga';", 'allowed'],
  ['src/context.ts', "import 'graphql-yoga';", 'refused'],
  ['src/http/request-id.ts', "import 'graphql-yoga';", 'allowed'],
  ['src/salesbinder/client.ts', "import 'graphql';", 'refused'],
  ['src/salesbinder/client.ts', "import 'undici';", 'refused'],
  ['src/salesbinder/budget/store/redis.ts', "import 'ioredis';", 'allowed'],
  ['src/graphql/types/customer.ts', "import '@pothos/plugin-relay';", 'allowed'],
  ['src/graphql/types/customer.ts', "import 'graphql/language';", 'allowed'],
  ['src/graphql/index.ts', "import 'fast-xml-parser';", 'refused'],
  ['src/graphql/index.ts', "import 'ioredis';", 'refused'],
  ['src/transport/http.ts', "import 'undici';", 'allowed'],
  ['src/transport/http.ts', "import '@graphql-yoga/plugin-csrf-prevention';", 'refused'],
  ['src/transport/http.ts', "import 'ioredis';", 'refused'],
  // A folder no rule names is in no layer yet: everything it imports is refused until it is given one.
  ['src/cache/store.ts', "import 'node:fs';", 'refused'],
];

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string; start: { line: number } };
}

let dir: string;
let refusals: Diagnostic[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'import-boundaries-'));
  copyFileSync(join(root, 'biome.json'), join(dir, 'biome.json'));
  const files = new Map<string, string[]>();
  for (const [file, line] of PROBES) files.set(file, [...(files.get(file) ?? []), line]);
  for (const [file, lines] of files) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), `${lines.join('\n')}\n`);
  }
  // biome exits 1 when it finds errors, which is the point here: its report is on stdout either way.
  const { stdout } = await promisify(execFile)(
    biome,
    ['lint', '--reporter=json', '--vcs-enabled=false', '--max-diagnostics=none', 'src'],
    { cwd: dir },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const report = JSON.parse(stdout) as { diagnostics: Diagnostic[] };
  refusals = report.diagnostics.filter((d) => d.category === 'lint/style/noRestrictedImports');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the import boundaries (biome.json)', () => {
  const lineOf = (file: string, line: string) =>
    PROBES.filter(([f]) => f === file).findIndex(([, l]) => l === line) + 1;

  it.each(PROBES.map(([file, line, verdict]) => ({ file, line, verdict })))(
    '$verdict: $line in $file',
    ({ file, line, verdict }) => {
      const found = refusals.filter(
        (d) => d.location.path.replaceAll('\\', '/') === file && d.location.start.line === lineOf(file, line),
      );
      expect(found.length > 0 ? 'refused' : 'allowed').toBe(verdict);
      // Every refusal says which rule it is, and where the layers are explained.
      for (const d of found) expect(d.message).toMatch(/docs\/development\.md#architecture/);
    },
  );
});
