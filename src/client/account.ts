/**
 * Creating this device's account.
 *
 * Registration makes everything locally: identity keys, this device's key and its
 * certificate, the secret of the user's private self doc, and the contact-link secret. No
 * password, no e-mail; the server later learns only the device's public key. The handshake
 * that proves it to peers is in account-handshake.ts.
 */
import { randomBytes, toBase64Url } from '../core/bytes.js';
import { issueCertificate } from '../core/identity/certificate.js';
import { createDeviceKeys, createIdentityKeys } from '../core/identity/keys.js';
import { LINK_SECRET_BYTES } from '../core/identity/contact-link-fragment.js';
import { SECRET_BYTES } from '../core/keys.js';
import { createDhKeyPair } from '../core/membership/seal.js';
import type { DeviceDhKey } from '../core/identity/account.js';
import type { Account } from '../store/types.js';

export async function createAccount(name: string, now: number, avatar?: string): Promise<Account> {
  const identity = await createIdentityKeys();
  const device = await createDeviceKeys();
  const cert = await issueCertificate(identity, device.public, now);
  return {
    dh: [await createDeviceDh(now)],
    name,
    ...(avatar ? { avatar } : {}),
    createdAt: now,
    identity: identity.public,
    identityKeys: { signPrivate: identity.signPrivate, dhPrivate: identity.dhPrivate },
    device,
    cert,
    selfSecret: toBase64Url(randomBytes(SECRET_BYTES)),
    contactSecret: toBase64Url(randomBytes(LINK_SECRET_BYTES)),
  };
}

/** A fresh X25519 key for this device (docs/architecture.md §4.2). */
export async function createDeviceDh(now: number): Promise<DeviceDhKey> {
  const pair = await createDhKeyPair();
  return { public: pair.public, private: pair.private, created: now };
}
