/**
 * docs/development.md lists the layout of src/: every entry must exist, and every folder of src/
 * and every file at its root must be listed, so that the page and the tree cannot drift apart.
 * The same for the budget's modules, one concept per file, each kept to a size one can read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The first token of each line naming src/ in the first code block after `heading`. */
function listed(heading = '## Architecture'): string[] {
  const page = readFileSync(join(root, 'docs/development.md'), 'utf8');
  const at = page.indexOf(heading);
  if (at < 0) return [];
  const section = page.slice(at);
  const block = /^```\n([\s\S]*?)^```/m.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.split(/\s+/, 1)[0] ?? '')
    .filter((entry) => entry.startsWith('src/'));
}

/** Every folder below src/ (as `src/a/b/`) and every file at its root. */
function tree(): string[] {
  const entries: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        entries.push(`${path}/`);
        walk(path);
      } else if (dir === 'src') entries.push(path);
    }
  };
  walk('src');
  return entries.sort();
}

describe('the architecture section of docs/development.md', () => {
  it('lists only what exists', () => {
    expect(listed().filter((entry) => !existsSync(join(root, entry)))).toEqual([]);
  });

  it('lists every folder of src/ and every file at its root', () => {
    const documented = new Set(listed());
    expect(tree().filter((entry) => !documented.has(entry))).toEqual([]);
  });
});

const BUDGET = 'src/salesbinder/budget';
/** Past this, a module holds more than one concept: split it (issue 23 cut an 873-line one in ten). */
const MAX_BUDGET_LINES = 350;

/** Every file of the budget's folder and its subfolders. */
function budgetFiles(dir = BUDGET): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? budgetFiles(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`],
  );
}

describe('the budget’s modules in docs/development.md', () => {
  it('lists every file of src/salesbinder/budget/, and only those', () => {
    const documented = listed('### The budget, in modules');
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((entry) => !existsSync(join(root, entry)))).toEqual([]);
    expect(budgetFiles().filter((file) => !documented.includes(file))).toEqual([]);
  });

  it(`keeps each to at most ${MAX_BUDGET_LINES} lines`, () => {
    const lines = (file: string) => readFileSync(join(root, file), 'utf8').split('\n').length - 1;
    expect(budgetFiles().filter((file) => lines(file) > MAX_BUDGET_LINES)).toEqual([]);
  });
});
