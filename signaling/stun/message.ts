/**
 * The part of STUN (RFC 8489) a public Binding responder needs, as pure functions: decide
 * whether a datagram is a well-formed Binding request, and encode the success response
 * carrying XOR-MAPPED-ADDRESS. Nothing here allocates per attribute or recurses, so the
 * cost of any datagram is one linear walk over its bytes.
 *
 * Everything that is not a well-formed Binding request with the magic cookie is ignored
 * (no error responses): a responder that only ever answers the one message browsers send
 * has the smallest possible reflection surface (docs/architecture.md §6).
 */
import { crc32 } from 'node:zlib';

export const STUN_HEADER_BYTES = 20;
export const STUN_MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const ATTR_FINGERPRINT = 0x8028;
/** RFC 8489 §14.7: the CRC-32 of the message up to FINGERPRINT, XORed with this. */
const FINGERPRINT_XOR = 0x5354554e;
const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;

/**
 * Comprehension-required attributes (0x0000–0x7FFF) this responder knows and may ignore:
 * those of RFC 8489 §18.3 and the ICE ones (RFC 8445). Any other comprehension-required
 * attribute makes the request one we do not understand, which we drop rather than answer
 * with a 420 error (a reply path with no benefit for browsers).
 */
const KNOWN_REQUIRED: ReadonlySet<number> = new Set([
  0x0001, // MAPPED-ADDRESS
  0x0006, // USERNAME
  0x0008, // MESSAGE-INTEGRITY
  0x0009, // ERROR-CODE
  0x000a, // UNKNOWN-ATTRIBUTES
  0x0014, // REALM
  0x0015, // NONCE
  0x001c, // MESSAGE-INTEGRITY-SHA256
  0x001d, // PASSWORD-ALGORITHM
  0x001e, // USERHASH
  0x0020, // XOR-MAPPED-ADDRESS
  0x0024, // PRIORITY
  0x0025, // USE-CANDIDATE
]);

/** A transport address the response reports back to the requester. */
export interface MappedAddress {
  readonly family: 4 | 6;
  /** IPv4 dotted quad or IPv6 text form (no brackets, no zone). */
  readonly address: string;
  readonly port: number;
}

/**
 * Returns the 12-byte transaction id of a well-formed Binding request, or null for
 * anything else. Never throws. Checks, in order: header length, the two zero bits, the
 * Binding request type, the magic cookie, a length field that matches the datagram and is
 * a multiple of 4, attributes that tile the body exactly, no unknown comprehension-required
 * attribute, and FINGERPRINT (when present) last and correct.
 */
export function parseBindingRequest(datagram: Uint8Array): Uint8Array | null {
  if (datagram.length < STUN_HEADER_BYTES) return null;
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  if (view.getUint16(0) !== BINDING_REQUEST) return null; // also rules out the two top bits
  const length = view.getUint16(2);
  if (view.getUint32(4) !== STUN_MAGIC_COOKIE) return null;
  if (length % 4 !== 0 || STUN_HEADER_BYTES + length !== datagram.length) return null;
  let at = STUN_HEADER_BYTES;
  while (at < datagram.length) {
    if (at + 4 > datagram.length) return null;
    const type = view.getUint16(at);
    const valueLength = view.getUint16(at + 2);
    const next = at + 4 + ((valueLength + 3) & ~3);
    if (next > datagram.length) return null;
    if (type < 0x8000 && !KNOWN_REQUIRED.has(type)) return null;
    if (type === ATTR_FINGERPRINT) {
      if (valueLength !== 4 || next !== datagram.length) return null;
      const expected = (crc32(datagram.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0;
      if (view.getUint32(at + 4) !== expected) return null;
    }
    at = next;
  }
  return datagram.slice(8, STUN_HEADER_BYTES);
}

/** Size of the success response for an address family: header plus XOR-MAPPED-ADDRESS. */
export const bindingResponseBytes = (family: 4 | 6): number => STUN_HEADER_BYTES + 4 + (family === 4 ? 8 : 20);

/**
 * Encodes a Binding success response with exactly one attribute, XOR-MAPPED-ADDRESS:
 * 32 bytes for IPv4, 44 for IPv6. No SOFTWARE, no FINGERPRINT: every extra byte would
 * be reflected to whoever a spoofed request names.
 */
export function encodeBindingSuccess(transactionId: Uint8Array, mapped: MappedAddress): Uint8Array {
  if (transactionId.length !== 12) throw new RangeError('a STUN transaction id has 12 bytes');
  const out = new Uint8Array(bindingResponseBytes(mapped.family));
  const view = new DataView(out.buffer);
  view.setUint16(0, BINDING_SUCCESS);
  view.setUint16(2, out.length - STUN_HEADER_BYTES);
  view.setUint32(4, STUN_MAGIC_COOKIE);
  out.set(transactionId, 8);
  view.setUint16(20, ATTR_XOR_MAPPED_ADDRESS);
  view.setUint16(22, mapped.family === 4 ? 8 : 20);
  out[24] = 0;
  out[25] = mapped.family === 4 ? FAMILY_IPV4 : FAMILY_IPV6;
  view.setUint16(26, mapped.port ^ (STUN_MAGIC_COOKIE >>> 16));
  const address = mapped.family === 4 ? ipv4Bytes(mapped.address) : ipv6Bytes(mapped.address);
  // The key is the magic cookie, followed (for IPv6) by the transaction id (RFC 8489 §14.2).
  const key = out.subarray(4, 4 + address.length);
  for (let i = 0; i < address.length; i++) out[28 + i] = address[i]! ^ key[i]!;
  return out;
}

/** Reads XOR-MAPPED-ADDRESS back out of a success response (for tests and clients); null if absent. */
export function decodeXorMappedAddress(response: Uint8Array): MappedAddress | null {
  if (response.length < STUN_HEADER_BYTES) return null;
  const view = new DataView(response.buffer, response.byteOffset, response.byteLength);
  if (view.getUint16(0) !== BINDING_SUCCESS || view.getUint32(4) !== STUN_MAGIC_COOKIE) return null;
  let at = STUN_HEADER_BYTES;
  while (at + 4 <= response.length) {
    const type = view.getUint16(at);
    const valueLength = view.getUint16(at + 2);
    if (type === ATTR_XOR_MAPPED_ADDRESS && at + 4 + valueLength <= response.length) {
      const family = response[at + 5] === FAMILY_IPV4 ? 4 : 6;
      const n = family === 4 ? 4 : 16;
      if (valueLength !== 4 + n) return null;
      const port = view.getUint16(at + 6) ^ (STUN_MAGIC_COOKIE >>> 16);
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = response[at + 8 + i]! ^ response[4 + i]!;
      return { family, port, address: family === 4 ? [...bytes].join('.') : ipv6Text(bytes) };
    }
    at += 4 + ((valueLength + 3) & ~3);
  }
  return null;
}

function ipv4Bytes(address: string): Uint8Array {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError('not an IPv4 address');
  return Uint8Array.from(parts);
}

/** IPv6 text (with `::` and an optional embedded IPv4 tail, without zone) to 16 bytes. */
function ipv6Bytes(address: string): Uint8Array {
  const text = address.split('%', 1)[0]!;
  let groups: string[];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let head = text;
  const extra: string[] = [];
  if (tail) {
    const v4 = ipv4Bytes(tail[1]!);
    head = text.slice(0, text.length - tail[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
    extra.push(((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
  }
  const halves = head.split('::');
  if (halves.length > 2) throw new RangeError('not an IPv6 address');
  const split = (s: string): string[] => (s === '' ? [] : s.split(':'));
  if (halves.length === 2) {
    const left = split(halves[0]!);
    const right = [...split(halves[1]!), ...extra];
    groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  } else groups = [...split(head), ...extra];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) throw new RangeError('not an IPv6 address');
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

function ipv6Text(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}
