/**
 * Encryption and hashing of file chunks (docs/architecture.md §14.1, docs/protocol.md §8).
 *
 *   iv(i)      = 0x00000000 ‖ u64 BE i          (12 bytes; the key is used for this file only)
 *   chunk(i)   = AES-256-GCM(file key, iv(i), plaintext bytes [i·chunk, (i+1)·chunk))
 *   hash(i)    = SHA-256(chunk(i))
 *   root       = SHA-256(hash(0) ‖ hash(1) ‖ … ‖ hash(n−1))
 *
 * The IV is the chunk's index, so a chunk cannot be moved to another place, and encrypting
 * the same chunk again gives the same bytes (a holder may re-encrypt; nothing leaks because
 * the plaintext is the same). Hashes are over the encrypted bytes, so a store of chunks can
 * be checked without decrypting it.
 */
import { asBufferSource, equalBytes, fromBase64Url, toBase64Url } from '../bytes.js';
import { CHUNK_OVERHEAD, chunkCount, HASH_BYTES, plainLength, type FileRef } from './file-ref.js';

/** Bytes of an encrypted chunk `index`: its plaintext plus the GCM tag. */
export const sealedLength = (ref: Pick<FileRef, 'size' | 'chunk'>, index: number): number => plainLength(ref, index) + CHUNK_OVERHEAD;

function ivOf(index: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, BigInt(index));
  return iv;
}

/** Imports a file's key from its reference. */
export async function importFileKey(key: string): Promise<CryptoKey> {
  const raw = fromBase64Url(key);
  if (!raw || raw.length !== 32) throw new Error('file key must be 32 bytes');
  return crypto.subtle.importKey('raw', asBufferSource(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** A fresh random file key: the raw bytes for the event, the CryptoKey to use. */
export async function newFileKey(): Promise<{ readonly encoded: string; readonly key: CryptoKey }> {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const encoded = toBase64Url(raw);
  const key = await importFileKey(encoded);
  raw.fill(0);
  return { encoded, key };
}

export async function encryptChunk(key: CryptoKey, index: number, plain: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: ivOf(index) }, key, asBufferSource(plain)));
}

/** Throws when the chunk does not open under the key at this index. */
export async function decryptChunk(key: CryptoKey, index: number, sealed: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ivOf(index) }, key, asBufferSource(sealed)));
}

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', asBufferSource(bytes)));
}

/** The root of a hash list (n × 32 bytes). */
export const rootOf = (hashes: Uint8Array): Promise<Uint8Array> => sha256(hashes);

/** Whether a hash list belongs to a file: the right length and hashing to its root. */
export async function hashListMatches(ref: Pick<FileRef, 'size' | 'chunk' | 'root'>, hashes: Uint8Array): Promise<boolean> {
  if (hashes.length !== chunkCount(ref.size, ref.chunk) * HASH_BYTES) return false;
  const want = fromBase64Url(ref.root);
  return want !== null && equalBytes(await rootOf(hashes), want);
}

/** Whether an encrypted chunk is the one the hash list names at `index`. */
export async function chunkMatches(ref: Pick<FileRef, 'size' | 'chunk'>, hashes: Uint8Array, index: number, sealed: Uint8Array): Promise<boolean> {
  if (index < 0 || (index + 1) * HASH_BYTES > hashes.length || sealed.length !== sealedLength(ref, index)) return false;
  return equalBytes(await sha256(sealed), hashes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES));
}
