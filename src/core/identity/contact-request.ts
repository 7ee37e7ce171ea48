/**
 * A request to become contacts, sent to the recipient's contact inbox. The sending device
 * signs it and names the recipient inside the signature, so a request cannot be replayed to
 * somebody else; its certificate proves which identity is asking.
 */
import { canonicalBytes, Domains } from './canonical.js';
import { isCertificateShape, verifyCertificate, type DeviceCertificate } from './certificate.js';
import { isPublicKey, signBytes, type IdentityId, type VerifyKeyCache } from './keys.js';
import { MAX_NAME } from '../events.js';

export interface ContactRequest {
  readonly t: 'contact-request';
  readonly cert: DeviceCertificate;
  readonly name: string;
  readonly at: number;
  /** The identity this request is for. */
  readonly to: IdentityId;
  readonly sig: string;
}

export async function createContactRequest(cert: DeviceCertificate, devicePrivate: CryptoKey, name: string, to: IdentityId, at: number): Promise<ContactRequest> {
  const body = { t: 'contact-request' as const, cert, name, at, to };
  return { ...body, sig: await signBytes(devicePrivate, canonicalBytes(Domains.contactRequest, body)) };
}

/** Null unless well-formed, addressed to `me`, and signed by a certified device. */
export async function verifyContactRequest(keys: VerifyKeyCache, value: unknown, me: IdentityId): Promise<ContactRequest | null> {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  if (r.t !== 'contact-request' || r.to !== me || !isPublicKey(r.to)) return null;
  if (typeof r.name !== 'string' || r.name.length === 0 || r.name.length > MAX_NAME) return null;
  if (typeof r.at !== 'number' || !Number.isSafeInteger(r.at)) return null;
  // Made while its certificate was valid (docs/architecture.md §4.8): an expired device starts no chat.
  if (!isCertificateShape(r.cert) || !(await verifyCertificate(keys, r.cert, r.at))) return null;
  const body = { t: r.t, cert: r.cert, name: r.name, at: r.at, to: r.to };
  if (!(await keys.verify(r.cert.device, r.sig, canonicalBytes(Domains.contactRequest, body)))) return null;
  return value as ContactRequest;
}
