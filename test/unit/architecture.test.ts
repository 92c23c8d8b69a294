/**
 * docs/development.md lists the layout of src/: every entry must exist, and every folder of src/
 * and every file at its root must be listed, so that the page and the tree cannot drift apart.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The first token of each line of the Architecture section's first code block that names src/. */
function listed(): string[] {
  const page = readFileSync(join(root, 'docs/development.md'), 'utf8');
  const section = page.slice(page.indexOf('## Architecture'));
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
