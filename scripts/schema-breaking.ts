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
 *
 * A breaking change made on purpose passes only when it is listed, reviewed, in
 * schema/accepted-breaking-changes.json: its kind, its path and GraphQL Inspector's exact message
 * (so `Boolean!` to `Boolean` is accepted, `Boolean!` to `String` is not), with the line of
 * CHANGELOG.md that announces it under a `### Breaking` heading. An entry whose line is not there
 * fails the check: nothing breaks clients without telling them. Every other breaking change fails
 * as before.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { type Change, CriticalityLevel, DiffRule, diff, type Rule } from '@graphql-inspector/core';
import { parse } from 'graphql';
import { z } from 'zod';

const SCHEMA_PATH = 'schema/schema.graphql';
const ACCEPTED_PATH = 'schema/accepted-breaking-changes.json';
const CHANGELOG_PATH = 'CHANGELOG.md';
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

const acceptedListSchema = z.strictObject({
  $comment: z.string().optional(),
  accepted: z.array(
    z.strictObject({
      /** GraphQL Inspector's change type, e.g. FIELD_TYPE_CHANGED. */
      type: z.string().min(1),
      /** e.g. Customer.archived. */
      path: z.string().min(1),
      /** GraphQL Inspector's message, exactly: it names both sides of the change. */
      message: z.string().min(1),
      /** Text of the CHANGELOG.md line, under a `### Breaking` heading, that announces it. */
      changelog: z.string().min(1),
      /** Why breaking clients was the right call. */
      why: z.string().min(1),
    }),
  ),
});

export type AcceptedChange = z.infer<typeof acceptedListSchema>['accepted'][number];

/** The lines of CHANGELOG.md under each `### Breaking` heading, whichever release it belongs to. */
function breakingLines(changelog: string): string[] {
  const lines: string[] = [];
  let inBreaking = false;
  for (const line of changelog.split('\n')) {
    if (/^#{1,3}\s/.test(line)) inBreaking = /^###\s+Breaking\b/i.test(line);
    else if (inBreaking) lines.push(line);
  }
  return lines;
}

/**
 * The accepted breaking changes, read from the list's text and checked against the changelog's:
 * throws, saying which, when the list is malformed or an entry's changelog line is missing.
 */
export function acceptedChanges(listText: string, changelogText: string): AcceptedChange[] {
  const parsed = acceptedListSchema.safeParse(JSON.parse(listText));
  if (!parsed.success) throw new Error(`${ACCEPTED_PATH} is malformed: ${z.prettifyError(parsed.error)}`);
  const announced = breakingLines(changelogText);
  const unannounced = parsed.data.accepted.filter(
    (entry) => !announced.some((line) => line.includes(entry.changelog)),
  );
  if (unannounced.length > 0) {
    throw new Error(
      `${CHANGELOG_PATH} announces no accepted breaking change of ${unannounced.map((e) => e.path).join(', ')} ` +
        `under a "### Breaking" heading (looked for: ${unannounced.map((e) => JSON.stringify(e.changelog)).join(', ')})`,
    );
  }
  return parsed.data.accepted;
}

/** The breaking changes that an entry of `accepted` matches exactly, and the others. */
export function sortBreaking(
  breaking: Change[],
  accepted: readonly AcceptedChange[],
): { accepted: Array<{ change: Change; entry: AcceptedChange }>; refused: Change[] } {
  const result: ReturnType<typeof sortBreaking> = { accepted: [], refused: [] };
  for (const change of breaking) {
    const entry = accepted.find(
      (e) => e.type === change.type && e.path === change.path && e.message === change.message,
    );
    if (entry) result.accepted.push({ change, entry });
    else result.refused.push(change);
  }
  return result;
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
  let acceptedList: AcceptedChange[];
  try {
    acceptedList = acceptedChanges(
      readFileSync(join(root, ACCEPTED_PATH), 'utf8'),
      readFileSync(join(root, CHANGELOG_PATH), 'utf8'),
    );
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const { breaking, dangerous, safe } = await schemaChanges(base.sdl, printed);
  const { accepted, refused } = sortBreaking(breaking, acceptedList);
  const line = (mark: string, change: Change, note = '') =>
    `  ${mark} ${change.message}${change.path ? ` (${change.path})` : ''}${note}\n`;
  process.stdout.write(`The code's schema against ${base.label}:\n`);
  for (const change of refused) process.stdout.write(line('BREAKING ', change));
  for (const { change, entry } of accepted) {
    process.stdout.write(
      line('accepted ', change, `: in ${ACCEPTED_PATH}, announced as "${entry.changelog}"`),
    );
  }
  for (const change of dangerous) process.stdout.write(line('dangerous', change));
  process.stdout.write(
    `${refused.length} breaking, ${accepted.length} accepted breaking, ${dangerous.length} dangerous, ${safe.length} safe change(s).\n`,
  );
  if (refused.length > 0) {
    process.stderr.write(
      'Breaking changes break clients and the supergraph: keep the old field beside the new one, ' +
        'mark it @deprecated, and remove it in a later change. A break made on purpose goes in ' +
        `${ACCEPTED_PATH}, announced under "### Breaking" in ${CHANGELOG_PATH}.\n`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
