/**
 * What an error answer may say, whatever stage it comes from (the request's parameters, parsing,
 * validation, variables, execution): in production no "Did you mean …" (it spells out the schema
 * that introspection is off to hide) and no original message (Yoga attaches V8's JSON parse message,
 * which quotes the body, as `extensions.originalError`). graphql-armor's suggestion blocker only
 * sees validation, and misses enum values there; so every answer is cleaned of suggestions here,
 * once, just before it is written.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface SafeErrorsOptions {
  /** Keep graphql-js's "Did you mean …" suggestions (development). */
  suggestions: boolean;
  /** Keep original messages and stacks in `extensions.originalError` (development). */
  details: boolean;
}

// graphql-js appends its suggestions as one sentence: ` Did you mean "a", "b", or "c"?` (names
// and enum values cannot hold a question mark).
const SUGGESTION = / ?Did you mean [^?]*\?/g;

function withoutSuggestions(error: GraphQLError): GraphQLError {
  const message = error.message.replace(SUGGESTION, '');
  if (message === error.message) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: error.extensions,
  });
}

const badRequest = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });

export function useSafeErrors({ suggestions, details }: SafeErrorsOptions): Plugin {
  const plugin: Plugin = {
    // Reading the request is the one stage where Yoga keeps an original message in production;
    // masking (every later stage) adds one only with ERROR_DETAILS.
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          // Yoga lets JSON.parse's SyntaxError for GET parameters (or a form body) through, to be
          // masked as a 500: it is the client's mistake.
          if (error instanceof SyntaxError)
            throw badRequest('The variables and extensions parameters must be JSON');
          if (!details && error instanceof GraphQLError && error.extensions.originalError !== undefined)
            throw badRequest(error.message);
          throw error;
        }
      });
    },
  };
  if (suggestions) return plugin;
  plugin.onResultProcess = ({ result, setResult }) => {
    // One result per request: batching is off, and nothing here streams.
    if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
    setResult({
      ...result,
      errors: result.errors.map((e) => (e instanceof GraphQLError ? withoutSuggestions(e) : e)),
    });
  };
  return plugin;
}
