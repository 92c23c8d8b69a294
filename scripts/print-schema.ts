/**
 * Prints the subgraph SDL (with its federation directives, hence printSubgraphSchema) to
 * schema/schema.graphql; with --check, fails when the committed file differs from the code.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { printSubgraphSchema } from '@apollo/subgraph';
import { schema } from '../src/graphql/index.ts';

const target = new URL('../schema/schema.graphql', import.meta.url);
const printed = `${printSubgraphSchema(schema).trim()}\n`;

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== printed) {
    process.stderr.write('schema/schema.graphql is out of date: run `npm run schema:print` and commit it.\n');
    process.exit(1);
  }
  process.stdout.write('schema/schema.graphql matches the code.\n');
} else {
  await writeFile(target, printed);
  process.stdout.write('Printed schema/schema.graphql\n');
}
