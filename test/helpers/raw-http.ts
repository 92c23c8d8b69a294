/**
 * A request with exactly the headers given, for what `fetch` will not send as asked: no Accept
 * header, a forged Host, a chunked body without Content-Length, another source address.
 */
import { type IncomingHttpHeaders, request } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function rawPost(
  url: string,
  headers: Record<string, string>,
  body: string,
  /** The loopback address to send from (e.g. 127.0.0.2: another client than 127.0.0.1). */
  localAddress?: string,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, ...(localAddress && { localAddress }) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface RawBytes {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with exactly these headers; the body as the bytes that came over the wire (not decoded). */
export function rawGet(url: string, headers: Record<string, string>): Promise<RawBytes> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
