import { GraphQLError } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import { currentRequestId } from '../http/request-id.ts';
import type { Logger } from '../observability/logger.ts';

/**
 * Yoga's own lines, with the id of the request being handled. Yoga writes an error line for each
 * error it masks, at whatever stage (reading the request, execution, ...): that is the one line of
 * an unexpected error, with the original error and its path, never the variables.
 */
export function yogaLogger(logger: Logger): YogaLogger {
  // Yoga hands an error that fails a whole request over twice (masking it, then handling it).
  const logged = new WeakSet<object>();
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      if (!logger.isLevelEnabled(level)) return;
      const requestId = currentRequestId();
      logger[level](requestId === undefined ? {} : { requestId }, args.map(String).join(' '));
    };
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: (...args: unknown[]) => {
      const requestId = currentRequestId();
      const error = args.find((arg): arg is Error => arg instanceof Error);
      if (!error) return line('error')(...args);
      const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
      if (logged.has(original)) return;
      logged.add(original);
      const path = error instanceof GraphQLError ? error.path : undefined;
      logger.error(
        { ...(requestId === undefined ? {} : { requestId }), err: original, ...(path ? { path } : {}) },
        'unexpected error in the gateway',
      );
    },
  };
}
