/**
 * The least any graphql-js server pays (performance.md's "ceiling"): node:http, each document
 * parsed and validated once and kept, graphql-js `execute`, and the same undici Pool PUT as the
 * proxy. No logs, metrics, limits, retries, error mapping or input rules: what is left is GraphQL
 * itself, so the distance from here to the proxy is what GraphQL costs on this runtime.
 */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, type DocumentNode, execute, parse, validate } from 'graphql';
import { Pool } from 'undici';
import { EDIT_SDL, type WireCustomer } from './edit-schema.ts';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4010';
const pool = new Pool(upstream, { connections: Number(process.env.UPSTREAM_CONNECTIONS ?? 64) });

const schema = buildSchema(EDIT_SDL);

const customer = (c: WireCustomer) => ({
  id: c.id,
  name: c.name,
  customerNumber: c.customer_number,
  officeEmail: c.office_email || null,
  createdAt: new Date(c.created).toISOString(),
  modifiedAt: new Date(c.modified).toISOString(),
});

const rootValue = {
  async updateCustomer(
    { id, input }: { id: string; input: { name?: string } },
    { key }: { key: string },
  ): Promise<object> {
    const answer = await pool.request({
      path: `/api/2.0/customers/${encodeURIComponent(id)}.json`,
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from(`${key}:x`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ customer: input }),
    });
    const body = (await answer.body.json()) as { message?: string; customer?: WireCustomer };
    if (answer.statusCode !== 200 || !body.customer) {
      return { __typename: 'SalesBinderUnavailableError', message: `HTTP ${answer.statusCode}` };
    }
    return { __typename: 'UpdateCustomerSuccess', message: body.message, customer: customer(body.customer) };
  },
};

const documents = new Map<string, DocumentNode>();

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    query: string;
    variables?: Record<string, unknown>;
    operationName?: string;
  };
  let document = documents.get(query);
  if (!document) {
    document = parse(query);
    const errors = validate(schema, document);
    if (errors.length > 0) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors }));
      return;
    }
    documents.set(query, document);
  }
  const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const result = await execute({
    schema,
    document,
    rootValue,
    contextValue: { key },
    variableValues: variables,
    operationName,
  });
  const text = JSON.stringify(result);
  res
    .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    .end(text);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: (server.address() as AddressInfo).port }));
});
