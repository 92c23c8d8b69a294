/**
 * The README and docs/ link to each other by file and by heading: every relative link must name a
 * file of the repository and, when it has a #fragment, a heading of that file (GitHub's anchors).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = [
  'README.md',
  'bench/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped (not `-` or `_`), spaces to `-`. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsIn(text: string): Set<string> {
  const withoutCode = text.replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1] as string)));
}

describe('the documentation’s links', () => {
  it('finds the pages the README promises, one per reader', () => {
    for (const page of ['frontend', 'federation', 'operations', 'configuration', 'security'])
      expect(pages).toContain(`docs/${page}.md`);
    for (const page of ['rate-limits-and-budget', 'sandbox', 'performance'])
      expect(pages).toContain(`docs/${page}.md`);
  });

  it.each(pages)('%s links only to files and headings that exist', (page) => {
    const text = readFileSync(join(root, page), 'utf8');
    const broken: string[] = [];
    for (const [, target] of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^[a-z]+:/i.test(target)) continue;
      const [path, fragment] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(root, page) : join(root, dirname(page), path);
      if (!existsSync(file)) {
        broken.push(`${target} (no file ${relative(root, file)})`);
        continue;
      }
      if (fragment && file.endsWith('.md') && !anchorsIn(readFileSync(file, 'utf8')).has(fragment))
        broken.push(`${target} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });
});
