/**
 * A file's key from the conversation's epoch (docs/architecture.md §14.1):
 *
 *   root = HKDF-SHA-256(ikm = epoch secret, salt = "", info = "parley file root")  (32 bytes)
 *   key  = HKDF-SHA-256(ikm = root, salt = the file's 16-byte salt,
 *                       info = "parley file key")                               (32 bytes)
 *
 * The message names the epoch and carries the salt (and `kdf: "root"`), never the key:
 * reading a file takes the epoch's file root, which only that epoch's members can derive
 * (§4.4). The root opens files and nothing else, so a full-history group can hand the roots
 * of older epochs to someone who joins later without handing them the epoch secrets (which
 * would open old mailboxes and signaling, §4.7). A member removed before the send cannot
 * derive it even from a leaked message and its chunks.
 *
 * Messages from before the root carry no `kdf`: their key is HKDF over the epoch secret
 * itself (`deriveFileKey(secret, salt)`), which only holders of that secret can compute.
 */
import { asBufferSource, fromBase64Url, toBase64Url, utf8 } from '../bytes.js';

/** Part of the protocol: changing it changes every file's key. */
export const FILE_KEY_LABEL = 'parley file key';
export const FILE_SALT_BYTES = 16;
/** Part of the protocol: changing it changes every epoch's file root. */
export const FILE_ROOT_LABEL = 'parley file root';

/** A fresh salt for one file, base64url. */
export const newFileSalt = (): string => toBase64Url(crypto.getRandomValues(new Uint8Array(FILE_SALT_BYTES)));

/**
 * The epoch's file root (base64url, 32 bytes): what file keys of that epoch derive from,
 * and what a full-history group hands a later joiner instead of the epoch secret.
 */
export async function deriveFileRoot(secret: Uint8Array): Promise<string> {
  const base = await crypto.subtle.importKey('raw', asBufferSource(secret), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: asBufferSource(utf8(FILE_ROOT_LABEL)) }, base, 256);
  return toBase64Url(new Uint8Array(bits));
}

/**
 * The file key (base64url, 32 bytes, as `sealFile` and `openFile` take it) for `salt` under
 * `ikm`: the epoch's file root (bytes) for messages with `kdf: "root"`, the epoch secret for
 * older ones.
 */
export async function deriveFileKey(secret: Uint8Array, salt: string): Promise<string> {
  const saltBytes = fromBase64Url(salt);
  if (!saltBytes || saltBytes.length !== FILE_SALT_BYTES) throw new RangeError(`a file salt is ${FILE_SALT_BYTES} bytes`);
  const base = await crypto.subtle.importKey('raw', asBufferSource(secret), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: asBufferSource(saltBytes), info: asBufferSource(utf8(FILE_KEY_LABEL)) }, base, 256);
  return toBase64Url(new Uint8Array(bits));
}
