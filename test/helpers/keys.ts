import { Buffer } from 'node:buffer';
import { DEMO_ADMIN_KEY, DEMO_VIEWER_KEY } from '../../src/sandbox/seed.ts';

export { DEMO_ADMIN_KEY, DEMO_VIEWER_KEY };

/** A key no server knows, shaped like SalesBinder's: proves that even a rejected key never leaks. */
export const CANARY_KEY = 'canaryKEY7d1f0a9c4b2e8f6a3d5c7b9e1f2a4c6';

const ALL_KEYS = [DEMO_ADMIN_KEY, DEMO_VIEWER_KEY, CANARY_KEY];

export const bearer = (key: string) => `Bearer ${key}`;
export const basic = (key: string, password = 'x') =>
  `Basic ${Buffer.from(`${key}:${password}`).toString('base64')}`;

/** Every form in which a key could slip out: itself, its halves, and the Basic header's base64. */
function leakFormsOf(key: string): string[] {
  const half = Math.floor(key.length / 2);
  return [
    key,
    key.slice(0, half),
    key.slice(half),
    Buffer.from(`${key}:x`).toString('base64'),
    Buffer.from(key).toString('base64').replace(/=+$/, ''),
  ];
}

/** The leak forms of `keys` found in `texts`, as `form` strings; empty when nothing leaked. */
export function findLeaks(texts: readonly string[], keys: readonly string[] = ALL_KEYS): string[] {
  const found: string[] = [];
  for (const key of keys) {
    for (const form of leakFormsOf(key)) {
      if (texts.some((t) => t.includes(form))) found.push(form);
    }
  }
  return found;
}
