/** Imports every type (for its side effect on the builder) and builds the federation subgraph schema. */
import { GraphQLError, type GraphQLSchema, GraphQLUnionType } from 'graphql';
import { builder } from './builder.ts';
import './types/date-time.ts';
import './types/customer.ts';
import './errors.ts';
import './types/update-customer.ts';
import './types/create-customer.ts';
import './types/delete-customer.ts';

builder.queryType({ description: 'Reads.' });

function namesEntity(representation: unknown, entities: ReadonlySet<string>): boolean {
  if (typeof representation !== 'object' || representation === null || Array.isArray(representation))
    return false;
  const typename = '__typename' in representation ? representation.__typename : undefined;
  return typeof typename === 'string' && entities.has(typename);
}

/**
 * A representation that names no entity is the caller's mistake, but @apollo/subgraph's resolver
 * throws a plain Error for it (masked, and logged as if the gateway had failed): refused here with
 * BAD_USER_INPUT before it runs. The one wrap no Pothos hook can do: `_entities` and its resolver
 * are @apollo/subgraph's, added by toSubGraphSchema after Pothos has built every field (no
 * plugin's wrapResolve reaches it, and toSubGraphSchema takes no option for it); a check in the
 * `_Any` scalar instead would answer the same mistake as a validation error of another shape.
 */
function refuseNonEntities(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const union = schema.getType('_Entity');
  if (!field?.resolve || !(union instanceof GraphQLUnionType)) return schema;
  const resolve = field.resolve;
  const entities = new Set(union.getTypes().map((type) => type.name));
  field.resolve = (source, args: { representations?: unknown }, context, info) => {
    const representations = Array.isArray(args.representations) ? args.representations : [];
    if (!representations.every((representation) => namesEntity(representation, entities))) {
      throw new GraphQLError(
        `Each representation must be an object whose __typename is an entity of this subgraph (${[...entities].join(', ')})`,
        { extensions: { code: 'BAD_USER_INPUT' } },
      );
    }
    return resolve(source, args, context, info);
  };
  return schema;
}

/** The subgraph schema (Federation v2), with `_service` and `_entities`. */
export const schema = refuseNonEntities(
  builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' }),
);
