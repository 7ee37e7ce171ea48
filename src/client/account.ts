/**
 * Creating this device's account, and the handshake that proves it to peers.
 *
 * Registration makes everything locally: identity keys, this device's key and its
 * certificate, the secret of the user's private self doc, and the contact-link secret. No
 * password, no e-mail; the server later learns only the device's public key.
 */
import { randomBytes, toBase64Url } from '../core/bytes.js';
import { issueCertificate } from '../core/identity/certificate.js';
import { createHello, signRendezvous, verifyHello, verifyRendezvous, type HelloContext, type PeerIdentity } from '../core/identity/handshake.js';
import { createDeviceKeys, createIdentityKeys, type VerifyKeyCache } from '../core/identity/keys.js';
import { LINK_SECRET_BYTES } from '../core/identity/contact-link.js';
import { SECRET_BYTES } from '../core/keys.js';
import { createDhKeyPair } from '../core/membership/seal.js';
import type { DeviceDhKey } from '../core/identity/account.js';
import type { Handshake } from '../net/policy.js';
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

/** The mesh's handshake, reading the account at connection time (it may change). */
export function accountHandshake(account: () => Account | null, keys: VerifyKeyCache): Handshake {
  return {
    async hello(context: HelloContext): Promise<Uint8Array> {
      const me = account();
      if (!me) throw new Error('no account yet');
      return createHello(me.cert, me.device.signPrivate, context);
    },
    verify: (payload: Uint8Array, context: HelloContext): Promise<PeerIdentity | null> => verifyHello(keys, payload, context),
    async signRendezvous(body) {
      const me = account();
      if (!me) return null;
      return { cert: me.cert, sig: await signRendezvous(me.cert, me.device.signPrivate, body) };
    },
    verifyRendezvous: (body, cert, sig) => verifyRendezvous(keys, body, cert, sig),
  };
}

/** A fresh X25519 key for this device (docs/architecture.md §4.2). */
export async function createDeviceDh(now: number): Promise<DeviceDhKey> {
  const pair = await createDhKeyPair();
  return { public: pair.public, private: pair.private, created: now };
}
