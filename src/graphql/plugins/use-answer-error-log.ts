import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { requestIdOf } from '../../http/request-id.ts';
import type { Logger } from '../../observability/logger.ts';

/** Paths logged per answer: enough to find the field, never the whole answer (1,200 `_entities` errors made one 300 KB line). */
const MAX_LOGGED_PATHS = 5;

/**
 * An answer with errors Yoga did not mask (the client's mistakes, SalesBinder's refusals) gets an
 * info line with how many there are of each code, and the first few paths: worth seeing, never an
 * alert, and never longer than a line whatever the request. (Their messages may quote what the
 * client sent, so they stay out of the log.)
 */
export function useAnswerErrorLog(logger: Logger): Plugin {
  return {
    onResultProcess({ request, result }) {
      // One result per request: batching is off, and nothing here streams.
      if (Array.isArray(result) || !('errors' in result) || !result.errors) return;
      const expected = result.errors.filter((e) => !(e instanceof GraphQLError && e.extensions.unexpected));
      if (expected.length === 0) return;
      const codes: Record<string, number> = {};
      for (const e of expected) {
        const code = String((e instanceof GraphQLError && e.extensions.code) || 'GRAPHQL_ERROR');
        codes[code] = (codes[code] ?? 0) + 1;
      }
      const paths = expected.flatMap((e) => (e instanceof GraphQLError && e.path ? [e.path] : []));
      logger.info(
        {
          requestId: requestIdOf(request),
          errors: expected.length,
          codes,
          ...(paths.length > 0 ? { paths: paths.slice(0, MAX_LOGGED_PATHS) } : {}),
        },
        'answered with errors',
      );
    },
  };
}
