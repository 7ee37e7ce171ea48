/**
 * AES-GCM sealing used for signaling payloads and mailbox blobs.
 * Layout: 12-byte random IV || ciphertext+tag. The optional associated data binds a blob
 * to its context (for example its topic) so it cannot be replayed elsewhere.
 */
import { asBufferSource, concatBytes, randomBytes } from './bytes.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes sealing adds to a plaintext: the IV and the tag. */
export const SEALED_OVERHEAD = IV_BYTES + TAG_BYTES;

export class SealError extends Error {
  override readonly name = 'SealError';
}

export async function seal(key: CryptoKey, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
  const iv = randomBytes(IV_BYTES);
  const params: AesGcmParams = { name: 'AES-GCM', iv: asBufferSource(iv) };
  if (aad) params.additionalData = asBufferSource(aad);
  const ct = await crypto.subtle.encrypt(params, key, asBufferSource(plaintext));
  return concatBytes(iv, new Uint8Array(ct));
}

/** Throws SealError when the blob is truncated, tampered with, or sealed under another key. */
export async function open(key: CryptoKey, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new SealError('sealed blob too short');
  const params: AesGcmParams = { name: 'AES-GCM', iv: asBufferSource(sealed.slice(0, IV_BYTES)) };
  if (aad) params.additionalData = asBufferSource(aad);
  try {
    const pt = await crypto.subtle.decrypt(params, key, asBufferSource(sealed.subarray(IV_BYTES)));
    return new Uint8Array(pt);
  } catch (cause) {
    throw new SealError('cannot open sealed blob', { cause });
  }
}
