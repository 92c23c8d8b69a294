/**
 * Limits every operation must meet before it runs, so that no request can make the gateway spend
 * upstream budget or CPU without bound: depth, aliases (`__typename` included), tokens,
 * directives and cost (graphql-armor's checks), and a cap on edits per operation (our own rule:
 * each `updateCustomer` spends the account's scarce SalesBinder budget).
 */
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { SecurityConfig } from '../../config.ts';

export type OperationLimits = Pick<
  SecurityConfig,
  'maxDepth' | 'maxAliases' | 'maxTokens' | 'maxDirectives' | 'maxCost' | 'maxUpdatesPerOperation'
>;

/** Counts a root field across the operation's selection, fragments included (each fragment once per spread). */
function countRootField(
  selectionSet: SelectionSetNode,
  fieldName: string,
  fragments: (name: string) => FragmentDefinitionNode | null | undefined,
  seen: ReadonlySet<string> = new Set(),
): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === fieldName) count++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countRootField(selection.selectionSet, fieldName, fragments, seen);
    } else if (!seen.has(selection.name.value)) {
      const fragment = fragments(selection.name.value);
      if (fragment) {
        count += countRootField(
          fragment.selectionSet,
          fieldName,
          fragments,
          new Set([...seen, selection.name.value]),
        );
      }
    }
  }
  return count;
}

export function maxRootFieldRule(fieldName: string, max: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation) {
      if (operation.operation !== 'mutation') return;
      const count = countRootField(operation.selectionSet, fieldName, (name) => context.getFragment(name));
      if (count > max) {
        context.reportError(
          new GraphQLError(
            `An operation may hold at most ${max} ${fieldName} fields; this one holds ${count}.`,
            {
              nodes: operation,
              extensions: { code: 'BAD_USER_INPUT' },
            },
          ),
        );
      }
    },
  });
}

export function useOperationLimits(limits: OperationLimits): Plugin[] {
  const rule = maxRootFieldRule('updateCustomer', limits.maxUpdatesPerOperation);
  return [
    maxTokensPlugin({ n: limits.maxTokens }),
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true }),
    // armor lets aliased __typename through by default: a cheap way to inflate a response.
    maxAliasesPlugin({ n: limits.maxAliases, allowList: [] }),
    maxDirectivesPlugin({ n: limits.maxDirectives }),
    // Linear cost (a field costs 1, an object 2, times `first` on a connection), so the limit
    // reads as "about this many values": a full page of 200 accounts with every field is 8 000.
    costLimitPlugin({ maxCost: limits.maxCost, depthCostFactor: 1 }),
    { onValidate: ({ addValidationRule }) => addValidationRule(rule) },
  ] as Plugin[];
}
