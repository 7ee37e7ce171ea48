/**
 * The words people see for every error code (docs/architecture.md §11). Core, client and
 * PWA code throw errors with a `code` and primitive `detail`; this is the one module that
 * turns them into sentences, so wording changes in one place and no raw browser or
 * library message ever reaches the screen.
 */
import type { ClientErrorCode, ErrorDetail } from '../client/errors.js';
import type { EventErrorCode } from '../core/events.js';
import type { ContactLinkErrorCode } from '../core/identity/contact-link.js';
import type { InviteErrorCode } from '../core/invite.js';
import type { PushFailure } from '../pwa/push-subscription.js';
import type { AvatarErrorCode } from './avatar-image.js';

/** Every code an error shown in the UI can carry. */
export type ErrorCode = ClientErrorCode | EventErrorCode | ContactLinkErrorCode | InviteErrorCode | AvatarErrorCode | 'device-link-damaged' | 'certificate-expired';

type Words = string | ((detail: ErrorDetail) => string);

const STORAGE_WHAT: Record<string, string> = {
  account: 'Could not save your account on this device.',
  conversation: 'Could not save the conversation on this device.',
  message: 'Could not save the message on this device; it may be lost if you close the app.',
  file: 'Could not store the file on this device: it may be full. Free some space and try again.',
};

/** Bytes in the units people read: 1.5 MB, 200 MB. */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

const ACTION_WHERE: Record<string, string> = {
  'remove-device': 'Remove devices from the device where you created your account.',
  'add-contact': 'Add contacts from the device where you created your account.',
  'link-device': 'Link new devices from the device where you created your account.',
};

const WORDS: Record<ErrorCode, Words> = {
  'not-registered': 'Choose a name first.',
  'name-empty': 'Enter a name.',
  'name-too-long': (d) => `Names are at most ${d.max} characters.`,
  'avatar-invalid': 'This avatar cannot be used. Choose a PNG or JPEG picture.',
  'already-registered': 'This device already has an account.',
  'storage-failed': (d) => STORAGE_WHAT[String(d.what)] ?? 'Could not save on this device.',
  'needs-first-device': (d) => ACTION_WHERE[String(d.action)] ?? 'Do this from the device where you created your account.',
  'cannot-remove-self': 'This device cannot remove itself.',
  // Core raises it (CertificateExpiredError) before any peer would refuse the write (docs/architecture.md §4.8).
  'certificate-expired': 'This device needs a renewal before it can send. Open Parley on the device where you created your account; it renews this one by itself.',
  'unknown-contact': 'Unknown contact.',
  'own-contact-link': 'This is your own contact link.',
  'contact-blocked': (d) => `You blocked ${d.name}. Unblock them first.`,
  'no-such-request': 'There is no such contact request.',
  'contacts-unavailable': 'Could not load your contacts. Check your connection and try again.',
  'empty-message': 'Write something first.',
  'empty-edit': 'An edited message cannot be empty; delete it instead.',
  'message-gone': 'That message is gone.',
  'not-author': 'Only the device that wrote a message can change it.',
  'link-timeout': 'The other device did not answer. Open a new link on it and try again.',
  'file-empty': (d) => `${d.name} is empty: there is nothing to send.`,
  'file-too-large': (d) => `${d.name} is too large to send: files can be at most ${sizeText(Number(d.max))}.`,
  'file-unreadable': (d) => `${d.name} could not be read. It may have been moved or deleted.`,
  'media-budget': (d) => `${d.name} would take this conversation's media past this device's budget of ${sizeText(Number(d.max))}. Clear downloaded media or raise the budget in Settings.`,
  'mailbox-file-refused': (d) => `The server did not keep ${d.name} for members who are offline: ${d.reason}. They get it directly from a member who has it, when one is online.`,
  'not-admin': 'Only admins of this group can do that.',
  'not-member': 'You are not a member of this conversation.',
  'no-device-key': 'This device is still setting up its keys. Reload and try again.',
  'conversation-left': 'You left this conversation.',
  'conversation-removed': 'You were removed from this conversation.',
  'invite-expired': 'This invite link has expired. Ask for a new one.',
  'invite-revoked': 'This invite link was revoked. Ask for a new one.',
  'invite-unknown': 'This invite link is not valid for any group. Ask for a new one.',
  'join-declined': 'An admin turned down your request to join.',
  'join-timeout': 'Nobody from the group answered. Try again when someone is online.',
  'joins-unavailable': 'Could not load joining a group. Check your connection and try again.',
  'message-too-long': (d) => `This message is too long: ${d.length?.toLocaleString('en')} characters, at most ${d.max?.toLocaleString('en')}. Your text is kept; shorten it to send.`,
  'invalid-event': 'This could not be sent.',
  'contact-link-not-parley': 'This is not a Parley contact link.',
  'contact-link-damaged': 'This contact link is damaged, or from a newer version of Parley.',
  'invite-not-parley': 'This is not a Parley invite link.',
  'invite-damaged': 'This invite link is damaged: check that it was copied completely.',
  'invite-wrong-secret': 'This invite link does not open any conversation: it was changed after it was made. Ask for a new link.',
  'device-link-damaged': 'This device link is damaged or incomplete.',
  'avatar-not-image': 'Choose an image file for your avatar.',
  'avatar-unreadable': 'This image cannot be read. Try a PNG or JPEG.',
  'avatar-no-canvas': 'This browser cannot draw images.',
  'avatar-too-detailed': 'This image is too detailed to make a small avatar from.',
};

/** Why push notifications could not be set up, in words. */
export const PUSH_FAILURE_TEXT: Record<PushFailure, string> = {
  'no-server-key': 'the server is not set up for notifications',
  'server-refused': 'the server did not accept this device',
  'push-service-unreachable': 'this browser could not reach its push service',
};

/** Said for anything without a code: never the raw message of an unknown error. */
export const UNKNOWN_ERROR_TEXT = 'Something went wrong. Please try again.';

/** The code of an error, if it carries one this module knows. */
export function errorCode(error: unknown): ErrorCode | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(WORDS, code) ? (code as ErrorCode) : null;
}

/** The sentence shown for an error. */
export function errorText(error: unknown): string {
  const code = errorCode(error);
  if (!code) return UNKNOWN_ERROR_TEXT;
  const words = WORDS[code];
  const detail = (error as { detail?: ErrorDetail }).detail ?? {};
  return typeof words === 'function' ? words(detail) : words;
}
