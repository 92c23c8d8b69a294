/** Imports every type (for its side effect on the builder) and builds the federation subgraph schema. */
import { GraphQLError, GraphQLUnionType } from 'graphql';
import { builder } from './builder.ts';
import type { GatewayContext } from './gateway-context.ts';
import './types/date-time.ts';
import './types/customer.ts';
import './errors.ts';
import './types/update-customer.ts';

builder.queryType({ description: 'Reads.' });

/** The subgraph schema (Federation v2), with `_service` and `_entities`. */
export const schema = builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' });

// Every edit's outcome passes through the union's resolveType, typed failures caught by the
// validation plugin included (they never reach the resolver): the one place to count them all.
const payload = schema.getType('UpdateCustomerPayload');
if (payload instanceof GraphQLUnionType && payload.resolveType) {
  const resolveType = payload.resolveType;
  payload.resolveType = async (value, context: GatewayContext, info, type) => {
    const name = await resolveType(value, context, info, type);
    if (name) context.onPayload?.(name);
    return name;
  };
}

// A representation that names no entity is the caller's mistake; @apollo/subgraph's resolver
// throws a plain Error for it (masked, and logged as if the gateway had failed).
const entities = schema.getQueryType()?.getFields()._entities;
const entityUnion = schema.getType('_Entity');
if (entities?.resolve && entityUnion instanceof GraphQLUnionType) {
  const resolve = entities.resolve;
  const names = new Set(entityUnion.getTypes().map((type) => type.name));
  entities.resolve = (source, args: { representations?: unknown }, context, info) => {
    const representations = Array.isArray(args.representations) ? args.representations : [];
    for (const representation of representations) {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      if (
        typeof representation !== 'object' ||
        Array.isArray(representation) ||
        typeof typename !== 'string' ||
        !names.has(typename)
      ) {
        throw new GraphQLError(
          `Each representation must be an object whose __typename is an entity of this subgraph (${[...names].join(', ')})`,
          { extensions: { code: 'BAD_USER_INPUT' } },
        );
      }
    }
    return resolve(source, args, context, info);
  };
}
