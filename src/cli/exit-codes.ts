/**
 * The CLI's exit codes (documented in README "Command line"): scripts tell failures apart
 * without parsing messages. Each bot error code maps to one of them.
 */
import type { BotErrorCode } from '../bot/errors.js';

export const ExitCode = {
  ok: 0,
  /** Something unexpected; the message says what. */
  failure: 1,
  /** Bad command line: unknown command or option, missing argument. */
  usage: 2,
  /** The profile is not set up: no identity yet, already set up, or no server given. */
  setup: 3,
  /** No such conversation, several match, or not an invite link. */
  conversation: 4,
  /** `send`: saved, but no member or mailbox acknowledged it in time. */
  notAcknowledged: 5,
  /** `join`: no member was online to hand over the history in time. */
  noPeer: 6,
  /** Another process holds the profile and does not answer. */
  profileBusy: 7,
  /** The message is empty or too long. */
  badMessage: 8,
  /** `send --file`: the file is missing, not a file, empty, unreadable or too large. */
  badFile: 9,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const BY_CODE: Readonly<Record<BotErrorCode, ExitCode>> = {
  'no-account': ExitCode.setup,
  'already-initialized': ExitCode.setup,
  'no-server': ExitCode.setup,
  'unknown-conversation': ExitCode.conversation,
  'ambiguous-conversation': ExitCode.conversation,
  'invalid-invite': ExitCode.conversation,
  'not-acknowledged': ExitCode.notAcknowledged,
  'no-peer': ExitCode.noPeer,
  'profile-busy': ExitCode.profileBusy,
  'bad-message': ExitCode.badMessage,
  'bad-file': ExitCode.badFile,
};

export const exitCodeOf = (code: BotErrorCode): ExitCode => BY_CODE[code];
