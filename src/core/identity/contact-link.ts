/**
 * Contact links: `…#contact=<payload>`. The payload carries the public identity keys, the
 * name to suggest, and a link secret from which the owner's *contact inbox* topic and key
 * are derived. Anyone holding the link can ask to connect; nobody else can even find the
 * inbox. It sits in the fragment, so the server never sees it.
 */
import { concatBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../bytes.js';
import { MAX_NAME } from '../events.js';
import { CONTACT_LINK_PARAM as PARAM, LINK_SECRET_BYTES } from './contact-link-fragment.js';
import type { IdentityId, PublicIdentity } from './keys.js';

const VERSION = 1;

export interface ContactCard {
  readonly identity: PublicIdentity;
  readonly name: string;
  /** Opens the owner's contact inbox. */
  readonly linkSecret: Uint8Array;
}

/** Why a contact link was refused; the UI words each code (core holds no UI copy). */
export type ContactLinkErrorCode = 'contact-link-not-parley' | 'contact-link-damaged';

export class InvalidContactLinkError extends Error {
  override readonly name = 'InvalidContactLinkError';
  constructor(readonly code: ContactLinkErrorCode, message: string = code, options?: ErrorOptions) {
    super(message, options);
  }
}

export function contactLink(appUrl: string, card: ContactCard): string {
  const bytes = concatBytes(
    Uint8Array.of(VERSION),
    fromBase64Url(card.identity.sign)!,
    fromBase64Url(card.identity.dh)!,
    card.linkSecret,
    utf8(card.name.slice(0, MAX_NAME)),
  );
  return `${appUrl.split('#')[0]}#${PARAM}=${toBase64Url(bytes)}`;
}

export function parseContactLink(text: string): ContactCard {
  const trimmed = text.trim();
  const hash = trimmed.includes('#') ? trimmed.slice(trimmed.indexOf('#') + 1) : trimmed;
  const value = new URLSearchParams(hash).get(PARAM);
  if (!value) throw new InvalidContactLinkError('contact-link-not-parley', 'not a Parley contact link');
  const bytes = fromBase64Url(value);
  const min = 1 + 32 + 32 + LINK_SECRET_BYTES;
  if (!bytes || bytes.length < min || bytes[0] !== VERSION) {
    throw new InvalidContactLinkError('contact-link-damaged', 'contact link damaged, or from a newer version');
  }
  let name: string;
  try {
    name = fromUtf8(bytes.subarray(min)).slice(0, MAX_NAME);
  } catch {
    throw new InvalidContactLinkError('contact-link-damaged', 'contact link damaged: its name is not valid UTF-8');
  }
  return {
    identity: { sign: toBase64Url(bytes.subarray(1, 33)) as IdentityId, dh: toBase64Url(bytes.subarray(33, 65)) },
    linkSecret: bytes.slice(65, min),
    name,
  };
}
