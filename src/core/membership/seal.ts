/**
 * Sealing an epoch secret to one device (docs/architecture.md §4.2): the base mode of HPKE
 * (RFC 9180) written out with WebCrypto — X25519 between a fresh ephemeral key and the
 * device's key, HKDF-SHA-256 over the shared secret with an `info` that names exactly what
 * is sealed (conversation, epoch, device), then AES-256-GCM. One ECDH per share; no
 * dependency beyond WebCrypto.
 *
 * Layout of a share: 32-byte ephemeral public key || 12-byte IV || ciphertext + tag.
 */
import { asBufferSource, concatBytes, fromBase64Url, randomBytes, toBase64Url, utf8 } from '../bytes.js';

const PUBLIC_BYTES = 32;
const IV_BYTES = 12;
const SALT = utf8('parley/seal/v1');

export class ShareError extends Error {
  override readonly name = 'ShareError';
}

/** A device's X25519 key pair; the private half is non-extractable. */
export interface DhKeyPair {
  /** Raw public key, base64url (43 chars). */
  readonly public: string;
  readonly private: CryptoKey;
}

/**
 * Opens something sealed to this device with each of its X25519 keys, newest first: older
 * keys open what was sealed before a rotation, until they are deleted. The first key that
 * opens it wins; null when none does. Only a ShareError (not this key) moves on.
 */
export async function openWithDeviceKeys<T>(keys: readonly { readonly private: CryptoKey }[] | undefined, open: (key: CryptoKey) => Promise<T>): Promise<T | null> {
  for (const key of [...(keys ?? [])].reverse()) {
    try {
      return await open(key.private);
    } catch (error) {
      if (!(error instanceof ShareError)) throw error;
    }
  }
  return null;
}

export async function createDhKeyPair(): Promise<DhKeyPair> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  return { public: toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))), private: pair.privateKey };
}

/** What a share is bound to: opening it under any other context fails. */
export interface ShareContext {
  readonly conversation: string;
  readonly epoch: string;
  readonly device: string;
}

const infoOf = (c: ShareContext): Uint8Array => utf8(`parley epoch share\n${c.conversation}\n${c.epoch}\n${c.device}`);

async function importPublic(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', asBufferSource(raw), { name: 'X25519' }, false, []);
}

async function aeadKey(privateKey: CryptoKey, peer: Uint8Array, context: ShareContext, usage: KeyUsage): Promise<CryptoKey> {
  const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: await importPublic(peer) }, privateKey, 256));
  // A low-order point gives an all-zero result: refuse it rather than seal under a known key.
  if (shared.every((b) => b === 0)) throw new ShareError('low-order public key');
  const base = await crypto.subtle.importKey('raw', asBufferSource(shared), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: asBufferSource(SALT), info: asBufferSource(infoOf(context)) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    [usage],
  );
}

/** Seals `secret` to the device whose X25519 public key is `devicePublic`; base64url out. */
export async function sealShare(devicePublic: string, secret: Uint8Array, context: ShareContext): Promise<string> {
  const peer = fromBase64Url(devicePublic);
  if (!peer || peer.length !== PUBLIC_BYTES) throw new ShareError('device key must be 32 bytes');
  const ephemeral = await createDhKeyPair();
  const key = await aeadKey(ephemeral.private, peer, context, 'encrypt');
  const iv = randomBytes(IV_BYTES);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: asBufferSource(iv) }, key, asBufferSource(secret)));
  return toBase64Url(concatBytes(fromBase64Url(ephemeral.public)!, iv, ct));
}

/** Opens a share sealed to this device; throws ShareError when it is not for this key or context. */
export async function openShare(devicePrivate: CryptoKey, share: string, context: ShareContext): Promise<Uint8Array> {
  const bytes = fromBase64Url(share);
  if (!bytes || bytes.length < PUBLIC_BYTES + IV_BYTES + 16) throw new ShareError('share too short');
  const key = await aeadKey(devicePrivate, bytes.subarray(0, PUBLIC_BYTES), context, 'decrypt');
  try {
    const iv = bytes.subarray(PUBLIC_BYTES, PUBLIC_BYTES + IV_BYTES);
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: asBufferSource(iv) }, key, asBufferSource(bytes.subarray(PUBLIC_BYTES + IV_BYTES))));
  } catch (cause) {
    throw new ShareError('cannot open share', { cause });
  }
}
