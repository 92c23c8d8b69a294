/**
 * For deployments where clients can reach the subgraph directly: `_entities` (a lookup by any id,
 * bypassing every root field's checks) and `_service` (the schema) answer only requests that carry
 * the router's shared secret. The same secret marks a request as internal for trusted documents.
 * Without a secret but with introspection off (production), `_service` is refused to everyone:
 * it is the whole schema, so serving it would undo turning introspection off.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const SUBGRAPH_SECRET_HEADER = 'x-subgraph-secret';
const FEDERATION_FIELDS: ReadonlySet<string> = new Set(['_entities', '_service']);
const SCHEMA_FIELDS: ReadonlySet<string> = new Set(['_service']);

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Compares in constant time, so the secret cannot be guessed a character at a time. Each request is
 * checked once: the subgraph rule and trusted documents both ask.
 */
export function createSecretCheck(secret: string): (request: Request) => boolean {
  const expected = digest(secret);
  const checked = new WeakMap<Request, boolean>();
  return (request) => {
    let isRouter = checked.get(request);
    if (isRouter === undefined) {
      const offered = request.headers.get(SUBGRAPH_SECRET_HEADER);
      isRouter = offered !== null && timingSafeEqual(digest(offered), expected);
      checked.set(request, isRouter);
    }
    return isRouter;
  };
}

const forbidden =
  (fields: ReadonlySet<string>): ValidationRule =>
  (context) => ({
    Field(node) {
      // Wherever the field is written (at the root, in a fragment, in an inline fragment): what
      // counts is that it is a field of Query.
      const onQuery = context.getParentType() === context.getSchema().getQueryType();
      if (onQuery && fields.has(node.name.value)) {
        context.reportError(
          new GraphQLError(`${node.name.value} is only for the federation router`, {
            nodes: node,
            extensions: { code: 'FORBIDDEN' },
          }),
        );
      }
    },
  });

const federationFieldsForbidden = forbidden(FEDERATION_FIELDS);

export function useSubgraphSecret(isInternal: (request: Request) => boolean): Plugin<{ request: Request }> {
  return {
    onValidate({ addValidationRule, context }) {
      if (!isInternal(context.request)) addValidationRule(federationFieldsForbidden);
    },
  };
}

/** `_service` refused to every caller: with introspection off and no subgraph secret to prove the router. */
export function useSchemaHidden(): Plugin {
  const schemaFieldsForbidden = forbidden(SCHEMA_FIELDS);
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(schemaFieldsForbidden);
    },
  };
}
