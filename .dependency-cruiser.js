/**
 * The layers of src/ as rules on resolved paths (docs/development.md#the-layers-as-a-lint-rule):
 * however an import is spelled (`../sandbox/x.ts`, `./../sandbox/x.ts`, `../../src/sandbox/x.ts`),
 * it is judged by the file it reaches. Type-only imports count. `npm run check:lint` runs it.
 */
const WHY = ' (docs/development.md#the-layers-as-a-lint-rule)';
const FOLDERS = ['graphql', 'http', 'salesbinder', 'transport', 'domain', 'observability', 'sandbox'];

/** A folder imports itself and the folders below it; the sandbox and the root files have rules of their own. */
const layer = (folder, below) => ({
  name: `${folder}-layer`,
  comment: `src/${folder}/ may import ${below.length ? below.map((f) => `src/${f}/`).join(', ') : 'no other folder'}${WHY}`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: '^src/[^/]+/', pathNot: `^src/(${[folder, 'sandbox', ...below].join('|')})/` },
});

/** A library that defines a layer stays in it. */
const library = (name, packages, mayUse) => ({
  name,
  comment: `${packages.join(', ')}: only in ${mayUse.join(', ')}${WHY}`,
  severity: 'error',
  from: { path: '^src/', pathNot: `^src/(${mayUse.map((p) => p.replaceAll('.', '\\.')).join('|')})` },
  to: { path: `(^|/)node_modules/(${packages.map((p) => p.replaceAll('.', '\\.')).join('|')})/` },
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'in-no-layer',
      comment: `this file is in no layer yet: give its folder a rule in .dependency-cruiser.js${WHY}`,
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/([^/]+\\.ts$|(${FOLDERS.join('|')})/)` },
      to: {},
    },
    {
      name: 'no-root-files',
      comment: `no folder imports the root files (server.ts, app.ts, config.ts, context.ts)${WHY}`,
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/[^/]+\\.ts$' },
    },
    layer('graphql', ['salesbinder', 'domain', 'http', 'observability']),
    layer('http', ['observability']),
    layer('salesbinder', ['transport', 'domain', 'observability']),
    layer('transport', ['domain', 'observability']),
    layer('domain', []),
    layer('observability', []),
    layer('sandbox', []),
    {
      name: 'sandbox-only-from-server',
      comment: `the sandbox is SalesBinder's stand-in: only server.ts starts it${WHY}`,
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server\\.ts$|sandbox/)' },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'sandbox-imported-dynamically',
      comment: `server.ts imports the sandbox only dynamically, when no SalesBinder is configured${WHY}`,
      severity: 'error',
      from: { path: '^src/server\\.ts$' },
      to: { path: '^src/sandbox/', dependencyTypesNot: ['dynamic-import'] },
    },
    library(
      'graphql-libraries-in-graphql',
      [
        'graphql',
        'graphql-scalars',
        'graphql-query-complexity',
        '@pothos',
        '@escape.tech',
        '@apollo/subgraph',
      ],
      ['graphql/'],
    ),
    library('yoga-in-graphql-http-app', ['graphql-yoga', '@graphql-yoga'], ['graphql/', 'http/', 'app.ts$']),
    library('wire-libraries-in-transport', ['undici', 'fast-xml-parser'], ['transport/', 'sandbox/']),
    library('ioredis-in-salesbinder', ['ioredis'], ['salesbinder/']),
    {
      name: 'no-circular',
      comment: `modules import one another in one direction: a cycle loads half-built modules${WHY}`,
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'resolvable',
      comment: `an import that does not resolve cannot be judged by the rules above${WHY}`,
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  },
};
