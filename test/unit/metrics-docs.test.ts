/**
 * docs/operations.md's metric table is what the registry holds: every metric the gateway exposes,
 * with its labels, and nothing it does not.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.ts';

const page = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
const section = page.slice(page.indexOf('## Metrics'), page.indexOf('\n## ', page.indexOf('## Metrics') + 1));

/** The table's rows: metric name → the label names its second cell gives (in backticks, before any parenthesis). */
const documented = new Map(
  section
    .split('\n')
    .filter((line) => /^\| `[a-z_]+`/.test(line))
    .map((line) => {
      const [, nameCell = '', labelCell = ''] = line.split('|');
      const name = /`([a-z_]+)`/.exec(nameCell)?.[1] ?? '';
      const labels = [...labelCell.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
      return [name, labels.sort()] as const;
    }),
);

describe('the metric table of docs/operations.md', () => {
  it('lists every metric of the registry with its labels, and no other', () => {
    const metrics = createMetrics(undefined, { defaultMetrics: false });
    const registered = new Map(
      metrics.registry.getMetricsAsArray().map((m) => {
        // prom-client keeps each metric's label names on the metric; its type does not say so.
        const labels = (m as unknown as { labelNames: readonly string[] }).labelNames;
        return [m.name, [...labels].sort()] as const;
      }),
    );
    expect(registered.size).toBeGreaterThan(10);
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registered));
  });
});
