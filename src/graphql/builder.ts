/** The SchemaBuilder and its plugins; no types are defined here (they live in types/). */
import SchemaBuilder from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import FederationPlugin from '@pothos/plugin-federation';
import ValidationPlugin from '@pothos/plugin-validation';
import type { GatewayContext } from '../context.ts';
import { inputErrorFromIssues } from './payload-errors.ts';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
  };
  // Pothos makes fields nullable unless told otherwise; the contract's `!`s need the opposite.
  DefaultFieldNullability: false;
}>({
  // Errors first, so that it also catches what the plugins after it throw; federation last,
  // after everything that wraps resolvers.
  plugins: [ErrorsPlugin, ValidationPlugin, DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
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
