/**
 * Errors of the bot library and the CLI, each with a `code`; the CLI maps codes to its
 * documented exit codes (cli/exit-codes.ts) and says what to do in words of its own.
 */
export const BotErrorCodes = [
  /** The profile has no identity yet (run `parley init`, or pass a name). */
  'no-account',
  /** `init` on a profile that already has an identity. */
  'already-initialized',
  /** No server given and none saved in the profile. */
  'no-server',
  /** No conversation matches the id, title or invite given (detail.ref). */
  'unknown-conversation',
  /** Several conversations match (detail.ref). */
  'ambiguous-conversation',
  /** The text is not a Parley invite link. */
  'invalid-invite',
  /** The message is saved but no member or mailbox acknowledged it in time. */
  'not-acknowledged',
  /** The conversation's history did not arrive in time (no member online). */
  'no-peer',
  /** Another process holds the profile and could not be reached (detail.pid). */
  'profile-busy',
  /** Text empty or over the limit. */
  'bad-message',
  /** A file to send is missing, not a file, empty, unreadable or over the server's cap (detail.path). */
  'bad-file',
] as const;
export type BotErrorCode = (typeof BotErrorCodes)[number];

export class BotError extends Error {
  override readonly name = 'BotError';
  constructor(
    readonly code: BotErrorCode,
    message: string,
    readonly detail: Readonly<Record<string, string | number>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
