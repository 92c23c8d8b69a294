/**
 * What the package exports (written by hand; every other .ts file here is written by `npm run
 * codegen`): the typed documents with their result and variables types, the client preset's
 * `graphql()` function, and the `possibleTypes` Apollo Client's cache needs. The manifest of
 * persisted documents is `@salesbinder-gateway/client/persisted-documents.json`.
 */
import generated from './possible-types.js';

export * from './gql.js';
export * from './graphql.js';

/** For `new InMemoryCache({ possibleTypes })`: without it `... on SalesBinderError` loses its fields. */
export const possibleTypes = generated.possibleTypes;
