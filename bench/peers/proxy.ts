/**
 * The physical limit: one HTTP request in, one HTTP request out. node:http and an undici Pool
 * doing the same PUT the gateway does, with no GraphQL at all: it reads the variables of the
 * same request body, sends SalesBinder's body and passes SalesBinder's answer back.
 */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4010';
const pool = new Pool(upstream, { connections: Number(process.env.UPSTREAM_CONNECTIONS ?? 64) });

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    variables: { id: string; input: { name: string } };
  };
  const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const answer = await pool.request({
    path: `/api/2.0/customers/${encodeURIComponent(variables.id)}.json`,
    method: 'PUT',
    headers: {
      authorization: `Basic ${Buffer.from(`${key}:x`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ customer: { name: variables.input.name } }),
  });
  const text = await answer.body.text();
  res.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(text);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: (server.address() as AddressInfo).port }));
});
