import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations for frontends and for the tests themselves, generated from the committed
 * schema (never from a running server) so that `npm run codegen` is reproducible offline.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/helpers/operations.ts'],
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
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
