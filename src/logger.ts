/**
 * pino, JSON lines in production and pretty in development. Redaction is a last line of defence
 * only: pino matches exact paths and never looks inside strings, so keys are kept out of log
 * calls altogether (a test greps every line the suite writes for them).
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Human-readable lines (pino-pretty) instead of JSON. */
  pretty?: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.authorization',
  'apiKey',
  '*.apiKey',
];

export function createLogger({ level, pretty = false, destination }: LoggerOptions): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: null };
  if (destination) return pino(options, destination);
  if (pretty)
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } },
    });
  return pino(options);
}
