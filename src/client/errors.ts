/**
 * Errors the client reports to the UI. Each carries a `code` (what went wrong, for the UI to
 * put in words: `src/ui/error-text.ts` is the only place with that copy), optional `detail`
 * values the words may mention, and its `cause` for the log. The `message` is for developers.
 */

export const ClientErrorCodes = [
  /** No account on this device yet. */
  'not-registered',
  /** Registration with a blank name. */
  'name-empty',
  /** Registration with a name over MAX_NAME (detail.max). */
  'name-too-long',
  /** A profile change with an avatar that is not a small image data: URL. */
  'avatar-invalid',
  /** Linking a device that already has an account. */
  'already-registered',
  /** IndexedDB refused a write (detail.what: 'account' | 'conversation' | 'message'). */
  'storage-failed',
  /** Only the device holding the identity keys may do this (detail.action). */
  'needs-first-device',
  /** A device asked to remove itself. */
  'cannot-remove-self',
  /** No contact with that identity. */
  'unknown-contact',
  /** The user pasted their own contact link. */
  'own-contact-link',
  /** Adding someone the user blocked (detail.name). */
  'contact-blocked',
  /** Accepting a request that is not there. */
  'no-such-request',
  /** The contact book's code could not load (the page loads it after the list). */
  'contacts-unavailable',
  /** Sending only whitespace. */
  'empty-message',
  /** Saving an edit that is only whitespace. */
  'empty-edit',
  /** The target message was deleted or never arrived. */
  'message-gone',
  /** Editing or deleting a message another device wrote. */
  'not-author',
  /** The other device never answered a device-link request. */
  'link-timeout',
  /** Sending a file of 0 bytes (detail.name). */
  'file-empty',
  /** Sending a file over the cap (detail.name, detail.max in bytes). */
  'file-too-large',
  /** The browser could not read a picked file (detail.name). */
  'file-unreadable',
  /** The server's mailbox would not keep a file for offline members (detail.name, detail.reason: the server's words). */
  'mailbox-file-refused',
  /** A file would take a conversation's media past this device's budget (detail.name, detail.max in bytes, detail.conversation). */
  'media-budget',
  /** A membership change only an admin may make. */
  'not-admin',
  /** This user is not (or no longer) a member of the conversation. */
  'not-member',
  /** This device has no X25519 key yet (an account from before epochs, not restarted). */
  'no-device-key',
  /** This user left the conversation: it is read-only. */
  'conversation-left',
  /** This user, or this device, was removed from the conversation. */
  'conversation-removed',
  /** The invite link expired (detail.expired: ms since epoch). */
  'invite-expired',
  /** The invite was revoked by a member. */
  'invite-revoked',
  /** Nobody in the group knows this invite. */
  'invite-unknown',
  /** An admin turned the join request down. */
  'join-declined',
  /** No member answered the join request in time. */
  'join-timeout',
  /** The code that asks to join could not load (it loads on first use). */
  'joins-unavailable',
] as const;
export type ClientErrorCode = (typeof ClientErrorCodes)[number];

/** Primitive values an error's words may mention, e.g. a name or a limit. */
export type ErrorDetail = Readonly<Record<string, string | number>>;

export class ClientError extends Error {
  override readonly name: string = 'ClientError';
  readonly code: ClientErrorCode;
  readonly detail: ErrorDetail;

  constructor(code: ClientErrorCode, options: { cause?: unknown; detail?: ErrorDetail; message?: string } = {}) {
    super(options.message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = options.detail ?? {};
  }
}
