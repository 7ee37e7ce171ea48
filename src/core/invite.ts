/**
 * Invite links (docs/architecture.md §4.5). The link carries, in its fragment only — which
 * browsers never send to a server — a 32-byte invite secret and the invite's expiry. The
 * secret is not a conversation key: it only opens the sealed channel where a joining
 * device asks the group's members to let it in.
 */
import { fromBase64Url, toBase64Url } from './bytes.js';
import { SECRET_BYTES } from './keys.js';

const PARAM = 'join';
const EXPIRY = 'x';

/** Why an invite was refused; the UI words each code (core holds no UI copy). */
/** The purpose an invite's secret derives its sealed request channel for (keys.ts `deriveChannel`). */
export const INVITE_PURPOSE = 'group invite';

export type InviteErrorCode = 'invite-not-parley' | 'invite-damaged' | 'invite-wrong-secret';

export class InvalidInviteError extends Error {
  override readonly name = 'InvalidInviteError';
  constructor(readonly code: InviteErrorCode, options?: ErrorOptions) {
    super(code, options);
  }
}

export interface Invite {
  readonly secret: Uint8Array;
  /** ms since epoch; the link says so, and members check their own record of it. */
  readonly expires: number;
}

export function inviteUrl(appUrl: string, invite: Invite): string {
  const base = appUrl.split('#')[0]!;
  return `${base}#${PARAM}=${toBase64Url(invite.secret)}&${EXPIRY}=${invite.expires.toString(36)}`;
}

/** Accepts a full link or just its fragment. Throws InvalidInviteError when it is not a Parley invite. */
export function parseInvite(text: string): Invite {
  const trimmed = text.trim();
  const hash = trimmed.includes('#') ? trimmed.slice(trimmed.indexOf('#') + 1) : trimmed;
  const params = new URLSearchParams(hash);
  const value = params.get(PARAM);
  if (!value) throw new InvalidInviteError('invite-not-parley');
  const secret = fromBase64Url(value);
  const expiry = params.get(EXPIRY);
  const expires = expiry && /^[0-9a-z]{1,12}$/.test(expiry) ? parseInt(expiry, 36) : NaN;
  if (!secret || secret.length !== SECRET_BYTES || !Number.isSafeInteger(expires)) {
    throw new InvalidInviteError('invite-damaged');
  }
  return { secret, expires };
}

export const isInviteFragment = (hash: string): boolean => new URLSearchParams(hash.replace(/^#/, '')).has(PARAM);
