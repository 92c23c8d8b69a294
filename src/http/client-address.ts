/**
 * Where a request came from, as far as the gateway can tell: the socket's peer, or, behind
 * proxies the operator trusts (TRUST_PROXY), the address the first of them saw. Used to group
 * callers into sources for newcomers' credits, never to authenticate anyone. An IPv6 client is
 * its /64 (one subscriber's network), so that a stranger cannot mint sources by the billion.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The network a client address belongs to: an IPv4 address, or an IPv6 /64 as `xxxx:xxxx:xxxx:xxxx::/64`. */
export function sourceOf(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return mapped;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return 'unknown';
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * The client's address: with `trustedProxies` proxies in front, the entry of X-Forwarded-For
 * that the outermost trusted one appended (each appends the address it received from); with none,
 * or a header shorter than the chain, the socket's peer or the header's first entry.
 */
export function clientAddressOf(
  socketAddress: string | undefined,
  forwardedFor: string | null,
  trustedProxies: number,
): string | undefined {
  if (trustedProxies === 0 || forwardedFor === null) return socketAddress;
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  if (hops.length === 0) return socketAddress;
  return hops[Math.max(0, hops.length - trustedProxies)];
}
