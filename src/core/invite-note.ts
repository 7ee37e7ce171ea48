/**
 * The inviter's name in an invite link (docs/architecture.md §11). A link may carry the
 * display name of whoever made it, AES-GCM sealed under a key derived from the
 * invite secret and kept, like the secret, in the URL fragment, which never reaches
 * a server. Opening it does two things: the first-launch screen can say "NAME invited you"
 * before the person has an account, and a link whose secret was altered is refused
 * (the name no longer opens) instead of creating an empty conversation nobody else is in.
 * Links without a name (older ones, or typed by hand) carry no such check.
 */
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.js';
import { MAX_NAME } from './events.js';
import { InvalidInviteError, parseInvite, type Invite } from './invite.js';
import { deriveChannel } from './keys.js';
import { open, seal } from './sealed.js';

const PARAM = 'from';
const PURPOSE = 'invite-name';
const AAD = utf8('parley invite name v1');
/** A sealed name is at most 12 + 4·64 + 16 bytes; anything longer is not ours. */
const MAX_SEALED_CHARS = 400;

export interface InviteContents {
  readonly invite: Invite;
  /** The inviter's display name, when the link carries one. */
  readonly inviter: string | null;
}

/** An invite link (from `inviteUrl`) with the inviter's name added, sealed under its secret. */
export async function namedInviteUrl(link: string, name: string): Promise<string> {
  const { key } = await deriveChannel(parseInvite(link).secret, PURPOSE);
  const sealed = await seal(key, utf8(name.slice(0, MAX_NAME)), AAD);
  return `${link}&${PARAM}=${toBase64Url(sealed)}`;
}

/**
 * Reads an invite link or its fragment. Throws InvalidInviteError: 'invite-not-parley' or
 * 'invite-damaged' as `parseInvite` does, and 'invite-wrong-secret' when the link's name
 * does not open under its secret (the secret was changed).
 */
export async function readInvite(text: string): Promise<InviteContents> {
  const invite = parseInvite(text);
  const trimmed = text.trim();
  const fragment = trimmed.includes('#') ? trimmed.slice(trimmed.indexOf('#') + 1) : trimmed;
  const value = new URLSearchParams(fragment).get(PARAM);
  if (value === null) return { invite, inviter: null };
  const sealed = value.length <= MAX_SEALED_CHARS ? fromBase64Url(value) : null;
  if (!sealed) throw new InvalidInviteError('invite-damaged');
  const { key } = await deriveChannel(invite.secret, PURPOSE);
  let name: string;
  try {
    name = fromUtf8(await open(key, sealed, AAD));
  } catch (cause) {
    throw new InvalidInviteError('invite-wrong-secret', { cause });
  }
  // Only what a member could have chosen as a name: printable, not empty, not too long.
  const clean = name.replace(/\p{Cc}/gu, '').trim().slice(0, MAX_NAME);
  return { invite, inviter: clean.length > 0 ? clean : null };
}
