/**
 * Identity and device keys (docs/architecture.md §4), all made with WebCrypto.
 *
 * - The *identity* is an Ed25519 signing key and an X25519 agreement key. Its private halves
 *   are generated non-extractable and never leave the device that created them.
 * - Each *device* has its own Ed25519 key, certified by the identity key, and signs
 *   everything it writes. Linked devices hold only their device key and certificate.
 *
 * Ids are derived from public keys, so nobody can claim an id without the key behind it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { asBufferSource, fromBase64Url, toBase64Url } from '../bytes.js';
import type { DeviceId } from '../ids.js';

/** base64url of a raw 32-byte Ed25519 public key; an identity is named by its signing key. */
export type IdentityId = string & { readonly __identity: true };

export interface PublicIdentity {
  /** Ed25519 public key, base64url (also the identity's id). */
  readonly sign: IdentityId;
  /** X25519 public key, base64url. */
  readonly dh: string;
}

export interface IdentityKeys {
  readonly public: PublicIdentity;
  readonly signPrivate: CryptoKey;
  readonly dhPrivate: CryptoKey;
}

export interface DeviceKeys {
  readonly id: DeviceId;
  /** Ed25519 public key, base64url. */
  readonly public: string;
  readonly signPrivate: CryptoKey;
}

export class KeyError extends Error {
  override readonly name = 'KeyError';
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const isPublicKey = (x: unknown): x is string => typeof x === 'string' && KEY_PATTERN.test(x);

async function rawPublic(key: CryptoKey): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', key)));
}

export async function createIdentityKeys(): Promise<IdentityKeys> {
  const sign = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const dh = (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
  return {
    public: { sign: (await rawPublic(sign.publicKey)) as IdentityId, dh: await rawPublic(dh.publicKey) },
    signPrivate: sign.privateKey,
    dhPrivate: dh.privateKey,
  };
}

/** A device id is the first 132 bits of SHA-256 over the device's public key. */
export function deviceIdOf(devicePublic: string): DeviceId {
  const raw = fromBase64Url(devicePublic);
  if (!raw || raw.length !== 32) throw new KeyError('device public key must be 32 bytes');
  return toBase64Url(sha256(raw)).slice(0, 22) as DeviceId;
}

export async function createDeviceKeys(): Promise<DeviceKeys> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const pub = await rawPublic(pair.publicKey);
  return { id: deviceIdOf(pub), public: pub, signPrivate: pair.privateKey };
}

export async function signBytes(privateKey: CryptoKey, bytes: Uint8Array): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('Ed25519', privateKey, asBufferSource(bytes))));
}

/**
 * Imports and caches Ed25519 verification keys by their base64url form: a late joiner
 * checks thousands of signatures from a handful of devices.
 */
export class VerifyKeyCache {
  private readonly keys = new Map<string, Promise<CryptoKey | null>>();

  get(publicKey: string): Promise<CryptoKey | null> {
    let key = this.keys.get(publicKey);
    if (!key) {
      const raw = isPublicKey(publicKey) ? fromBase64Url(publicKey) : null;
      key = raw
        ? crypto.subtle.importKey('raw', asBufferSource(raw), { name: 'Ed25519' }, false, ['verify']).catch(() => null)
        : Promise.resolve(null);
      this.keys.set(publicKey, key);
    }
    return key;
  }

  /** False for a bad key, a malformed signature or a signature that does not verify. */
  async verify(publicKey: string, signature: unknown, bytes: Uint8Array): Promise<boolean> {
    if (typeof signature !== 'string' || signature.length !== 86) return false;
    const sig = fromBase64Url(signature);
    const key = await this.get(publicKey);
    if (!sig || sig.length !== 64 || !key) return false;
    try {
      return await crypto.subtle.verify('Ed25519', key, asBufferSource(sig), asBufferSource(bytes));
    } catch {
      return false;
    }
  }
}
