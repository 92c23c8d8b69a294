/**
 * A real HTTP server on loopback that answers whatever a test scripts: the misbehaving
 * SalesBinder (5xx, 522, stalls, HTML, oversized or hostile bodies, redirects) that the
 * sandbox does not play yet. It records what reached it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Script = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface ScriptedUpstream {
  url: string;
  hits: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  answer(script: Script): void;
  close(): Promise<void>;
}

export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  let script: Script = (_req, res) => res.writeHead(500).end();
  const hits: ScriptedUpstream['hits'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      hits.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      script(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    answer: (next) => {
      script = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
