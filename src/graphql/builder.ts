/** The SchemaBuilder and its plugins; no types are defined here (they live in types/). */
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import type { GatewayContext } from './gateway-context.ts';
import { inputErrorFromIssues } from './payload-errors.ts';
import ResolvedTypePlugin from './resolved-type-plugin.ts';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
  };
  // Pothos makes fields nullable unless told otherwise; the contract's `!`s need the opposite.
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  // What every connection carries besides edges and pageInfo (the resolvers' shape, typed).
  Connection: { totalCount: number };
}>({
  // Errors first, so that it also catches what the plugins after it throw; federation last,
  // after everything that wraps resolvers.
  plugins: [
    ErrorsPlugin,
    ValidationPlugin,
    RelayPlugin,
    DirectivesPlugin,
    ResolvedTypePlugin,
    FederationPlugin,
  ],
  defaultFieldNullability: false,
  relay: {
    // Only the connection types: accounts are found by SalesBinder id, not by global Node ids.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    cursorType: 'String',
    edgesFieldOptions: {
      nullable: { list: false, items: false },
      description: 'The accounts of this page, in order.',
    },
    nodeFieldOptions: { nullable: false, description: 'The account.' },
    cursorFieldOptions: { description: 'Opaque; pass it as `after` to continue after this account.' },
    pageInfoFieldOptions: { description: 'Where this page sits in the whole list.' },
    hasNextPageFieldOptions: { description: 'Whether accounts remain after this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether accounts come before this page.' },
    startCursorFieldOptions: { description: "The first edge's cursor; null on an empty page." },
    endCursorFieldOptions: { description: "The last edge's cursor; pass it as `after` for the next page." },
    pageInfoTypeOptions: {
      description: 'Relay page information.',
      // Every subgraph with connections defines PageInfo: shareable, so a supergraph composes.
      shareable: true,
    },
  },
  errors: {
    // Turns validation failures into the CustomerInputError member of the payload instead of a
    // top-level GraphQL error. It skips field-level auth scopes, so authentication is decided in
    // the context (per request), never in scopes.
    unsafelyHandleInputErrors: true,
  },
  validation: {
    validationError: (failure) =>
      inputErrorFromIssues(
        failure.issues.map((issue) => ({
          path: (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)),
          message: issue.message,
        })),
      ),
  },
});
