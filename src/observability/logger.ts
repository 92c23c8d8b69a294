/**
 * pino, JSON lines in production and pretty in development. Redaction (pino's own `redact`) is a
 * last line of defence only: it matches exact paths and never looks inside strings, so keys are
 * kept out of log calls altogether (a test greps every line the suite writes for them).
 */
import { type DestinationStream, type Logger, type LoggerOptions as PinoOptions, pino } from 'pino';

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

export const CENSOR = '[redacted]';

export function createLogger({ level, pretty = false, destination }: LoggerOptions): Logger {
  const options: PinoOptions = { level, base: null, redact: { paths: REDACTED_PATHS, censor: CENSOR } };
  if (destination) return pino(options, destination);
  if (pretty) {
    const transport = { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } };
    return pino({ ...options, transport });
  }
  // Asynchronous writes: a synchronous one blocks the event loop, and every request with it,
  // whenever whatever reads stdout falls behind and the pipe is full. pino registers this destination for the process's end: on `exit`
  // (process.exit, an uncaught error) what it holds is written synchronously, on `beforeExit` (an
  // empty event loop) it is flushed. Lines are not held back to write them in larger chunks
  // (sonic-boom's `minLength`): bench/log-destination.ts found no gain in it.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}

/** Exits once buffered lines are written (or after a second, whatever happens to the pipe). */
export function exitAfterFlush(logger: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1_000).unref();
  logger.flush(() => process.exit(code));
}
