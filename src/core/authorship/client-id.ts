/**
 * Yjs client ids bound to devices (docs/architecture.md §3.2, §8).
 *
 * A Yjs client id decides which clocks a struct occupies, and Yjs keeps the first struct it
 * sees at a clock: if a member could write under someone else's client id, the copy that
 * arrives first (a late joiner, a mailbox emptied and refilled) would hide the real one.
 * So a client id is not chosen, it is derived: the first 53 bits of
 * SHA-256(domain ‖ device public key ‖ nonce), where the nonce is random per document and
 * per tab and is part of every signed value the client writes (field `n`). Any member
 * checks, for every value and in any arrival order, that its signer's key and its nonce
 * hash to the client id it sits under. Yjs accepts client ids up to 2^53.
 *
 * Several tabs of one device each pick their own nonce, so they never share a client id
 * (Yjs would otherwise mix their clocks).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, randomBytes, toBase64Url, utf8 } from '../bytes.js';

const DOMAIN = utf8('parley/client-id/v1\n');
/** 64 random bits, base64url. */
const NONCE_PATTERN = /^[A-Za-z0-9_-]{11}$/;
const CACHE_LIMIT = 4096;

export const isClientNonce = (x: unknown): x is string => typeof x === 'string' && NONCE_PATTERN.test(x);

export const newClientNonce = (): string => toBase64Url(randomBytes(8));

const cache = new Map<string, number>();

/** The client id a device writes under with `nonce`; -1 for a malformed key or nonce. */
export function clientIdFor(devicePublic: string, nonce: string): number {
  const cacheKey = `${devicePublic}|${nonce}`;
  const known = cache.get(cacheKey);
  if (known !== undefined) return known;
  const key = fromBase64Url(devicePublic);
  let id = -1;
  if (key && key.length === 32 && isClientNonce(nonce)) {
    const input = new Uint8Array(DOMAIN.length + 32 + nonce.length);
    input.set(DOMAIN, 0);
    input.set(key, DOMAIN.length);
    input.set(utf8(nonce), DOMAIN.length + 32);
    const h = sha256(input);
    // 53 bits: 21 from the first word, 32 from the second.
    id = (((h[0]! & 0x1f) << 16) | (h[1]! << 8) | h[2]!) * 2 ** 32 + ((h[3]! << 24) >>> 0) + ((h[4]! << 16) | (h[5]! << 8) | h[6]!);
  }
  // Peers choose nonces: the cache is bounded so they cannot grow it without limit.
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(cacheKey, id);
  return id;
}

/** A fresh nonce and the client id it gives this device. */
export function newClientBinding(devicePublic: string): { nonce: string; client: number } {
  const nonce = newClientNonce();
  return { nonce, client: clientIdFor(devicePublic, nonce) };
}
