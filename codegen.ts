import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * What a client imports, generated from the committed schema (never from a running server) so that
 * `npm run codegen` is reproducible offline, and `npm run codegen:check` fails when the committed
 * output differs from what it would generate. Copy this file into a client project as it is: the
 * output compiles under a standard `moduleResolution: NodeNext` tsconfig (`examples/tsconfig.json`
 * checks that), so only the paths need changing.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  // The operations frontends copy; your app lists its own here.
  documents: ['examples/operations/*.graphql'],
  ignoreNoDocuments: false,
  // NodeNext (and bundlers) want the extension of the emitted file in relative imports: `.js`.
  importExtension: '.js',
  generates: {
    'client/': {
      preset: 'client',
      config: {
        // `DateTime` comes over JSON as an RFC 3339 string (UTC, `Z`); without this it is `unknown`.
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: {
        fragmentMasking: false,
        // client/persisted-documents.json: {"sha256:<hex>": "<document>"}, the hash over the
        // normalized document text (GraphQL over HTTP's persisted documents appendix); each typed
        // document carries the same hash in `__meta__.hash`. Written by the same run as the typed
        // documents, so the two can never disagree.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
    },
    // Which types implement SalesBinderError and make up each payload union: Apollo Client's
    // cache needs it (`new InMemoryCache({ possibleTypes })`), or it silently drops every field
    // selected through `... on SalesBinderError`.
    'client/possible-types.ts': {
      plugins: ['fragment-matcher'],
      config: { apolloClientVersion: 3, useExplicitTyping: true },
    },
  },
};

export default config;
