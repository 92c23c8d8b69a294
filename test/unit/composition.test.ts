/**
 * This subgraph composed in-process (@apollo/composition, what `rover supergraph compose` runs)
 * beside a neighbour that defines PageInfo too, references Customer and adds a field to it: no
 * errors and no hints. Fast; the federated-graph test in
 * test/integration/federation.test.ts runs a real router.
 */
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/index.ts';

const salesbinderSdl = printSubgraphSchema(schema);

/** Invoices of an account: its own Relay connection (so its own PageInfo), and Customer.invoices. */
const INVOICES_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@shareable"])

  type Invoice @key(fields: "id") {
    id: ID!
    total: Float!
    customer: Customer!
  }

  type InvoiceConnection {
    pageInfo: PageInfo!
    edges: [InvoiceEdge!]!
  }

  type InvoiceEdge {
    node: Invoice!
    cursor: String!
  }

  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Customer @key(fields: "id") {
    id: ID!
    invoices(first: Int = 20, after: String): InvoiceConnection!
  }

  type Query {
    invoice(id: ID!): Invoice
  }
`;

function compose(salesbinder: string, neighbour = INVOICES_SDL) {
  return composeServices([
    { name: 'salesbinder', url: 'http://salesbinder.invalid/graphql', typeDefs: parse(salesbinder) },
    { name: 'invoices', url: 'http://invoices.invalid/graphql', typeDefs: parse(neighbour) },
  ]);
}

describe('composition with a neighbour subgraph', () => {
  it('composes without errors and without hints', () => {
    const result = compose(salesbinderSdl);
    if (result.errors) expect.fail(result.errors.map((error) => error.message).join('\n'));
    expect(result.hints.map((hint) => `${hint.definition.code}: ${hint.message}`)).toEqual([]);
  });

  it("gives the graph's clients one Customer with this subgraph's fields and the neighbour's", () => {
    const result = compose(salesbinderSdl);
    if (result.errors) expect.fail(result.errors.map((error) => error.message).join('\n'));
    const api = result.schema.toAPISchema().toGraphQLJSSchema();
    const customer = api.getType('Customer');
    if (!customer || !('getFields' in customer)) throw new Error('no Customer type');
    expect(Object.keys(customer.getFields())).toEqual(
      expect.arrayContaining(['name', 'modifiedAt', 'invoices']),
    );
    expect(Object.keys(api.getQueryType()?.getFields() ?? {})).toEqual(
      expect.arrayContaining(['customer', 'customers', 'invoice']),
    );
    // Federation plumbing stays out of the API clients see.
    expect(api.getType('_Entity')).toBeUndefined();
  });

  it('would fail if PageInfo lost @shareable, so the check above guards it', () => {
    const result = compose(salesbinderSdl.replace(/type PageInfo\s+@shareable/, 'type PageInfo'));
    expect(result.errors?.map((error) => error.extensions.code)).toContain('INVALID_FIELD_SHARING');
  });
});
