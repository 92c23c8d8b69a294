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
  // Lines are buffered and written up to 4 KiB at a time: a synchronous write per line cost ~10 %
  // of a request's CPU under load. The buffer is written out at least every 250 ms, so a quiet
  // gateway's lines are not held back, and on exit (exitAfterFlush).
  const logger = pino(options, pino.destination({ dest: 1, sync: false, minLength: 4096 }));
  setInterval(() => logger.flush(), 250).unref();
  return logger;
}

/** Exits once buffered lines are written (or after a second, whatever happens to the pipe). */
export function exitAfterFlush(logger: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1_000).unref();
  logger.flush(() => process.exit(code));
}
