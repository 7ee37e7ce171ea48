/**
 * Canonical bytes for signatures and hashes. Every signed object is serialised as
 * `<domain>\n<JSON with keys sorted, the signature field left out>`: deterministic in every
 * JavaScript engine (JSON number formatting is specified), and the domain label stops a
 * signature made for one purpose (a message) being replayed as another (a certificate).
 */
import { utf8 } from '../bytes.js';

export const Domains = {
  event: 'parley/event/v1',
  record: 'parley/record/v1',
  certificate: 'parley/device-cert/v1',
  hello: 'parley/hello/v1',
  rendezvous: 'parley/rendezvous/v1',
  contactRequest: 'parley/contact-request/v1',
  register: 'parley/register/v1',
  revocation: 'parley/revocation/v1',
  deviceLink: 'parley/device-link/v1',
  joinRequest: 'parley/join-request/v1',
} as const;
export type Domain = (typeof Domains)[keyof typeof Domains];

/**
 * JSON with object keys sorted. Written as plain loops: a late joiner hashes every event
 * of a 100k-message history through here, and the map/filter/join version cost 3× more.
 */
function sortedJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + sortedJson(value[i]);
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = obj[key];
    if (v === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + (typeof v === 'string' || typeof v === 'number' ? JSON.stringify(v) : sortedJson(v));
    first = false;
  }
  return out + '}';
}

/** The bytes a signature covers: everything but the `sig` field, under a domain label. */
export function canonicalBytes(domain: Domain, value: Record<string, unknown>): Uint8Array {
  const { sig: _sig, ...rest } = value;
  return utf8(`${domain}\n${sortedJson(rest)}`);
}

/** The bytes a hash covers: the whole object including its signature. */
export function hashInput(domain: Domain, value: Record<string, unknown>): Uint8Array {
  return utf8(`${domain}#\n${sortedJson(value)}`);
}
