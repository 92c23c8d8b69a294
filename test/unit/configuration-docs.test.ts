/**
 * docs/configuration.md keeps in step with config.ts: every variable the gateway reads is in
 * exactly one of its three tables (required in production, common, tuning), no row names a
 * variable nothing reads, and what it calls required is what start-up refuses to do without.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const page = read('docs/configuration.md');
const config = read('src/config.ts');
const sandboxMain = read('src/sandbox/main.ts');

const GROUPS = ['Required in production', 'Common', 'Tuning'] as const;

/** The variables each group's table names in its first cells (`A` / `B` rows name several). */
function tableOf(heading: string): string[] {
  const start = page.indexOf(`\n## ${heading}\n`);
  expect(start, `a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = page.indexOf('\n## ', start + 1);
  return page
    .slice(start, end === -1 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) =>
      [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] as string),
    );
}

const tables = Object.fromEntries(GROUPS.map((g) => [g, tableOf(g)])) as Record<
  (typeof GROUPS)[number],
  string[]
>;
/** The keys of config.ts's environment schema: what the gateway reads. */
const gatewayReads = [...config.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string);
const sandboxReads = [...sandboxMain.matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1] as string);

describe('docs/configuration.md', () => {
  it('puts every variable the gateway reads in exactly one group', () => {
    expect(gatewayReads.length).toBeGreaterThan(40);
    const everywhere = Object.values(tables).flat();
    const placed = (v: string) => everywhere.filter((d) => d === v).length;
    expect(gatewayReads.filter((v) => placed(v) !== 1)).toEqual([]);
  });

  it('names no variable that nothing reads', () => {
    const known = new Set([...gatewayReads, ...sandboxReads]);
    expect(
      Object.values(tables)
        .flat()
        .filter((v) => !known.has(v)),
    ).toEqual([]);
  });

  it('calls required what production refuses to start without, and nothing else', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.join('\n');
    const required = tables['Required in production'].filter((v) => v !== 'NODE_ENV');
    expect(required.length).toBeGreaterThan(0);
    for (const variable of required) {
      expect(problem).toContain(variable);
      // Either one alone is enough.
      expect(() => loadConfig({ NODE_ENV: 'production', [variable]: sample[variable] })).not.toThrow();
    }
  });
});

const sample: Record<string, string> = {
  SALESBINDER_URL: 'https://acme.salesbinder.com',
  SALESBINDER_ACCOUNTS: 'acme,globex',
};
