import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { requestIdOf } from '../../http/request-id.ts';
import type { Logger } from '../../observability/logger.ts';

/**
 * An answer with errors Yoga did not mask (the client's mistakes, SalesBinder's refusals) gets an
 * info line with their codes and paths: worth seeing, never an alert. (Their messages may quote
 * what the client sent, so they stay out of the log.)
 */
export function useAnswerErrorLog(logger: Logger): Plugin {
  return {
    onResultProcess({ request, result }) {
      // One result per request: batching is off, and nothing here streams.
      if (Array.isArray(result) || !('errors' in result) || !result.errors) return;
      const expected = result.errors.filter((e) => !(e instanceof GraphQLError && e.extensions.unexpected));
      if (expected.length === 0) return;
      logger.info(
        {
          requestId: requestIdOf(request),
          errors: expected.map((e) => ({
            code: (e instanceof GraphQLError && e.extensions.code) || 'GRAPHQL_ERROR',
            ...(e instanceof GraphQLError && e.path ? { path: e.path } : {}),
          })),
        },
        'answered with errors',
      );
    },
  };
}
