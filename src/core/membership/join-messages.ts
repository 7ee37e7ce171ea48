/**
 * What travels on an invite's sealed channel (docs/architecture.md §4.5). A joining device
 * asks, signed with its certified device key; a member answers: pending approval, refused
 * with a reason, or granted with this device's share of the new epoch's secret. Everything
 * is sealed under the invite key, so the server sees opaque strings on an opaque topic.
 */
import { isId, type DeviceId, type Topic, isTopic } from '../ids.js';
import { canonicalBytes, Domains } from '../identity/canonical.js';
import { isCertificateShape, verifyCertificate, type DeviceCertificate } from '../identity/certificate.js';
import { deviceIdOf, isPublicKey, signBytes, type VerifyKeyCache } from '../identity/keys.js';
import { isEpochId, isInviteId, MAX_GROUP_NAME } from './records.js';
import { MAX_SEALED_FILE_ROOTS } from './file-roots-grant.js';

/** A request older than this is not answered (replays of an old request get nothing). */
export const REQUEST_MAX_AGE_MS = 2 * 60_000;

export interface JoinRequest {
  readonly t: 'join-request';
  readonly invite: string;
  readonly cert: DeviceCertificate;
  /** The joining device's X25519 key, for its share. */
  readonly dh: string;
  readonly name: string;
  readonly at: number;
  readonly sig: string;
}

export const RefusalReasons = ['expired', 'revoked', 'unknown', 'declined'] as const;
export type RefusalReason = (typeof RefusalReasons)[number];

export type JoinAnswer =
  | { readonly t: 'join-answer'; readonly to: DeviceId; readonly status: 'pending' }
  | { readonly t: 'join-answer'; readonly to: DeviceId; readonly status: 'refused'; readonly reason: RefusalReason }
  | {
      readonly t: 'join-answer';
      readonly to: DeviceId;
      readonly status: 'granted';
      readonly conversation: Topic;
      readonly title: string;
      readonly epoch: string;
      readonly n: number;
      readonly share: string;
      /**
       * Full-history groups only: older epochs' file roots sealed to the joining device
       * (file-roots-grant.ts), so files sent before the join open; never old epoch secrets.
       */
      readonly files?: string;
    };

export async function createJoinRequest(fields: Omit<JoinRequest, 't' | 'sig'>, devicePrivate: CryptoKey): Promise<JoinRequest> {
  const body = { t: 'join-request' as const, ...fields };
  return { ...body, sig: await signBytes(devicePrivate, canonicalBytes(Domains.joinRequest, body)) };
}

/** The request if its shape, certificate and device signature verify; null otherwise. */
export async function verifyJoinRequest(keys: VerifyKeyCache, value: unknown, invite: string, now: number): Promise<JoinRequest | null> {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  if (r.t !== 'join-request' || r.invite !== invite || !isInviteId(r.invite) || !isCertificateShape(r.cert) || !isPublicKey(r.dh)) return null;
  if (typeof r.name !== 'string' || r.name.length === 0 || r.name.length > 64 || typeof r.at !== 'number' || typeof r.sig !== 'string') return null;
  if (Math.abs(now - r.at) > REQUEST_MAX_AGE_MS) return null;
  const request = r as unknown as JoinRequest;
  // An expired certificate joins nothing (docs/architecture.md §4.8).
  if (!(await verifyCertificate(keys, request.cert, now))) return null;
  if (!(await keys.verify(request.cert.device, request.sig, canonicalBytes(Domains.joinRequest, r)))) return null;
  return request;
}

export const requestDevice = (request: JoinRequest): DeviceId => deviceIdOf(request.cert.device);

export function isJoinAnswer(value: unknown, me: DeviceId): value is JoinAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const a = value as Record<string, unknown>;
  if (a.t !== 'join-answer' || a.to !== me || !isId(a.to)) return false;
  switch (a.status) {
    case 'pending':
      return true;
    case 'refused':
      return (RefusalReasons as readonly unknown[]).includes(a.reason);
    case 'granted':
      return (
        isTopic(a.conversation) &&
        typeof a.title === 'string' &&
        a.title.length <= MAX_GROUP_NAME &&
        isEpochId(a.epoch) &&
        typeof a.n === 'number' &&
        Number.isSafeInteger(a.n) &&
        typeof a.share === 'string' &&
        a.share.length < 200 &&
        (a.files === undefined || (typeof a.files === 'string' && a.files.length <= MAX_SEALED_FILE_ROOTS))
      );
    default:
      return false;
  }
}
