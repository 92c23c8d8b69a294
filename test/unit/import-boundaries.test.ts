/**
 * The layers are dependency-cruiser rules on resolved paths (.dependency-cruiser.js), run by
 * `npm run check:lint` in CI. This runs the repository's own configuration, through
 * dependency-cruiser's API, over probe files laid out as src/ is in a temporary folder (its
 * node_modules a link to the repository's), each probe one import, so that a rule that stops
 * refusing (a folder renamed, a pattern that no longer matches) fails here rather than passing
 * silently; and each refusal must name the rule that made it.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, format, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** [file, import line, the rule that refuses it or 'allowed']. One file may hold several lines. */
const PROBES: ReadonlyArray<readonly [string, string, string]> = [
  // From src/graphql/, the sandbox is refused however the path to it is spelled.
  ['src/graphql/a.ts', "import '../sandbox/x.ts';", 'sandbox-only-from-server'],
  ['src/graphql/b.ts', "import './../sandbox/x.ts';", 'sandbox-only-from-server'],
  ['src/graphql/c.ts', "import '../../src/sandbox/x.ts';", 'sandbox-only-from-server'],
  ['src/graphql/d.ts', "import type { X } from '../graphql/../sandbox/x.ts';", 'sandbox-only-from-server'],
  ['src/graphql/types/customer.ts', "import '../../sandbox/seed.ts';", 'sandbox-only-from-server'],
  ['src/app.ts', "import './sandbox/seed.ts';", 'sandbox-only-from-server'],
  ['src/context.ts', "const sandbox = await import('./sandbox/sandbox.ts');", 'sandbox-only-from-server'],
  ['src/server.ts', "const sandbox = await import('./sandbox/sandbox.ts');", 'allowed'],
  ['src/server.ts', "import './sandbox/seed.ts';", 'sandbox-imported-dynamically'],
  // A layer imports those below it, never one above it; a type-only import counts.
  ['src/transport/http.ts', "import '../salesbinder/client.ts';", 'transport-layer'],
  ['src/transport/http.ts', "import type { X } from '../salesbinder/errors.ts';", 'transport-layer'],
  ['src/transport/http.ts', "import '../observability/logger.ts';", 'allowed'],
  ['src/transport/http.ts', "import '../domain/text.ts';", 'allowed'],
  ['src/transport/http.ts', "import './codec.ts';", 'allowed'],
  ['src/salesbinder/client.ts', "import '../graphql/errors.ts';", 'salesbinder-layer'],
  ['src/salesbinder/client.ts', "import '../transport/http.ts';", 'allowed'],
  ['src/salesbinder/budget/remembering-api.ts', "import '../../graphql/index.ts';", 'salesbinder-layer'],
  ['src/salesbinder/budget/remembering-api.ts', "import '../../http/request-id.ts';", 'salesbinder-layer'],
  ['src/salesbinder/budget/remembering-api.ts', "import '../client.ts';", 'allowed'],
  ['src/salesbinder/budget/remembering-api.ts', "import '../../transport/http.ts';", 'allowed'],
  ['src/graphql/errors.ts', "import '../transport/http.ts';", 'graphql-layer'],
  ['src/graphql/errors.ts', "import '../context.ts';", 'no-root-files'],
  ['src/graphql/errors.ts', "import '../salesbinder/errors.ts';", 'allowed'],
  ['src/graphql/types/customer.ts', "import '../../app.ts';", 'no-root-files'],
  ['src/graphql/types/customer.ts', "import '../../domain/customer.ts';", 'allowed'],
  ['src/graphql/types/customer.ts', "import '../builder.ts';", 'allowed'],
  ['src/http/http-server.ts', "import '../graphql/index.ts';", 'http-layer'],
  ['src/domain/customer.ts', "import '../transport/codec.ts';", 'domain-layer'],
  ['src/domain/customer.ts', "import '../observability/logger.ts';", 'domain-layer'],
  [
    'src/observability/metrics.ts',
    "import type { X } from '../salesbinder/rate-limits/rate-limiter.ts';",
    'observability-layer',
  ],
  ['src/sandbox/sandbox.ts', "import '../domain/customer-page.ts';", 'sandbox-layer'],
  ['src/sandbox/sandbox.ts', "import 'fast-xml-parser';", 'allowed'],
  ['src/app.ts', "import './graphql/index.ts';", 'allowed'],
  // Libraries stay in their layer.
  ['src/app.ts', "import 'graphql';", 'graphql-libraries-in-graphql'],
  ['src/app.ts', "import '@pothos/core';", 'graphql-libraries-in-graphql'],
  ['src/app.ts', "import 'graphql-yoga';", 'allowed'],
  ['src/context.ts', "import 'graphql-yoga';", 'yoga-in-graphql-http-app'],
  ['src/http/request-id.ts', "import 'graphql-yoga';", 'allowed'],
  ['src/salesbinder/client.ts', "import 'graphql';", 'graphql-libraries-in-graphql'],
  ['src/salesbinder/client.ts', "import type { Dispatcher } from 'undici';", 'wire-libraries-in-transport'],
  ['src/salesbinder/budget/store/redis.ts', "import 'ioredis';", 'allowed'],
  ['src/graphql/types/customer.ts', "import '@pothos/plugin-relay';", 'allowed'],
  ['src/graphql/types/customer.ts', "import 'graphql/language/index.js';", 'allowed'],
  ['src/graphql/index.ts', "import 'fast-xml-parser';", 'wire-libraries-in-transport'],
  ['src/graphql/index.ts', "import 'ioredis';", 'ioredis-in-salesbinder'],
  ['src/transport/http.ts', "import 'undici';", 'allowed'],
  ['src/transport/http.ts', "import '@graphql-yoga/plugin-csrf-prevention';", 'yoga-in-graphql-http-app'],
  ['src/transport/http.ts', "import 'ioredis';", 'ioredis-in-salesbinder'],
  // A folder no rule names is in no layer yet: everything it imports is refused until it is given one.
  ['src/cache/store.ts', "import 'node:fs';", 'in-no-layer'],
  ['src/domain/nowhere.ts', "import './missing.ts';", 'resolvable'],
];

/** Modules import one another in one direction; a type-only import closes a cycle too. */
const CYCLE: ReadonlyArray<readonly [string, string]> = [
  ['src/transport/left.ts', "import './right.ts';"],
  ['src/transport/right.ts', "import type { X } from './left.ts';"],
];

/** What a line imports, as dependency-cruiser names it (Node's built-ins without `node:`). */
const specifierOf = (line: string) => (/['"]([^'"]+)['"]/.exec(line)?.[1] ?? '').replace(/^node:/, '');

let dir: string;
let result: ICruiseResult;
let report: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'import-boundaries-'));
  const files = new Map<string, string[]>();
  for (const [file, line] of [...PROBES, ...CYCLE]) {
    files.set(file, [...(files.get(file) ?? []), line]);
    // What a relative import reaches exists (an empty module), unless it is a probe of its own.
    const specifier = specifierOf(line);
    if (specifier.startsWith('.') && !specifier.includes('missing')) {
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      if (!files.has(target)) files.set(target, []);
    }
  }
  for (const [file, lines] of files) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), `${lines.join('\n')}\nexport type X = 1;\n`);
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.js'));
  const cruised = await cruise(['src'], { ...options, baseDir: dir });
  result = cruised.output as ICruiseResult;
  report = (await format(result, { outputType: 'err-long' })).output as string;
}, 30_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the import boundaries (.dependency-cruiser.js)', () => {
  it.each(PROBES.map(([file, line, verdict]) => ({ file, line, verdict })))(
    '$verdict: $line in $file',
    ({ file, line, verdict }) => {
      const dependency = result.modules
        .find((m) => m.source === file)
        ?.dependencies.find((d) => d.module === specifierOf(line));
      expect(dependency, `${file} imports ${specifierOf(line)}`).toBeDefined();
      // The probes make cycles among themselves: those are the cycle test's, below.
      const rules = result.summary.violations
        .filter((v) => v.type !== 'cycle')
        .filter((v) => v.from === file && v.to === dependency?.resolved)
        .map((v) => v.rule.name);
      expect(rules).toEqual(verdict === 'allowed' ? [] : [verdict]);
    },
  );

  it('refuses a cycle, also one closed by a type-only import', () => {
    const cycle = result.summary.violations.find(
      (v) => v.rule.name === 'no-circular' && CYCLE.some(([file]) => v.from === file),
    );
    expect(new Set(cycle?.cycle?.map((step) => step.name))).toEqual(new Set(CYCLE.map(([file]) => file)));
    expect(cycle?.cycle?.some((step) => step.dependencyTypes.includes('type-only'))).toBe(true);
  });

  it('says which rule refused an import, and where the layers are explained', () => {
    expect(report).toMatch(
      /error sandbox-only-from-server: src\/graphql\/c\.ts → src\/sandbox\/x\.ts\n.*only server\.ts starts it/,
    );
    expect(report).toContain('docs/development.md#the-layers-as-a-lint-rule');
  });
});
