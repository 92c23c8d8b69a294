/** Imports every type (for its side effect on the builder) and builds the federation subgraph schema. */
import { GraphQLUnionType } from 'graphql';
import type { GatewayContext } from '../context.ts';
import { builder } from './builder.ts';
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
