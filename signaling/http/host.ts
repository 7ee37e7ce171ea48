/**
 * Host names the server puts into URLs it hands out (`stun:HOST:PORT`, `turn:…`). The host
 * comes from `PUBLIC_HOST` or from the request's `Host` header, which any client can set
 * to anything, so it is parsed strictly: a DNS name, an IPv4 literal or a bracketed IPv6
 * literal, nothing else. A header that fails is not echoed anywhere.
 */
import { isIPv4, isIPv6 } from 'node:net';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`, 'i');
const MAX_NAME = 253;

/**
 * A host in URL form: lower-cased DNS name or IPv4 literal, IPv6 in brackets. Null when
 * `text` (with no port) is none of those.
 */
export function normalizeHost(text: string): string | null {
  const t = text.trim();
  if (t.length === 0 || t.length > MAX_NAME + 2) return null;
  const inner = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  // Zone ids (fe80::1%eth0) name an interface of *this* machine: useless to a browser.
  if (isIPv6(inner) && !inner.includes('%')) return `[${inner.toLowerCase()}]`;
  if (inner !== t) return null;
  if (isIPv4(t)) return t;
  if (t.length > MAX_NAME || !DNS_NAME.test(t)) return null;
  // A name whose last label is all digits would be read as a (malformed) IPv4 address.
  if (/(^|\.)\d+\.?$/.test(t)) return null;
  return t.toLowerCase().replace(/\.$/, '');
}

/** The host part of a `Host` header (`name`, `name:port`, `[v6]`, `[v6]:port`), normalized; null if malformed. */
export function hostFromHeader(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header.trim());
  if (!m) return null;
  if (m[2] !== undefined && Number(m[2]) > 65535) return null;
  return normalizeHost(m[1]!);
}
