import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) with no exports map. Node, and so Yoga and
    // Pothos, load the CJS one; Vite would hand our code the ESM one. Two copies break every
    // `instanceof GraphQLError`, so point Vite at the copy Node uses.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores here: one worker per core keeps servers on loopback from starving each other.
    maxWorkers: 2,
  },
});
