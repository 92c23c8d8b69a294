/**
 * GraphiQL's page over the gateway's real HTTP server: a 9 MB document, sent compressed to a
 * browser that accepts it, with validators, and not at all (304) when the browser has it already.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { rawGet } from '../helpers/raw-http.ts';

const CHROMIUM_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('GraphiQL’s page', () => {
  let gw: TestGateway;
  let plain: Awaited<ReturnType<typeof rawGet>>;
  const page = (headers: Record<string, string> = {}) =>
    rawGet(`${gw.url}/graphql`, { accept: CHROMIUM_ACCEPT, ...headers });

  beforeAll(async () => {
    gw = await startGateway();
    plain = await page();
  });
  afterAll(() => gw.close());

  it('is sent whole, uncompressed, to a client that accepts no encoding', () => {
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(5_000_000);
    expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
    expect(plain.body.toString('utf8')).toContain('SalesBinder GraphQL gateway');
  });

  it.each([
    ['br', 'gzip, deflate, br, zstd', brotliDecompressSync],
    ['gzip', 'gzip, deflate', gunzipSync],
    ['gzip', 'br;q=0.5, gzip', gunzipSync],
  ])(
    'is sent as %s to a browser that says "Accept-Encoding: %s", the same bytes once decoded, at under a third of the size',
    async (encoding, acceptEncoding, decode) => {
      const compressed = await page({ 'accept-encoding': acceptEncoding });
      expect(compressed.status).toBe(200);
      expect(compressed.headers['content-encoding']).toBe(encoding);
      expect(compressed.headers.vary).toBe('Accept, Accept-Encoding');
      expect(Number(compressed.headers['content-length'])).toBe(compressed.body.length);
      expect(compressed.body.length).toBeLessThan(plain.body.length / 3);
      expect(decode(compressed.body).equals(plain.body)).toBe(true);
    },
  );

  it('is sent uncompressed when the browser refuses both encodings', async () => {
    const answer = await page({ 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.equals(plain.body)).toBe(true);
  });

  it('carries an ETag per encoding and is revalidated on every visit (no-cache)', async () => {
    const br = await page({ 'accept-encoding': 'br' });
    const gzip = await page({ 'accept-encoding': 'gzip' });
    expect(plain.headers['cache-control']).toBe('no-cache');
    expect(br.headers['cache-control']).toBe('no-cache');
    const tags = [plain.headers.etag, br.headers.etag, gzip.headers.etag];
    for (const tag of tags) expect(tag).toMatch(/^"[\w-]+"$/);
    expect(new Set(tags).size).toBe(3);
  });

  it('answers 304 without a body to a browser that has it already, and 200 when its copy is another', async () => {
    const first = await page({ 'accept-encoding': 'gzip, br' });
    const etag = first.headers.etag as string;
    const again = await page({ 'accept-encoding': 'gzip, br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('no-cache');
    const weakAmongOthers = await page({ 'accept-encoding': 'gzip, br', 'if-none-match': `"x", W/${etag}` });
    expect(weakAmongOthers.status).toBe(304);
    const stale = await page({ 'accept-encoding': 'gzip, br', 'if-none-match': '"an-older-page"' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(first.body.length);
    // The copy a browser holds in another encoding is another representation.
    const otherEncoding = await page({ 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(otherEncoding.status).toBe(200);
  });

  it('carries the request id like every answer, and leaves GraphQL answers alone', async () => {
    const etag = (await page({ 'accept-encoding': 'br' })).headers.etag as string;
    const notModified = await page({
      'accept-encoding': 'br',
      'if-none-match': etag,
      'x-request-id': 'page-1',
    });
    expect(notModified.status).toBe(304);
    expect(notModified.headers['x-request-id']).toBe('page-1');
    const query = await rawGet(`${gw.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      accept: 'application/graphql-response+json',
      'accept-encoding': 'gzip, br',
      'x-graphql-yoga-csrf': '1',
    });
    expect(query.headers['content-encoding']).toBeUndefined();
    expect(query.headers.etag).toBeUndefined();
    expect(JSON.parse(query.body.toString('utf8'))).toEqual({ data: { __typename: 'Query' } });
  });
});
