/**
 * The printed schema keeps every name of the public contract (schema/contract.graphql, vendored
 * from the team's shared docs so that this test reads nothing outside the repository): each type
 * with its kind, each field and argument with its exact type and default, each enum value, union
 * member and interface. The schema may add; it may not rename or drop.
 */
import { readFileSync } from 'node:fs';
import {
  type DefinitionNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  Kind,
  parse,
  print,
  type TypeNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';

const contractSdl = readFileSync(new URL('../../schema/contract.graphql', import.meta.url), 'utf8');
const schemaSdl = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');

type Named = DefinitionNode & { name: { value: string } };
const typeString = (t: TypeNode) => print(t);
const args = (list: readonly InputValueDefinitionNode[] | undefined) =>
  Object.fromEntries(
    (list ?? []).map((a) => [
      a.name.value,
      `${typeString(a.type)}${a.defaultValue ? ` = ${print(a.defaultValue)}` : ''}`,
    ]),
  );
const fields = (list: readonly (FieldDefinitionNode | InputValueDefinitionNode)[] | undefined) =>
  Object.fromEntries(
    (list ?? []).map((f) => [
      f.name.value,
      { type: typeString(f.type), args: 'arguments' in f ? args(f.arguments) : {} },
    ]),
  );

/** Every named definition of a document, object extensions merged in, keyed by name. */
function shapes(sdl: string) {
  const result = new Map<string, Record<string, unknown>>();
  for (const def of parse(sdl).definitions) {
    if (!('name' in def) || !def.name) continue;
    const d = def as Named;
    const shape: Record<string, unknown> = { kind: d.kind.replace('Extension', 'Definition') };
    if ('fields' in d) shape.fields = fields(d.fields as readonly FieldDefinitionNode[]);
    if ('interfaces' in d) shape.interfaces = (d.interfaces ?? []).map((i) => i.name.value).sort();
    if (d.kind === Kind.ENUM_TYPE_DEFINITION) shape.values = (d.values ?? []).map((v) => v.name.value).sort();
    if (d.kind === Kind.UNION_TYPE_DEFINITION)
      shape.members = (d.types ?? []).map((t) => t.name.value).sort();
    result.set(d.name.value, shape);
  }
  return result;
}

describe('the printed schema against the public contract', () => {
  const contract = shapes(contractSdl);
  const printed = shapes(schemaSdl);

  it('holds the contract’s types', () => {
    expect([...contract.keys()]).toEqual(expect.arrayContaining(['Customer', 'Query', 'Mutation']));
  });

  it.each([...contract.keys()])('keeps %s as the contract has it', (name) => {
    const want = contract.get(name) as Record<string, unknown>;
    const have = printed.get(name);
    expect(have, `${name} is missing`).toBeDefined();
    expect(have?.kind).toBe(want.kind);
    for (const key of ['values', 'members']) if (want[key]) expect(have?.[key]).toEqual(want[key]);
    if (want.interfaces)
      expect(have?.interfaces).toEqual(expect.arrayContaining(want.interfaces as string[]));
    const wantFields = (want.fields ?? {}) as Record<string, unknown>;
    for (const [field, spec] of Object.entries(wantFields)) {
      expect((have?.fields as Record<string, unknown>)?.[field], `${name}.${field}`).toEqual(spec);
    }
  });

  it('marks Customer as a federation entity keyed by id', () => {
    expect(schemaSdl).toMatch(/type Customer\s+@key\(fields: "id"\)/);
  });
});
