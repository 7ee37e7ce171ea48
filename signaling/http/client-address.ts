/**
 * The address a request came from, as per-address limits count it (sockets, registrations,
 * uploads, mailbox and push rates). Behind a reverse proxy (`TRUST_PROXY`) it is the last
 * `X-Forwarded-For` hop: the one our own proxy appended; earlier hops are whatever the
 * client claimed.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => h.trim()).filter((h) => h !== '');
    const last = hops.at(-1);
    if (last !== undefined) return limitKey(last);
  }
  return limitKey(req.socket.remoteAddress ?? 'unknown');
}

/**
 * What a limit counts an address as. An IPv6 address counts as its /64: that is the
 * smallest block a home, a phone or a server is given, and any holder of one can use all
 * 2^64 addresses in it, so counting each address alone let one host pass every per-address
 * cap by changing the low bits. An IPv4 address written as IPv6 (`::ffff:192.0.2.1`, as a
 * dual-stack socket reports it) counts as the IPv4 address. Anything else is kept as given.
 */
export function limitKey(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (isIP(bare) !== 6) return address;
  const groups = hextets(bare);
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [hi, lo] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/**
 * The coarser key an aggregate limit counts a limit key under: an IPv6 /64 counts as its /48,
 * the block one site (an office, some homes) is given, so a holder of a /48 and its 65,536
 * /64s shares one budget, a multiple of one /64's (`ipv6SiteFactor`). Any other key (an IPv4
 * address) is its own site: an IPv4 NAT is counted as one address already, and counting IPv4
 * by a larger block would put unrelated networks under one cap.
 */
export function siteKey(key: string): string {
  const match = /^([0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}):[0-9a-f]{1,4}::\/64$/.exec(key);
  return match === null ? key : `${match[1]}::/48`;
}

/** The eight 16-bit groups of a valid IPv6 address, as lower-case hex without leading zeros. */
function hextets(address: string): string[] {
  // A dotted IPv4 tail stands for the last two groups.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  let text = address;
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${address.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}

/** True when the request reached the proxy (or us) over TLS: what HSTS may be sent on. */
export function cameOverTls(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  if (!trustProxy) return false;
  const header = req.headers['x-forwarded-proto'];
  const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim().toLowerCase()).at(-1);
  return last === 'https';
}
