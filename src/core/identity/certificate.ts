/**
 * Device certificates: the identity key vouches for a device key, until an expiry
 * (docs/architecture.md §4.8). Peers accept a device only with a valid certificate, stop
 * accepting it once the identity revokes it, and accept nothing it writes after its newest
 * certificate expired. The identity's devices renew certificates silently (cert-renewal.ts).
 */
import { isPublicKey, signBytes, type IdentityKeys, type PublicIdentity, type VerifyKeyCache } from './keys.js';
import { canonicalBytes, Domains } from './canonical.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * How long a certificate lasts. Long enough that a device only used now and then (a laptop
 * opened monthly) rarely meets an expired certificate; short enough that a lost device
 * nobody revoked stops being able to write within a month.
 */
export const CERT_LIFETIME_MS = 30 * DAY_MS;
/** A certificate with less than this left is renewed: half its life, so two weeks of absence pass unnoticed. */
export const CERT_RENEW_BEFORE_MS = 15 * DAY_MS;

export interface DeviceCertificate {
  readonly identity: PublicIdentity;
  /** The certified device's Ed25519 public key, base64url. */
  readonly device: string;
  readonly created: number;
  /**
   * End of validity, ms since epoch. Absent on certificates issued before expiry existed:
   * those never expire, and their device's identity holder replaces them at its next start.
   */
  readonly expires?: number;
  /** Identity signature over the fields above. */
  readonly sig: string;
}

export async function issueCertificate(identity: IdentityKeys, devicePublic: string, created: number, lifetime = CERT_LIFETIME_MS): Promise<DeviceCertificate> {
  const body = { identity: identity.public, device: devicePublic, created, expires: created + lifetime };
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
    (c.expires === undefined || (typeof c.expires === 'number' && Number.isSafeInteger(c.expires) && c.expires > c.created)) &&
    typeof c.sig === 'string'
  );
}

/** The bytes a certificate's identity signature covers (`expires` only when present: older certificates verify as before). */
export function certificateSignedBytes(cert: DeviceCertificate): Uint8Array {
  const body = {
    identity: { sign: cert.identity.sign, dh: cert.identity.dh },
    device: cert.device,
    created: cert.created,
    ...(cert.expires !== undefined ? { expires: cert.expires } : {}),
  };
  return canonicalBytes(Domains.certificate, body);
}

/** Until when a certificate vouches for its device: Infinity for one without expiry. */
export const certificateEnd = (cert: DeviceCertificate): number => cert.expires ?? Infinity;

/** Whether a certificate has expired at `now`. */
export const certificateExpired = (cert: DeviceCertificate, now: number): boolean => now > certificateEnd(cert);

/** Whether a certificate should be replaced at `now`: one without expiry, or with less than CERT_RENEW_BEFORE_MS left. */
export const needsRenewal = (cert: DeviceCertificate, now: number): boolean => cert.expires === undefined || cert.expires - now < CERT_RENEW_BEFORE_MS;

/**
 * Whether a write its device dated `at` is covered by its certificates, `end` being when the
 * newest of them ends: dated no later. A write made while covered stays accepted after the
 * expiry, so history never disappears; the limits of trusting the writer's date are in
 * docs/architecture.md §4.8.
 */
export const writeCovered = (end: number, at: number): boolean => at <= end;

/**
 * This device's certificate has expired and no renewal has reached it yet: peers would
 * refuse what it writes in a conversation, so it is refused here first.
 */
export class CertificateExpiredError extends Error {
  override readonly name = 'CertificateExpiredError';
  readonly code = 'certificate-expired';

  constructor(
    /** When the certificate ended, ms since epoch. */
    readonly expired: number,
    options?: { cause?: unknown },
  ) {
    super('This device’s certificate has expired: it can write again once a device holding the account renews it.', options);
  }
}

/** Signature check; with `now`, an expired certificate fails too. */
export async function verifyCertificate(keys: VerifyKeyCache, cert: unknown, now?: number): Promise<boolean> {
  if (!isCertificateShape(cert)) return false;
  if (now !== undefined && certificateExpired(cert, now)) return false;
  return keys.verify(cert.identity.sign, cert.sig, certificateSignedBytes(cert));
}
