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
  contactRequest: 'parley/contact-request/v1',
  register: 'parley/register/v1',
  revocation: 'parley/revocation/v1',
  deviceLink: 'parley/device-link/v1',
} as const;
export type Domain = (typeof Domains)[keyof typeof Domains];

function sortedJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(obj[k])}`).join(',')}}`;
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
