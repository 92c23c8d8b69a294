/**
 * Fails when the schema printed from the code would break what the graph's clients and the
 * supergraph rely on, compared with a baseline SDL (GraphQL Inspector's diff).
 *
 *   npm run schema:breaking                         the newest committed schema/schema.graphql
 *                                                   that differs from the code's schema
 *   npm run schema:breaking -- --base origin/main   schema/schema.graphql at a git revision
 *   npm run schema:breaking -- --base-file old.graphql
 *
 * The default baseline covers both places this runs: on a working tree with uncommitted changes
 * it is HEAD's schema; on a clean clone, where HEAD's schema equals the code's, it is the version
 * before the last schema change, so CI checks the change that was committed. (Comparing with
 * HEAD alone would always pass in CI.) Both sides are built as subgraphs (`_entities` included),
 * so dropping the `Customer` entity breaks too. Removing a field that the baseline already marks
 * `@deprecated` is allowed: deprecate, ship, then remove.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { type Change, CriticalityLevel, DiffRule, diff, type Rule } from '@graphql-inspector/core';
import { parse } from 'graphql';

const SCHEMA_PATH = 'schema/schema.graphql';
const root = fileURLToPath(new URL('..', import.meta.url));

export interface SchemaChanges {
  breaking: Change[];
  dangerous: Change[];
  safe: Change[];
}

/**
 * Federation's directives and `@link`: plumbing of the subgraph, not its API. Their definitions
 * come and go with `@link(import:)` (importing `@shareable` turns `@federation__shareable` into
 * `@shareable`), which GraphQL Inspector alone would call a removed directive.
 */
const FEDERATION_DIRECTIVE =
  /^(link|link__\w+|federation__\w+|key|shareable|external|requires|provides|extends|tag|inaccessible|override|composeDirective|interfaceObject|authenticated|requiresScopes|policy|context|fromContext|cost|listSize)$/;

/**
 * Usages the rest of the graph relies on: without `@key` the entity is gone for every subgraph
 * that references it; without `@shareable` composition fails beside any subgraph that also
 * resolves the type (`PageInfo`). Inspector rates their removal only dangerous.
 */
const RELIED_ON_USAGE = new Set(['key', 'shareable']);

const directiveOf = (change: Change): string | undefined => {
  const meta = change.meta as {
    removedDirectiveName?: string;
    addedDirectiveName?: string;
    directiveName?: string;
  };
  return change.type.startsWith('DIRECTIVE')
    ? (meta.removedDirectiveName ?? meta.addedDirectiveName ?? meta.directiveName)
    : undefined;
};

/** Where a usage is, with `@federation__shareable` (not imported) and `@shareable` (imported) as one. */
const placeOf = (change: Change) => (change.path ?? '').replace('@federation__', '@');
const isUsage = (change: Change) => change.type.startsWith('DIRECTIVE_USAGE_');
const isAdded = (change: Change) => change.type.endsWith('_ADDED');

const federationRule: Rule = ({ changes }) => {
  const moved = new Set(changes.filter(isUsage).map((change) => `${isAdded(change)}${placeOf(change)}`));
  return changes.flatMap((change): Change[] => {
    const directive = directiveOf(change);
    if (directive === undefined || !FEDERATION_DIRECTIVE.test(directive)) return [change];
    // Definitions of federation's directives, and @link on the schema: plumbing.
    if (!isUsage(change) || directive === 'link') return [];
    // The same usage under its other name: nothing changed.
    if (moved.has(`${!isAdded(change)}${placeOf(change)}`)) return [];
    if (isAdded(change)) return [{ ...change, criticality: { level: CriticalityLevel.NonBreaking } }];
    const name = directive.replace(/^federation__/, '');
    if (!RELIED_ON_USAGE.has(name)) return [change];
    const reason = `other subgraphs rely on @${name}`;
    return [
      {
        ...change,
        message: `${change.message}: ${reason}`,
        criticality: { level: CriticalityLevel.Breaking, reason },
      },
    ];
  });
};

/** Every change from `baseSdl` to `sdl` (both subgraph SDL, federation directives included), by criticality. */
export async function schemaChanges(baseSdl: string, sdl: string): Promise<SchemaChanges> {
  const build = (text: string) => buildSubgraphSchema({ typeDefs: parse(text) });
  const changes = await diff(build(baseSdl), build(sdl), [
    DiffRule.suppressRemovalOfDeprecatedField,
    federationRule,
  ]);
  const of = (level: CriticalityLevel) => changes.filter((change) => change.criticality.level === level);
  return {
    breaking: of(CriticalityLevel.Breaking),
    dangerous: of(CriticalityLevel.Dangerous),
    safe: of(CriticalityLevel.NonBreaking),
  };
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The newest committed version of the schema that differs from `printed`, or undefined when there is none. */
function previousCommittedSchema(printed: string): { label: string; sdl: string } | undefined {
  const commits = git('log', '--format=%H', '--', SCHEMA_PATH).split('\n').filter(Boolean);
  for (const commit of commits) {
    const sdl = git('show', `${commit}:${SCHEMA_PATH}`);
    if (sdl !== printed) return { label: `${SCHEMA_PATH} at ${commit.slice(0, 12)}`, sdl };
  }
  return undefined;
}

function baseline(args: string[], printed: string): { label: string; sdl: string } | undefined {
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at === -1 ? undefined : args[at + 1];
  };
  const file = option('--base-file');
  if (file) return { label: file, sdl: readFileSync(file, 'utf8') };
  const revision = option('--base');
  if (revision)
    return { label: `${SCHEMA_PATH} at ${revision}`, sdl: git('show', `${revision}:${SCHEMA_PATH}`) };
  return previousCommittedSchema(printed);
}

async function main(args: string[]): Promise<number> {
  const { schema } = await import('../src/graphql/index.ts');
  const printed = `${printSubgraphSchema(schema).trim()}\n`;
  let base: { label: string; sdl: string } | undefined;
  try {
    base = baseline(args, printed);
  } catch (error) {
    process.stderr.write(`No baseline to compare with: ${(error as Error).message.trim()}\n`);
    return 2;
  }
  if (!base) {
    process.stdout.write(`No committed ${SCHEMA_PATH} differs from the code's schema: nothing to compare.\n`);
    return 0;
  }
  const { breaking, dangerous, safe } = await schemaChanges(base.sdl, printed);
  const line = (mark: string, change: Change) =>
    `  ${mark} ${change.message}${change.path ? ` (${change.path})` : ''}\n`;
  process.stdout.write(`The code's schema against ${base.label}:\n`);
  for (const change of breaking) process.stdout.write(line('BREAKING ', change));
  for (const change of dangerous) process.stdout.write(line('dangerous', change));
  process.stdout.write(
    `${breaking.length} breaking, ${dangerous.length} dangerous, ${safe.length} safe change(s).\n`,
  );
  if (breaking.length > 0) {
    process.stderr.write(
      'Breaking changes break clients and the supergraph: keep the old field beside the new one, ' +
        'mark it @deprecated, and remove it in a later change.\n',
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
