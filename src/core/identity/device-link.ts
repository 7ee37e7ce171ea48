/**
 * Linking a new device to an existing account. The existing device shows a one-time link
 * (`#link=<secret>`); the secret opens a sealed channel on which the new device sends its
 * fresh device key and the existing device answers with a certificate for it, plus the
 * secrets the new device needs to find everything else (the self doc and contact inbox).
 * Identity private keys never leave the device that made them.
 */
import { fromBase64Url, toBase64Url } from '../bytes.js';
import { MAX_NAME } from '../events.js';
import { isCertificateShape, type DeviceCertificate } from './certificate.js';
import { DEVICE_LINK_PARAM as PARAM } from './device-link-fragment.js';
import { isPublicKey } from './keys.js';

export { isDeviceLinkFragment } from './device-link-fragment.js';

export const DEVICE_LINK_SECRET_BYTES = 32;
export const DEVICE_LINK_PURPOSE = 'device link';

export interface LinkRequest {
  readonly t: 'link-request';
  /** The new device's Ed25519 public key. */
  readonly device: string;
  /** A label to recognise it by, e.g. "Chrome on Linux". */
  readonly label: string;
}

export interface LinkGrant {
  readonly t: 'link-grant';
  /** Certificate for exactly the requested device key. */
  readonly cert: DeviceCertificate;
  readonly name: string;
  readonly avatar?: string;
  readonly selfSecret: string;
  readonly contactSecret: string;
}

export class InvalidDeviceLinkError extends Error {
  override readonly name = 'InvalidDeviceLinkError';
  /** The UI words this code (core holds no UI copy). */
  readonly code = 'device-link-damaged';
}

export const deviceLinkUrl = (appUrl: string, secret: Uint8Array): string => `${appUrl.split('#')[0]}#${PARAM}=${toBase64Url(secret)}`;

export function parseDeviceLink(text: string): Uint8Array {
  const hash = text.includes('#') ? text.slice(text.indexOf('#') + 1) : text;
  const secret = fromBase64Url(new URLSearchParams(hash.trim()).get(PARAM) ?? '');
  if (!secret || secret.length !== DEVICE_LINK_SECRET_BYTES) throw new InvalidDeviceLinkError('device link damaged or incomplete');
  return secret;
}

export function isLinkRequest(x: unknown): x is LinkRequest {
  const r = x as Record<string, unknown> | null;
  return typeof r === 'object' && r !== null && r.t === 'link-request' && isPublicKey(r.device) && typeof r.label === 'string' && r.label.length <= 80;
}

export function isLinkGrant(x: unknown, device: string): x is LinkGrant {
  const g = x as Record<string, unknown> | null;
  if (typeof g !== 'object' || g === null || g.t !== 'link-grant') return false;
  if (!isCertificateShape(g.cert) || g.cert.device !== device) return false;
  const secret = (s: unknown, bytes: number) => typeof s === 'string' && fromBase64Url(s)?.length === bytes;
  return typeof g.name === 'string' && g.name.length > 0 && g.name.length <= MAX_NAME && secret(g.selfSecret, 32) && secret(g.contactSecret, 16);
}
