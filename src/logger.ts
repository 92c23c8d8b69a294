/**
 * pino, JSON lines in production and pretty in development. Redaction is a last line of defence
 * only: pino matches exact paths and never looks inside strings, so keys are kept out of log
 * calls altogether (a test greps every line the suite writes for them).
 */
import Redact from '@pinojs/redact';
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

export const CENSOR = '[redacted]';

const SECRET_KEYS = new Set(REDACTED_PATHS.map((path) => path.split('.').at(-1)));
// The deepest key a path names: `req.headers.authorization` is at depth 2.
const DEEPEST = Math.max(...REDACTED_PATHS.map((path) => path.split('.').length - 1));
const redactCopy = Redact({ paths: REDACTED_PATHS, censor: CENSOR, serialize: false });

/** Whether a key named like a secret sits anywhere a redacted path could reach. */
function mayHoldSecret(value: object, depth: number): boolean {
  for (const key in value) {
    if (SECRET_KEYS.has(key)) return true;
    const inner = (value as Record<string, unknown>)[key];
    if (depth > 0 && typeof inner === 'object' && inner !== null && mayHoldSecret(inner, depth - 1))
      return true;
  }
  return false;
}

/**
 * A log line (or a child's bindings) with every `REDACTED_PATHS` value censored, in a copy; the
 * object itself when no key along those paths is named like a secret. pino's own `redact` walks
 * every path of every line (~2.3 µs of a request's two lines, ~2 % of its CPU); this looks first
 * and hands the rare line that needs it to the same redactor pino uses.
 */
export function redactLine<T extends object>(line: T): T {
  return mayHoldSecret(line, DEEPEST) ? (redactCopy(line) as T) : line;
}

/** pino's `formatters.log` never sees a child's bindings: they are redacted on their way in. */
function redactingChildren(logger: Logger): Logger {
  const child = logger.child;
  // A child is made from its parent's prototype chain, so this covers every generation.
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, redactLine(bindings), options);
  } as Logger['child'];
  return logger;
}

export function createLogger({ level, pretty = false, destination }: LoggerOptions): Logger {
  const options = { level, formatters: { log: redactLine }, base: null };
  if (destination) return redactingChildren(pino(options, destination));
  if (pretty) {
    const transport = { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss' } };
    return redactingChildren(pino({ ...options, transport }));
  }
  // Lines are buffered and written up to 4 KiB at a time: a synchronous write per line cost ~10 %
  // of a request's CPU under load. The buffer is written out at least every 250 ms, so a quiet
  // gateway's lines are not held back, and when the process ends.
  const logger = redactingChildren(pino(options, inChunks(1, 4096)));
  setInterval(() => logger.flush(), 250).unref();
  return logger;
}

/**
 * Lines for file descriptor `fd`, joined into chunks of at least `minLength` bytes before they
 * reach sonic-boom (pino's writer). Given the lines one by one (its own `minLength`), sonic-boom
 * measures its whole pending buffer again on each, which flattens it: a copy of up to 4 KiB per
 * line, 11 % of everything a request allocated.
 */
function inChunks(fd: number, minLength: number): DestinationStream & { flush(cb?: () => void): void } {
  const sink = pino.destination({ dest: fd, sync: false });
  let pending = '';
  let bytes = 0;
  const drain = () => {
    if (pending === '') return;
    sink.write(pending);
    pending = '';
    bytes = 0;
  };
  // However the process ends (an uncaught error, process.exit), the last lines are written: what
  // sonic-boom holds, then what is still here, both synchronously. (Handed to sonic-boom now, they
  // would start an asynchronous write that the exit does not wait for.)
  process.once('exit', () => {
    try {
      sink.flushSync();
      if (pending !== '') pino.destination({ dest: fd, sync: true }).write(pending);
    } catch {
      // stdout already closed: nothing more can be written.
    }
  });
  return {
    write(line: string) {
      pending += line;
      bytes += Buffer.byteLength(line);
      if (bytes >= minLength) drain();
    },
    flush(cb = () => {}) {
      drain();
      sink.flush(cb);
    },
  };
}

/** Exits once buffered lines are written (or after a second, whatever happens to the pipe). */
export function exitAfterFlush(logger: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1_000).unref();
  logger.flush(() => process.exit(code));
}
