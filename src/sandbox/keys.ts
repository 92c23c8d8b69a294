/**
 * The sandbox's users: API keys and what each may do. SalesBinder's permissions are per kind of
 * account ("View/Modify Customers and/or Prospects and/or Suppliers") and a key belongs to one
 * company's account; the demo keys may see every kind in every account the sandbox plays.
 */
import { randomBytes } from 'node:crypto';
import { DEMO_ADMIN_KEY, DEMO_VIEWER_KEY } from './seed.ts';

export interface KeyPermissions {
  /** May edit (and create and delete) accounts of its kinds, not only view them. */
  modify: boolean;
  /** The kinds (context ids 2, 8, 10) it may view, and modify if `modify`. */
  kinds: readonly number[];
  /** The accounts (the path before /api/2.0, '' for none) it belongs to; absent: every one. */
  accounts?: readonly string[] | undefined;
}

export const ALL_KINDS: readonly number[] = [2, 8, 10];

const DEMO_KEYS: ReadonlyArray<readonly [string, KeyPermissions]> = [
  [DEMO_ADMIN_KEY, { modify: true, kinds: ALL_KINDS }],
  [DEMO_VIEWER_KEY, { modify: false, kinds: ALL_KINDS }],
];

const KEY = /^[A-Za-z0-9]{8,128}$/;
const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new key as SalesBinder makes them: 40 letters and digits. */
function newKey(): string {
  return [...randomBytes(40)].map((byte) => KEY_ALPHABET[byte % KEY_ALPHABET.length]).join('');
}

export interface KeyRegistry {
  /** What the key may do in this account; undefined when SalesBinder would answer 401. */
  permissions(key: string | undefined, account: string): KeyPermissions | undefined;
  /** Adds a user's key (a new one unless given); throws on a key that is not 8 to 128 letters and digits. */
  add(permissions: KeyPermissions, key?: string): string;
  /** Revokes a key, as regenerating it on the Profile page does; false when there was none. */
  revoke(key: string): boolean;
  /** Back to the demo keys alone. */
  reset(): void;
}

export function createKeyRegistry(): KeyRegistry {
  const keys = new Map<string, KeyPermissions>(DEMO_KEYS);
  return {
    permissions(key, account) {
      const permissions = key === undefined ? undefined : keys.get(key);
      if (permissions?.accounts && !permissions.accounts.includes(account)) return undefined;
      return permissions;
    },
    add(permissions, key = newKey()) {
      if (!KEY.test(key)) throw new Error('A key is 8 to 128 letters and digits');
      keys.set(key, { ...permissions, kinds: [...permissions.kinds] });
      return key;
    },
    revoke: (key) => keys.delete(key),
    reset() {
      keys.clear();
      for (const [key, permissions] of DEMO_KEYS) keys.set(key, permissions);
    },
  };
}
