/**
 * Peers prove who they are on a link before any document sync (docs/architecture.md §5).
 * Each side sends a hello: its device certificate and a device signature over both session
 * ids and the channel binding of the path the hello travels on (both DTLS fingerprints on a
 * data channel, the relay handshake's transcript hash on the relay). The binding ties the
 * proof to this one channel, so a hello recorded elsewhere is useless here, and a relay that
 * interposes itself changes what was signed.
 */
import { fromUtf8, utf8 } from '../bytes.js';
import type { DeviceId, SessionId } from '../ids.js';
import { canonicalBytes, Domains } from './canonical.js';
import { isCertificateShape, verifyCertificate, type DeviceCertificate } from './certificate.js';
import { deviceIdOf, signBytes, type IdentityId, type VerifyKeyCache } from './keys.js';

export interface HelloContext {
  readonly from: SessionId;
  readonly to: SessionId;
  /** The sender's side of the channel binding. */
  readonly fromBinding: string;
  /** The receiver's side of the channel binding. */
  readonly toBinding: string;
}

/** A remote device whose hello verified. */
export interface PeerIdentity {
  readonly device: DeviceId;
  readonly identity: IdentityId;
  readonly cert: DeviceCertificate;
}

const MAX_HELLO = 4096;

export async function createHello(cert: DeviceCertificate, devicePrivate: CryptoKey, context: HelloContext): Promise<Uint8Array> {
  const body = { cert, ...context };
  const sig = await signBytes(devicePrivate, canonicalBytes(Domains.hello, body));
  return utf8(JSON.stringify({ cert, sig }));
}

/** Null unless the hello carries a valid certificate and a signature over this context. */
export async function verifyHello(keys: VerifyKeyCache, payload: Uint8Array, context: HelloContext): Promise<PeerIdentity | null> {
  if (payload.length > MAX_HELLO) return null;
  let hello: unknown;
  try {
    hello = JSON.parse(fromUtf8(payload));
  } catch {
    return null;
  }
  if (typeof hello !== 'object' || hello === null) return null;
  const { cert, sig } = hello as { cert?: unknown; sig?: unknown };
  if (!isCertificateShape(cert) || !(await verifyCertificate(keys, cert))) return null;
  const signed = canonicalBytes(Domains.hello, { cert, ...context });
  if (!(await keys.verify(cert.device, sig, signed))) return null;
  return { device: deviceIdOf(cert.device), identity: cert.identity.sign, cert };
}

/**
 * A device's signature over a rendezvous message (docs/protocol.md §4): the certificate and
 * the signature travel inside the sealed message, and `body` (everything else, plus the topic
 * it was published on) is what the signature covers.
 */
export async function signRendezvous(cert: DeviceCertificate, devicePrivate: CryptoKey, body: Record<string, unknown>): Promise<string> {
  return signBytes(devicePrivate, canonicalBytes(Domains.rendezvous, { ...body, cert }));
}

/** The device that signed a rendezvous message, or null when the certificate or signature is bad. */
export async function verifyRendezvous(keys: VerifyKeyCache, body: Record<string, unknown>, cert: unknown, sig: unknown): Promise<PeerIdentity | null> {
  if (!isCertificateShape(cert) || !(await verifyCertificate(keys, cert))) return null;
  if (!(await keys.verify(cert.device, sig, canonicalBytes(Domains.rendezvous, { ...body, cert })))) return null;
  return { device: deviceIdOf(cert.device), identity: cert.identity.sign, cert };
}
