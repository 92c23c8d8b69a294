/**
 * Limits every operation must meet before it runs, so that no request can make the gateway spend
 * SalesBinder calls or CPU without bound: depth, aliases (`__typename` included), tokens and
 * directives (graphql-armor's checks), the cost of what it will read, variables included
 * (graphql-query-complexity, just before execution), and a cap on edits per operation (our own
 * rule: each `updateCustomer` spends a call of the account's scarce rate limits).
 */
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  getNamedType,
  getOperationAST,
  isCompositeType,
  Kind,
  type SelectionSetNode,
  TypeInfo,
  ValidationContext,
  type ValidationRule,
  visit,
} from 'graphql';
import { type ComplexityEstimator, createComplexityRule } from 'graphql-query-complexity';
import type { Plugin } from 'graphql-yoga';
import { MAX_PAGE_LIMIT } from '../../domain/customer-page.ts';
import { useCallLimit } from './use-call-limit.ts';

/** What one operation may hold (config.ts reads them from the environment: see docs/security.md). */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  maxUpdatesPerOperation: number;
  maxCallsPerOperation: number;
}

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

function maxRootFieldRule(fieldName: string, max: number): ValidationRule {
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

/**
 * How many items a field's answer holds: a page of accounts holds `first` (its default included,
 * and never more than a page can hold: a larger `first` is refused before anything is read),
 * `_entities` one per representation; anything else one.
 */
function itemsOf(fieldName: string, args: Record<string, unknown>): number {
  if (fieldName === '_entities') return Array.isArray(args.representations) ? args.representations.length : 1;
  const first = args.first;
  if (typeof first === 'number') return Math.min(Math.max(first, 0), MAX_PAGE_LIMIT);
  return 1;
}

/**
 * The cost of a field: a value 1, an object 2 plus the cost of its selection, times the items the
 * answer will hold (so a full page of 200 accounts with every field is 8 000). Aliases and
 * fragments count as often as they are spread; of a union's members, the dearest counts.
 */
const costOfField: ComplexityEstimator = ({ field, args, childComplexity }) =>
  (isCompositeType(getNamedType(field.type)) ? 2 + childComplexity : 1) * itemsOf(field.name, args);

/**
 * Refuses an operation whose cost is over `maxCost` just before it runs, when its variables are
 * known (graphql-armor's cost limit runs at validation, without them, and reads literal `first`
 * only): no resolver has run and SalesBinder has been asked nothing.
 */
const asRequestError = (error: GraphQLError) =>
  new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, http: { status: 400 } },
  });

/** The arguments an operation's cost reads: a page's size, `_entities`' representations, `@skip`/`@include`. */
const COST_ARGUMENTS = new Set(['first', 'representations', 'if']);

/** The variables a document's cost depends on; every other one may change without changing it. */
function costVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  let inCostArgument = 0;
  visit(document, {
    Argument: {
      enter: (node) => {
        if (COST_ARGUMENTS.has(node.name.value)) inCostArgument++;
      },
      leave: (node) => {
        if (COST_ARGUMENTS.has(node.name.value)) inCostArgument--;
      },
    },
    Variable: (node) => {
      if (inCostArgument > 0) names.add(node.name.value);
    },
  });
  return [...names].sort();
}

/**
 * Costs already worked out, per parsed document (Yoga keeps one object per document text) and
 * per value of the variables the cost reads (of a list, only its length counts): a client sending
 * the same operation with other ids, inputs or search terms costs one map lookup. Bounded per
 * document; a document no longer cached by Yoga takes its costs with it.
 */
const knownCosts = new WeakMap<DocumentNode, { variables: string[]; costs: Map<string, number> }>();
const MAX_COSTS_PER_DOCUMENT = 64;

function costKey(
  known: { variables: string[] },
  operationName: string | undefined,
  variableValues: Record<string, unknown>,
): string {
  const values = known.variables.map((name) => {
    const value = variableValues[name];
    return Array.isArray(value) ? { length: value.length } : value;
  });
  return `${operationName ?? ''}\0${JSON.stringify(values)}`;
}

const costRefusal = (max: number, actual: number) =>
  new GraphQLError(`Cost limit of ${max} exceeded: this operation would cost ${actual}.`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });

function useCostLimit(maxCost: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const variableValues = (args.variableValues ?? {}) as Record<string, unknown>;
      let known = knownCosts.get(args.document);
      if (!known) {
        known = { variables: costVariablesOf(args.document), costs: new Map() };
        knownCosts.set(args.document, known);
      }
      const key = costKey(known, args.operationName ?? undefined, variableValues);
      const knownCost = known.costs.get(key);
      if (knownCost !== undefined) {
        if (knownCost > maxCost)
          setResultAndStopExecution({ errors: [asRequestError(costRefusal(maxCost, knownCost))] });
        return;
      }
      const operation = getOperationAST(args.document, args.operationName);
      // No such operation (or several without a name): execution refuses it before anything runs.
      if (!operation) return;
      let worked: number | undefined;
      const errors: GraphQLError[] = [];
      const context = new ValidationContext(args.schema, args.document, new TypeInfo(args.schema), (error) =>
        errors.push(error),
      );
      const cost = createComplexityRule({
        maximumComplexity: maxCost,
        estimators: [costOfField],
        variables: variableValues,
        ...(operation.name ? { operationName: operation.name.value } : {}),
        onComplete: (complexity) => {
          worked = complexity;
        },
        createError: costRefusal,
      })(context);
      // The rule's two steps on the one operation that runs, rather than a visit of the whole
      // document (graphql's validate() walks every node first: 2 to 4 times the time).
      try {
        cost.onOperationDefinitionEnter(operation);
        cost.onOperationDefinitionLeave(operation);
      } catch (error) {
        // Fragments that spread one another twice over expand past the library's 10 000 fields.
        if (!(error instanceof GraphQLError)) throw error;
        errors.push(new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } }));
      }
      // Variables that do not fit their types come back here too, as execution would report them.
      // Refused before it runs, the answer has no `data`: a request error, which GraphQL over HTTP
      // answers with a 4xx (as Yoga's executor does for such variables).
      if (errors.length > 0) setResultAndStopExecution({ errors: errors.map(asRequestError) });
      // Only a cost the rule worked out whole (variables that do not fit leave it at 0).
      const refusedOnlyForCost = errors.every((error) => error.message.startsWith('Cost limit of'));
      if (worked !== undefined && refusedOnlyForCost) {
        if (known.costs.size >= MAX_COSTS_PER_DOCUMENT) known.costs.clear();
        known.costs.set(key, worked);
      }
    },
  };
}

export function useOperationLimits(limits: OperationLimits): Plugin[] {
  const rule = maxRootFieldRule('updateCustomer', limits.maxUpdatesPerOperation);
  return [
    maxTokensPlugin({ n: limits.maxTokens }),
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true }),
    // armor lets aliased __typename through by default: a cheap way to inflate a response.
    maxAliasesPlugin({ n: limits.maxAliases, allowList: [] }),
    maxDirectivesPlugin({ n: limits.maxDirectives }),
    { onValidate: ({ addValidationRule }) => addValidationRule(rule) },
    useCostLimit(limits.maxCost),
    useCallLimit(limits.maxCallsPerOperation),
  ] as Plugin[];
}
