/**
 * A file's key from the conversation's epoch (docs/architecture.md §14.1):
 *
 *   key = HKDF-SHA-256(ikm = epoch secret, salt = the file's 16-byte salt,
 *                      info = "parley file key")                          (32 bytes)
 *
 * The message names the epoch and carries the salt, never the key: reading a file takes the
 * secret of the epoch it was sent in, which only that epoch's members hold (§4.4). A member
 * removed before the send cannot derive it even from a leaked message and its chunks.
 */
import { asBufferSource, fromBase64Url, toBase64Url, utf8 } from '../bytes.js';

/** Part of the protocol: changing it changes every file's key. */
export const FILE_KEY_LABEL = 'parley file key';
export const FILE_SALT_BYTES = 16;

/** A fresh salt for one file, base64url. */
export const newFileSalt = (): string => toBase64Url(crypto.getRandomValues(new Uint8Array(FILE_SALT_BYTES)));

/** The file key (base64url, 32 bytes, as `sealFile` and `openFile` take it) for `salt` under an epoch secret. */
export async function deriveFileKey(secret: Uint8Array, salt: string): Promise<string> {
  const saltBytes = fromBase64Url(salt);
  if (!saltBytes || saltBytes.length !== FILE_SALT_BYTES) throw new RangeError(`a file salt is ${FILE_SALT_BYTES} bytes`);
  const base = await crypto.subtle.importKey('raw', asBufferSource(secret), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: asBufferSource(saltBytes), info: asBufferSource(utf8(FILE_KEY_LABEL)) }, base, 256);
  return toBase64Url(new Uint8Array(bits));
}
