/**
 * Device certificates: the identity key vouches for a device key. Peers accept a device
 * only with a valid certificate, and stop accepting it once the identity revokes it.
 */
import { isPublicKey, signBytes, type IdentityKeys, type PublicIdentity, type VerifyKeyCache } from './keys.js';
import { canonicalBytes, Domains } from './canonical.js';

export interface DeviceCertificate {
  readonly identity: PublicIdentity;
  /** The certified device's Ed25519 public key, base64url. */
  readonly device: string;
  readonly created: number;
  /** Identity signature over the fields above. */
  readonly sig: string;
}

export async function issueCertificate(identity: IdentityKeys, devicePublic: string, created: number): Promise<DeviceCertificate> {
  const body = { identity: identity.public, device: devicePublic, created };
  return { ...body, sig: await signBytes(identity.signPrivate, canonicalBytes(Domains.certificate, body)) };
}

export function isCertificateShape(x: unknown): x is DeviceCertificate {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Record<string, unknown>;
  const id = c.identity as Record<string, unknown> | null;
  return (
    typeof id === 'object' &&
    id !== null &&
    isPublicKey(id.sign) &&
    isPublicKey(id.dh) &&
    isPublicKey(c.device) &&
    typeof c.created === 'number' &&
    Number.isSafeInteger(c.created) &&
    typeof c.sig === 'string'
  );
}

/** The bytes a certificate's identity signature covers. */
export function certificateSignedBytes(cert: DeviceCertificate): Uint8Array {
  const body = { identity: { sign: cert.identity.sign, dh: cert.identity.dh }, device: cert.device, created: cert.created };
  return canonicalBytes(Domains.certificate, body);
}

export async function verifyCertificate(keys: VerifyKeyCache, cert: unknown): Promise<boolean> {
  if (!isCertificateShape(cert)) return false;
  return keys.verify(cert.identity.sign, cert.sig, certificateSignedBytes(cert));
}
