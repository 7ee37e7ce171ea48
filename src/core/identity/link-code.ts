/**
 * The short code both devices show while linking (docs/architecture.md §8.5): six digits
 * from SHA-256 over the link secret and the new device's public key. Whoever holds the
 * link can ask to be linked, but only the device the user is holding shows the code the
 * primary device shows for the request it received; a stranger who raced it shows another.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, utf8 } from '../bytes.js';

export function linkCode(secret: Uint8Array, devicePublic: string): string {
  const key = fromBase64Url(devicePublic) ?? utf8(devicePublic);
  const input = new Uint8Array(secret.length + key.length + 1);
  input.set(secret, 0);
  input[secret.length] = 0x2f;
  input.set(key, secret.length + 1);
  const h = sha256(input);
  const n = ((h[0]! << 16) | (h[1]! << 8) | h[2]!) % 1_000_000;
  const digits = String(n).padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}
