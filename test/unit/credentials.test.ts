import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { credentialsFrom, endpointFor } from '../../src/context.ts';
import { AccountError } from '../../src/salesbinder/errors.ts';

const KEY = 'demoadminkey0000000000000000000000000000';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('credentialsFrom', () => {
  it.each([
    [`Bearer ${KEY}`],
    [`bearer ${KEY}`],
    [`Bearer   ${KEY}  `],
    [`Basic ${b64(`${KEY}:x`)}`],
    [`Basic ${b64(`${KEY}:anything:with:colons`)}`],
    [`Basic ${b64(KEY)}`],
  ])('reads the key from %s', (header) => {
    expect(credentialsFrom(header)).toEqual({ ok: true, apiKey: KEY });
  });

  it.each([[null], [''], ['   ']])('reports %j as missing', (header) => {
    expect(credentialsFrom(header)).toEqual({ ok: false, problem: 'missing' });
  });

  it.each([
    ['Token abc'],
    ['Bearer'],
    [`Bearer ${KEY} extra`],
    ['Basic !!!'],
    [`Basic ${b64(':x')}`],
    [`Bearer short`],
    [`Bearer ${KEY}\r\nX-Injected: 1`],
    [`Bearer ${'k'.repeat(129)}`],
    [`Bearer ${KEY}é`],
  ])('refuses %j as malformed', (header) => {
    expect(credentialsFrom(header)).toEqual({ ok: false, problem: 'malformed' });
  });
});

describe('endpointFor', () => {
  const accounts = {
    mode: 'accounts',
    accounts: ['acme', 'globex'],
    urlTemplate: 'https://{account}.salesbinder.com',
  } as const;

  it('builds the URL of a listed account from the template', () => {
    expect(endpointFor(accounts, ' ACME ')).toEqual({
      origin: 'https://acme.salesbinder.com',
      pathPrefix: '',
    });
  });

  it.each([[null], [''], ['initech'], ['acme.evil.com'], ['acme/../x'], ['acme@evil.com']])(
    'refuses %j before building any URL',
    (header) => {
      expect(() => endpointFor(accounts, header)).toThrow(AccountError);
    },
  );

  it('keeps a configured path prefix in single mode', () => {
    expect(endpointFor({ mode: 'single', baseUrl: new URL('http://127.0.0.1:9/acme/') }, null)).toEqual({
      origin: 'http://127.0.0.1:9',
      pathPrefix: '/acme',
    });
  });
});
