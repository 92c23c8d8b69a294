/**
 * The logger. Redaction: every REDACTED_PATHS value censored, in log lines and in a child's
 * bindings, without touching the caller's objects. Writing: every line logged to stdout reaches
 * it, however the process ends.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DestinationStream } from 'pino';
import { describe, expect, it } from 'vitest';
import { CENSOR, createLogger } from '../../src/observability/logger.ts';

function capture(): { destination: DestinationStream; lines: string[] } {
  const lines: string[] = [];
  return { destination: { write: (line: string) => void lines.push(line) }, lines };
}

const SECRET = 'sk-live-0123456789';

describe('log redaction', () => {
  it('censors a secret at each redacted path, and leaves the caller’s object as it was', () => {
    const examples: Record<string, unknown>[] = [
      { authorization: SECRET },
      { headers: { authorization: SECRET, accept: 'application/json' } },
      { req: { headers: { authorization: SECRET } } },
      { request: { headers: { authorization: SECRET } } },
      { upstream: { authorization: SECRET } },
      { apiKey: SECRET },
      { credentials: { apiKey: SECRET, account: 'acme' } },
    ];
    for (const example of examples) {
      const { destination, lines } = capture();
      const before = JSON.stringify(example);
      createLogger({ level: 'info', destination }).info(example, 'line');
      expect(lines[0], before).not.toContain(SECRET);
      expect(lines[0]).toContain(CENSOR);
      expect(JSON.stringify(example)).toBe(before);
    }
  });

  it('censors a secret in a child logger’s bindings', () => {
    const { destination, lines } = capture();
    createLogger({ level: 'info', destination }).child({ apiKey: SECRET, requestId: 'r1' }).info('line');
    expect(lines[0]).not.toContain(SECRET);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ apiKey: CENSOR, requestId: 'r1' });
  });
});

describe('log writing', () => {
  const run = promisify(execFile);
  // A process that logs three lines to stdout, then ends as `ending` says, before any flush is due.
  const lines = async (ending: string) => {
    const script = `import('./src/observability/logger.ts').then(({ createLogger }) => {
      const logger = createLogger({ level: 'info' });
      for (const n of [1, 2, 3]) logger.info({ n }, 'line');
      ${ending}
    });`;
    const result = await run(process.execPath, ['-e', script]).catch(
      (error: { stdout: string; code: number }) => error,
    );
    return { code: result instanceof Object && 'code' in result ? result.code : 0, stdout: result.stdout };
  };

  it.each([
    ['an uncaught error', "setTimeout(() => { throw new Error('boom'); }, 5);", 1],
    ['process.exit', 'process.exit(3);', 3],
    ['the event loop running empty', '', 0],
  ])('writes every line when the process ends by %s', async (_how, ending, code) => {
    const answer = await lines(ending);
    expect(answer.code).toBe(code);
    const written = answer.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).n as number);
    // Each line once. Not always in order: a write already handed to the thread pool when the
    // process ends may land after the lines sonic-boom then writes synchronously.
    expect(written.toSorted()).toEqual([1, 2, 3]);
  });
});
