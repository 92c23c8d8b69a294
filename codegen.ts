import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations for frontends and for the tests themselves, generated from the committed
 * schema (never from a running server) so that `npm run codegen` is reproducible offline, and
 * `npm run codegen:check` fails when the committed output differs from what it would generate.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  // The example operations frontends copy, and the ones the tests send.
  documents: ['examples/operations/*.graphql', 'test/helpers/operations.ts'],
  ignoreNoDocuments: false,
  // ESM imports with extensions, as the rest of the project (Node runs .ts directly).
  importExtension: '.ts',
  generates: {
    'test/generated/': {
      preset: 'client',
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: {
        fragmentMasking: false,
        // test/generated/persisted-documents.json: {"sha256:<hex>": "<document>"}, the hash over
        // the normalized document text (GraphQL over HTTP's persisted documents appendix); each
        // typed document carries the same hash in `__meta__.hash`. Written by the same run as the
        // typed documents, so the two can never disagree.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
    },
  },
};

export default config;
