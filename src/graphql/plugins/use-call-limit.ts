/**
 * An operation's cost in SalesBinder calls, bounded: the cost limit counts what an answer will
 * hold, but the scarce thing is the account's calls (15 per 10 s for the whole company). Just
 * before an operation runs, when its variables are known, the calls it may start are counted:
 *
 * - each distinct page or search (`customers` with distinct arguments; aliases asking the same
 *   thing share one call);
 * - each distinct account read by id (`customer`, and `_entities`' representations), less those
 *   the budget's memory would serve this caller now without a call;
 * - each edit (every mutation field).
 *
 * Over `max`, the operation is refused before any call, with an error that names the bound. The
 * count is an upper bound (a page whose kind memory can serve still counts), so that the check
 * stays cheap and cannot be gamed.
 */
import {
  type FragmentDefinitionNode,
  GraphQLError,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getOperationAST,
  Kind,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isCustomerId } from '../../domain/customer-changes.ts';
import type { GatewayContext } from '../gateway-context.ts';

/** What an operation may make SalesBinder do. */
interface Calls {
  /** Distinct pages and searches, by their arguments. */
  pages: Set<string>;
  /** Distinct accounts read by id. */
  ids: Set<string>;
  edits: number;
}

type Variables = Record<string, unknown>;

function skipped(node: SelectionNode, variables: Variables): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return true;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false;
}

function collect(
  selectionSet: SelectionSetNode,
  root: GraphQLObjectType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Variables,
  calls: Calls,
  seen: ReadonlySet<string> = new Set(),
): void {
  for (const selection of selectionSet.selections) {
    if (skipped(selection, variables)) continue;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      collect(selection.selectionSet, root, fragments, variables, calls, seen);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (fragment && !seen.has(name))
        collect(fragment.selectionSet, root, fragments, variables, calls, new Set([...seen, name]));
      continue;
    }
    const field = root.getFields()[selection.name.value];
    if (!field) continue;
    const args = getArgumentValues(field, selection, variables);
    switch (field.name) {
      case 'customers':
        calls.pages.add(JSON.stringify(args));
        break;
      case 'customer':
        if (typeof args.id === 'string' && isCustomerId(args.id)) calls.ids.add(args.id);
        break;
      case '_entities':
        for (const representation of Array.isArray(args.representations) ? args.representations : []) {
          const id = (representation as { id?: unknown } | null)?.id;
          if (typeof id === 'string' && isCustomerId(id)) calls.ids.add(id);
        }
        break;
      default:
        // Every mutation (updateCustomer, and any added later) is a call of its own.
        if (root.name === 'Mutation' && field.name !== '__typename') calls.edits++;
    }
  }
}

const callLimitRefusal = (max: number, calls: number) =>
  new GraphQLError(
    `SalesBinder call limit of ${max} per operation exceeded: this operation may start ${calls} calls (distinct searches and pages, accounts not held in memory, edits).`,
    { extensions: { code: 'BAD_USER_INPUT', callLimit: max, calls, http: { status: 400 } } },
  );

export function useCallLimit(max: number): Plugin<GatewayContext> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const root = args.schema.getRootType(operation.operation);
      if (!root) return;
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const definition of args.document.definitions)
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
      const calls: Calls = { pages: new Set(), ids: new Set(), edits: 0 };
      try {
        collect(operation.selectionSet, root, fragments, (args.variableValues ?? {}) as Variables, calls);
      } catch {
        // Variables that do not fit: execution refuses them as such, before any call.
        return;
      }
      const upperBound = calls.pages.size + calls.ids.size + calls.edits;
      if (upperBound <= max) return;
      let held = 0;
      if (calls.ids.size > 0) {
        try {
          held = (await args.contextValue.salesbinder().held?.([...calls.ids])) ?? 0;
        } catch {
          // No usable key or no memory: nothing counts as held.
        }
      }
      if (upperBound - held > max)
        setResultAndStopExecution({ errors: [callLimitRefusal(max, upperBound - held)] });
    },
  };
}
