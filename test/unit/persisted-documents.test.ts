/**
 * The persisted documents manifest (client/persisted-documents.json, written by
 * `npm run codegen`) is what a trusted-documents option loads: each entry must be keyed by the
 * hash a client sends, and must run against the gateway's schema.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as generated from '../../client/graphql.ts';
import { schema } from '../../src/graphql/index.ts';

const manifest: Record<string, string> = JSON.parse(
  readFileSync(new URL('../../client/persisted-documents.json', import.meta.url), 'utf8'),
);
const operationName = (text: string) => /\b(?:query|mutation|subscription)\s+(\w+)/.exec(text)?.[1];

describe('the persisted documents manifest', () => {
  it('keys every document by sha256: and the hex SHA-256 of its exact text', () => {
    expect(Object.keys(manifest).length).toBeGreaterThan(0);
    for (const [key, text] of Object.entries(manifest)) {
      expect(key).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    }
  });

  it('holds only documents that are valid against the gateway schema, one operation each', () => {
    for (const text of Object.values(manifest)) {
      const document = parse(text);
      expect(validate(schema, document)).toEqual([]);
      expect(document.definitions.filter((d) => d.kind === 'OperationDefinition')).toHaveLength(1);
    }
  });

  it('holds the example operations frontends copy', () => {
    const names = Object.values(manifest).map(operationName);
    expect(names).toEqual(expect.arrayContaining(['LoadCustomer', 'ListCustomers', 'UpdateCustomer']));
  });

  it('knows the hash that every generated typed document carries', () => {
    const documents = Object.entries(generated).filter(([name]) => name.endsWith('Document'));
    expect(documents.length).toBe(Object.keys(manifest).length);
    for (const [, document] of documents) {
      const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
      expect(hash && manifest[hash]).toBeTruthy();
    }
  });
});
