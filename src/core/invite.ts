/**
 * Invite links. The secret rides only in the URL fragment, which browsers never send to
 * a server (docs/architecture.md §4), so the server that serves the app never learns it.
 */
import { fromBase64Url, toBase64Url } from './bytes.js';
import { SECRET_BYTES } from './keys.js';

const PARAM = 'join';

/** Why an invite was refused; the UI words each code (core holds no UI copy). */
export type InviteErrorCode = 'invite-not-parley' | 'invite-damaged';

export class InvalidInviteError extends Error {
  override readonly name = 'InvalidInviteError';
  constructor(readonly code: InviteErrorCode, options?: ErrorOptions) {
    super(code, options);
  }
}

export function inviteUrl(appUrl: string, secret: Uint8Array): string {
  const base = appUrl.split('#')[0]!;
  return `${base}#${PARAM}=${toBase64Url(secret)}`;
}

/** Accepts a full link or just its fragment. Throws InvalidInviteError when it is not a Parley invite. */
export function parseInvite(text: string): Uint8Array {
  const trimmed = text.trim();
  const hash = trimmed.includes('#') ? trimmed.slice(trimmed.indexOf('#') + 1) : trimmed;
  const params = new URLSearchParams(hash);
  const value = params.get(PARAM);
  if (!value) throw new InvalidInviteError('invite-not-parley');
  const secret = fromBase64Url(value);
  if (!secret || secret.length !== SECRET_BYTES) {
    throw new InvalidInviteError('invite-damaged');
  }
  return secret;
}

export const isInviteFragment = (hash: string): boolean => new URLSearchParams(hash.replace(/^#/, '')).has(PARAM);
