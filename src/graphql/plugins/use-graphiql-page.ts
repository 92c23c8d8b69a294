/**
 * GraphiQL's page, bundled (no CDN), is a 9 MB HTML document. It is rendered once, compressed once
 * (gzip and Brotli, in zlib's thread pool, on first use) and kept; each request then gets the
 * encoding it accepts, an ETag and `Cache-Control: no-cache`, so that a browser revalidates it
 * (304, no body) instead of loading it again, and sees a new page as soon as one is deployed.
 *
 * Written here because nothing well-kept does this: `useContentEncoding` (@whatwg-node/server,
 * what Yoga runs on) compresses every answer again on every request, without ETags, reads
 * `Accept-Encoding` without its q-values, and inflates compressed request bodies past the HTTP
 * server's size cap. The encoding is chosen with `negotiator` (Express's), not by hand.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import Negotiator from 'negotiator';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

type Encoding = 'br' | 'gzip' | 'identity';
/** Brotli first where the client accepts both equally (browsers list gzip first). */
const PREFERRED: readonly Encoding[] = ['br', 'gzip', 'identity'];

interface Encoded {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

/** The page in each encoding: the first request starts the work, every later one reuses it. */
async function encode(html: string): Promise<Record<Encoding, Encoded>> {
  const identity = Buffer.from(html, 'utf8');
  const hash = createHash('sha256').update(identity).digest('base64url').slice(0, 27);
  const [gzipped, brotli] = await Promise.all([
    gzipAsync(identity, { level: 9 }),
    // Quality 9, not 11: 11 saves another 8 % but takes over ten seconds for this page.
    brotliAsync(identity, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 9,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
      },
    }),
  ]);
  // Each encoding is its own representation, so each has its own strong validator.
  return {
    identity: { body: identity, etag: `"${hash}"` },
    gzip: { body: gzipped, etag: `"${hash}-gzip"` },
    br: { body: brotli, etag: `"${hash}-br"` },
  };
}

function encodingFor(acceptEncoding: string | null): Encoding {
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding ?? undefined } });
  // negotiator 1.x takes the server's preference for ties; its published types predate that.
  const choose = negotiator.encoding as (
    available: readonly string[],
    options: { preferred: readonly string[] },
  ) => string | undefined;
  return (choose.call(negotiator, PREFERRED, { preferred: PREFERRED }) as Encoding | undefined) ?? 'identity';
}

/** RFC 9110 If-None-Match: a list of entity tags (weak comparison), or `*`. */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

export interface GraphiQLPage {
  /** Yoga's `renderGraphiQL`: renders the page on first use only (its options never change here). */
  render(options: object): Promise<string>;
  /** Serves the rendered page compressed and cacheable. */
  plugin: Plugin;
}

export function createGraphiQLPage(render: (options: object) => string | Promise<string>): GraphiQLPage {
  let html: Promise<string> | undefined;
  let encoded: Promise<Record<Encoding, Encoded>> | undefined;
  return {
    render(options) {
      html ??= Promise.resolve(render(options));
      return html;
    },
    plugin: {
      async onResponse({ request, response, setResponse, fetchAPI }) {
        // Only GraphiQL answers HTML here (Yoga's landing page is off).
        if (html === undefined || request.method !== 'GET' || response.status !== 200) return;
        if (!response.headers.get('content-type')?.startsWith('text/html')) return;
        encoded ??= html.then(encode);
        const chosen = encodingFor(request.headers.get('accept-encoding'));
        const page = (await encoded)[chosen];
        // Keep what other plugins set (CORS, ...); replace what describes the body.
        const headers = new fetchAPI.Headers(response.headers);
        headers.delete('content-length');
        headers.set('content-type', 'text/html; charset=utf-8');
        headers.set('etag', page.etag);
        headers.set('cache-control', 'no-cache');
        // The same URL answers GraphQL over GET to other Accept headers.
        headers.set('vary', 'Accept, Accept-Encoding');
        if (matches(request.headers.get('if-none-match'), page.etag)) {
          headers.delete('content-type');
          return setResponse(new fetchAPI.Response(null, { status: 304, headers }));
        }
        if (chosen === 'identity') headers.delete('content-encoding');
        else headers.set('content-encoding', chosen);
        headers.set('content-length', String(page.body.byteLength));
        setResponse(new fetchAPI.Response(page.body, { status: 200, headers }));
      },
    },
  };
}
