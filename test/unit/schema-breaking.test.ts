/** scripts/schema-breaking.ts: which changes to the subgraph schema it lets through. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { schemaChanges } from '../../scripts/schema-breaking.ts';

const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');

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
    const baseline = join(mkdtempSync(join(tmpdir(), 'schema-breaking-')), 'baseline.graphql');
    writeFileSync(
      baseline,
      edited(VAT_FIELD, `${VAT_FIELD}\n  """Gone in the code."""\n  legacyCode: String\n`),
    );
    const run = promisify(execFile)(
      process.execPath,
      ['scripts/schema-breaking.ts', '--base-file', baseline],
      {
        cwd: new URL('../..', import.meta.url),
      },
    );
    await expect(run).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('Customer.legacyCode'),
    });
  });
});
