/**
 * `npm run supergraph -- [name=url | name=url@file.graphql] … [--out supergraph.graphql]`: composes
 * a Federation v2 supergraph (@theguild/federation-composition, as Hive's tooling does) for
 * `npx hive-gateway supergraph`. Each subgraph's SDL comes from its running `_service { sdl }`,
 * asked with `X-Subgraph-Secret: $SUBGRAPH_SECRET` when that is set (this gateway requires it where
 * introspection is off), or from a file after `@`, e.g. `salesbinder=http://gw:4000/graphql@schema/schema.graphql`.
 * The url is where the router will send that subgraph's requests. Without arguments: this gateway
 * on http://localhost:4000/graphql, read from its running instance.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string', default: 'supergraph.graphql' } },
});
const subgraphs = (positionals.length > 0 ? positionals : ['salesbinder=http://localhost:4000/graphql']).map(
  (arg) => {
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)=(https?:\/\/[^@\s]+)(?:@(.+))?$/.exec(arg);
    if (!match) fail(`"${arg}" is not name=url or name=url@file.graphql`);
    return { name: match[1] as string, url: match[2] as string, file: match[3] };
  },
);

function fail(message: string): never {
  process.stderr.write(`supergraph: ${message}\n`);
  process.exit(1);
}

async function sdlOf({ name, url, file }: { name: string; url: string; file: string | undefined }) {
  if (file) return readFile(file, 'utf8');
  const secret = process.env.SUBGRAPH_SECRET;
  let answer: { data?: { _service?: { sdl?: string } }; errors?: Array<{ message: string }> };
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret ? { 'x-subgraph-secret': secret } : {}),
      },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    answer = (await response.json()) as typeof answer;
  } catch (error) {
    fail(`cannot read ${name}'s schema from ${url}: ${(error as Error).message}`);
  }
  const sdl = answer.data?._service?.sdl;
  if (sdl) return sdl;
  const said = answer.errors?.map((e) => e.message).join('; ') ?? 'no _service in the answer';
  fail(
    `${name} at ${url} did not give its schema (${said}).${
      secret
        ? ' Is SUBGRAPH_SECRET the one that subgraph runs with?'
        : ' Where introspection is off, set SUBGRAPH_SECRET to the secret that subgraph runs with, or give its SDL as a file: name=url@schema/schema.graphql.'
    }`,
  );
}

const services = await Promise.all(
  subgraphs.map(async (s) => ({ name: s.name, url: s.url, typeDefs: parse(await sdlOf(s)) })),
);
const composed = composeServices(services);
if (composed.errors) fail(`composition failed:\n${composed.errors.map((e) => `  ${e.message}`).join('\n')}`);
await writeFile(values.out, composed.supergraphSdl);
process.stdout.write(
  `Composed ${services.map((s) => `${s.name} (${s.url})`).join(', ')} into ${values.out}. Serve it on a port of its own, e.g.\n  npx hive-gateway supergraph ${values.out} --port 4001 -c examples/federation/gateway.config.ts\n`,
);
