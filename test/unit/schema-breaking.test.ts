/** scripts/schema-breaking.ts: which changes to the subgraph schema it lets through. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { acceptedChanges, schemaChanges, sortBreaking } from '../../scripts/schema-breaking.ts';

const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
const acceptedList = readFileSync(
  new URL('../../schema/accepted-breaking-changes.json', import.meta.url),
  'utf8',
);
const changelog = readFileSync(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');
const ARCHIVED = '  archived: Boolean\n';

/** The schema with `Customer.archived` as it was before it became nullable. */
const beforeNullableArchived = () => edited(ARCHIVED, '  archived: Boolean!\n');

function run(...args: string[]) {
  return promisify(execFile)(process.execPath, ['scripts/schema-breaking.ts', ...args], {
    cwd: new URL('../..', import.meta.url),
  });
}

function baselineFile(sdl: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'schema-breaking-')), 'baseline.graphql');
  writeFileSync(file, sdl);
  return file;
}

function edited(from: string, to: string): string {
  expect(committed).toContain(from);
  return committed.replace(from, to);
}

const VAT_FIELD = '  """VAT or tax number."""\n  vatNumber: String\n';

describe('the breaking-change check', () => {
  it('finds nothing between the committed schema and itself', async () => {
    expect(await schemaChanges(committed, committed)).toEqual({ breaking: [], dangerous: [], safe: [] });
  });

  it('reports a removed field as breaking, with its path', async () => {
    const { breaking } = await schemaChanges(committed, edited(VAT_FIELD, ''));
    expect(breaking.map((change) => change.path)).toEqual(['Customer.vatNumber']);
  });

  it('reports an input field made required, and a changed field type, as breaking', async () => {
    const anchor = '  url: String\n\n  """Billing address parts';
    const next = edited(anchor, anchor.replace('url: String', 'url: String!')).replace(
      '  customerNumber: Int\n',
      '  customerNumber: String\n',
    );
    const { breaking } = await schemaChanges(committed, next);
    expect(breaking.map((change) => change.path).sort()).toEqual([
      'Customer.customerNumber',
      'UpdateCustomerInput.url',
    ]);
  });

  it('lets a field go that the baseline already marked @deprecated: deprecate, ship, then remove', async () => {
    const deprecatedVat =
      '  """VAT or tax number."""\n  vatNumber: String @deprecated(reason: "Use taxNumber.")\n';
    const deprecated = edited(VAT_FIELD, `${deprecatedVat}\n  """Tax number."""\n  taxNumber: String\n`);
    const first = await schemaChanges(committed, deprecated);
    expect(first.breaking).toEqual([]);
    expect(first.safe.map((change) => change.path)).toContain('Customer.taxNumber');
    const removed = await schemaChanges(deprecated, deprecated.replace(deprecatedVat, ''));
    expect(removed.breaking).toEqual([]);
  });

  it('rates a new member of the payload union dangerous: exhaustive switches in clients miss it', async () => {
    const next = edited(
      '| SalesBinderUnavailableError\n',
      '| SalesBinderUnavailableError | CustomerArchivedError\n',
    ).concat('\ntype CustomerArchivedError implements SalesBinderError { message: String! }\n');
    const { breaking, dangerous } = await schemaChanges(committed, next);
    expect(breaking).toEqual([]);
    expect(dangerous.map((change) => change.type)).toContain('UNION_MEMBER_ADDED');
  });

  it('reports dropping @key from Customer or @shareable from PageInfo as breaking for the graph', async () => {
    const noKey = await schemaChanges(
      committed,
      edited('type Customer\n  @key(fields: "id")\n', 'type Customer\n'),
    );
    expect(noKey.breaking.map((change) => change.path)).toEqual(
      expect.arrayContaining(['Customer.@key', 'Query._entities']),
    );
    const notShareable = await schemaChanges(
      committed,
      edited('type PageInfo\n  @shareable\n', 'type PageInfo\n'),
    );
    expect(notShareable.breaking.map((change) => change.path)).toEqual(['PageInfo.@shareable']);
  });

  it('ignores federation plumbing: which directives @link imports', async () => {
    const importsOnlyKey = edited('import: ["@key", "@shareable"]', 'import: ["@key"]').replace(
      'type PageInfo\n  @shareable\n',
      'type PageInfo\n  @federation__shareable\n',
    );
    expect(await schemaChanges(importsOnlyKey, committed)).toEqual({ breaking: [], dangerous: [], safe: [] });
  });

  it('fails `npm run schema:breaking` with exit code 1, naming the field, against a baseline the code breaks', async () => {
    const baseline = baselineFile(
      edited(VAT_FIELD, `${VAT_FIELD}\n  """Gone in the code."""\n  legacyCode: String\n`),
    );
    await expect(run('--base-file', baseline)).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('Customer.legacyCode'),
    });
  });
});

describe('breaking changes made on purpose', () => {
  const accepted = acceptedChanges(acceptedList, changelog);

  it('lets Customer.archived become nullable, as listed and announced in CHANGELOG.md', async () => {
    const { breaking } = await schemaChanges(beforeNullableArchived(), committed);
    expect(breaking.map((change) => change.path)).toEqual(['Customer.archived']);
    const sorted = sortBreaking(breaking, accepted);
    expect(sorted.refused).toEqual([]);
    expect(sorted.accepted.map(({ entry }) => entry.changelog)).toEqual(['`Customer.archived` is nullable']);
  });

  it('still refuses the same field changed any other way, and every other breaking change', async () => {
    const toText = await schemaChanges(beforeNullableArchived(), edited(ARCHIVED, '  archived: String\n'));
    expect(sortBreaking(toText.breaking, accepted).refused.map((change) => change.path)).toEqual([
      'Customer.archived',
    ]);
    const alsoRemoved = await schemaChanges(beforeNullableArchived(), committed.replace(VAT_FIELD, ''));
    const sorted = sortBreaking(alsoRemoved.breaking, accepted);
    expect(sorted.accepted.map(({ change }) => change.path)).toEqual(['Customer.archived']);
    expect(sorted.refused.map((change) => change.path)).toEqual(['Customer.vatNumber']);
  });

  it('refuses a list whose entry CHANGELOG.md does not announce under a Breaking heading', () => {
    expect(() => acceptedChanges(acceptedList, '# Changelog\n\n## [Unreleased]\n')).toThrow(
      /announces no accepted breaking change of Customer\.archived/,
    );
    const underChanged = changelog.replace(/^### Breaking/m, '### Changed');
    expect(() => acceptedChanges(acceptedList, underChanged)).toThrow(/Customer\.archived/);
  });

  it('refuses a malformed list', () => {
    expect(() => acceptedChanges('{"accepted": [{"path": "Customer.archived"}]}', changelog)).toThrow(
      /malformed/,
    );
  });

  it('passes `npm run schema:breaking` against the schema before the change, naming it accepted', async () => {
    const { stdout } = await run('--base-file', baselineFile(beforeNullableArchived()));
    expect(stdout).toContain("accepted  Field 'Customer.archived' changed type");
    expect(stdout).toContain('0 breaking, 1 accepted breaking');
  });

  it('fails `npm run schema:breaking` when the code breaks something else as well', async () => {
    const baseline = baselineFile(
      beforeNullableArchived().replace(
        VAT_FIELD,
        `${VAT_FIELD}\n  """Gone in the code."""\n  legacyCode: String\n`,
      ),
    );
    await expect(run('--base-file', baseline)).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/BREAKING .*Customer\.legacyCode[\s\S]*accepted .*Customer\.archived/),
    });
  });
});
