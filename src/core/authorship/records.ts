/**
 * Shapes of the signed records kept in document maps, and their checks. Shape checks are
 * synchronous and cheap; signatures are checked by the authorizer in batches.
 */
import { isId, type DeviceId } from '../ids.js';
import { isClientNonce } from './client-id.js';
import { isCertificateShape, type DeviceCertificate } from '../identity/certificate.js';
import { isPublicKey, type IdentityId } from '../identity/keys.js';
import { isProfile } from '../identity/profile.js';
import type { SignedRecord } from '../identity/signed.js';

export const MAX_RECORD_CHARS = 16 * 1024;

/** A device's membership: its certificate (naming its identity), display name and avatar. */
export interface MemberRecord extends SignedRecord {
  readonly type: 'member';
  readonly device: string;
  readonly cert: DeviceCertificate;
  readonly name: string;
  /** Small data: URL (at most ~12 KB), resized on the device. */
  readonly avatar?: string;
  /** How the device appears in its user's device list, e.g. "Chrome on Linux". */
  readonly label?: string;
  /** The device is a program (bot); signed like the rest, so nobody else can set or hide it. */
  readonly bot?: true;
  /** The device's current X25519 key, which epoch secrets are sealed to (architecture §4.2). */
  readonly dh?: string;
}

/** The identity withdraws a device; signed by the identity key, not a device key. */
export interface RevocationRecord extends SignedRecord {
  readonly type: 'revocation';
  readonly device: DeviceId;
  readonly identity: IdentityId;
  /**
   * For each Yjs client id of the revoked device, the clock its identity had seen when it
   * revoked it: history up to there stays valid, nothing after it is accepted.
   */
  readonly clients: Readonly<Record<string, number>>;
}

/**
 * A renewed certificate for one of the user's devices, in the self doc's `certs` map under
 * that device's id; the certificate's identity signature is what makes it count.
 */
export interface CertRecord extends SignedRecord {
  readonly type: 'cert';
  readonly cert: DeviceCertificate;
}

export function isCertRecord(record: SignedRecord): record is CertRecord {
  const r = record as unknown as Record<string, unknown>;
  return r.type === 'cert' && isCertificateShape(r.cert);
}

const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Common fields of every record, including its placement. */
export function parseRecord(value: unknown, client: number, clock: number): SignedRecord | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const r = value as Record<string, unknown>;
  if (typeof r.type !== 'string' || !isId(r.by) || !isUint(r.at) || r.c !== client || r.k !== clock || !isClientNonce(r.n)) return null;
  if (typeof r.sig !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(r.sig)) return null;
  return r as unknown as SignedRecord;
}

export function isMemberRecord(record: SignedRecord): record is MemberRecord {
  const r = record as unknown as Record<string, unknown>;
  return (
    r.type === 'member' &&
    isPublicKey(r.device) &&
    isCertificateShape(r.cert) &&
    (r.cert as DeviceCertificate).device === r.device &&
    isProfile(r.name, r.avatar) &&
    (r.label === undefined || (typeof r.label === 'string' && r.label.length <= 80)) &&
    (r.bot === undefined || r.bot === true) &&
    (r.dh === undefined || isPublicKey(r.dh))
  );
}

export function isRevocationRecord(record: SignedRecord): record is RevocationRecord {
  const r = record as unknown as Record<string, unknown>;
  if (r.type !== 'revocation' || !isId(r.device) || !isPublicKey(r.identity)) return false;
  const clients = r.clients;
  if (typeof clients !== 'object' || clients === null || Array.isArray(clients)) return false;
  const entries = Object.entries(clients);
  return entries.length <= 1000 && entries.every(([c, k]) => /^\d{1,16}$/.test(c) && Number.isSafeInteger(Number(c)) && isUint(k));
}
