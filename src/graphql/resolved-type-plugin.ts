/**
 * A Pothos plugin, on Pothos' own hook for resolveType (wrapResolveType): a union or interface that
 * sets `extensions: { onResolvedType(context, typeName) }` is told which member each value
 * resolved to. UpdateCustomerPayload counts edits by outcome with it: every edit's outcome passes
 * through its resolveType, typed failures the validation plugin catches (which never reach the
 * resolver) included.
 */
import SchemaBuilder, {
  BasePlugin,
  type PothosInterfaceTypeConfig,
  type PothosUnionTypeConfig,
  type SchemaTypes,
} from '@pothos/core';
import type { GraphQLTypeResolver } from 'graphql';

const pluginName = 'resolvedType';

class ResolvedTypePlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolveType(
    resolveType: GraphQLTypeResolver<unknown, Types['Context']>,
    typeConfig: PothosInterfaceTypeConfig | PothosUnionTypeConfig,
  ): GraphQLTypeResolver<unknown, Types['Context']> {
    const tell = typeConfig.extensions?.onResolvedType;
    if (typeof tell !== 'function') return resolveType;
    return async (value, context, info, type) => {
      const name = await resolveType(value, context, info, type);
      if (name) tell(context, name);
      return name;
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      resolvedType: ResolvedTypePlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin(pluginName, ResolvedTypePlugin);

export default pluginName;
