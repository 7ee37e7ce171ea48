/**
 * The command line: `parley COMMAND [ARGS] [OPTIONS]`, parsed with node:util. Unknown
 * options and missing arguments are usage errors (exit code 2) before anything is opened.
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: parley COMMAND [ARGS] [OPTIONS]

Commands:
  init --name NAME              create this profile's identity; print its contact link and safety number
  whoami                        print the profile's name, identity, contact link and safety number
  create [TITLE]                create a group conversation; print its id and invite link
  join INVITE_LINK              join a conversation and wait for its history
  send CONVERSATION TEXT        send; exit 0 once a member or the mailbox acknowledged it
  send CONVERSATION [CAPTION] --file PATH
                                send a file; exit 0 once a member's device holds all of it
  react CONVERSATION MESSAGE_ID EMOJI
  listen [CONVERSATION...]      print each new message, edit, delete and reaction until interrupted
  conversations                 list this profile's conversations
  history CONVERSATION          print the newest messages (--limit N, default 20)
  webhook --config FILE         run incoming and outgoing webhooks (README "Webhooks")

CONVERSATION is an invite link, an id (or its first 6+ characters) or an exact title.

Options:
  --profile DIR     profile directory (default PARLEY_PROFILE or ~/.parley)
  --server URL      Parley server (default: the profile's last one, else PARLEY_SERVER)
  --json            JSON output (one JSON line per event for listen)
  --quiet           no progress or confirmations; errors still go to stderr
  --timeout SEC     how long send waits for the acknowledgement (and a file's fetch to move) and
                    join for the history (default 30)
  --file PATH       send: a file to send (up to the server's limit, 200 MB by default)
  --reply-to ID     send: the message this one answers
  --limit N         history: how many messages (default 20)
  --relay-only      no WebRTC: every link through the server's relay
  -h, --help        this text

Exit codes: 0 ok, 1 unexpected failure, 2 usage, 3 profile not set up (no identity, already
set up, no server), 4 unknown or ambiguous conversation or bad invite, 5 not acknowledged in
time, 6 no member online to hand over history, 7 profile busy, 8 message empty or too long,
9 file missing, empty, unreadable or too large.
`;

export const COMMANDS = ['init', 'whoami', 'create', 'join', 'send', 'react', 'listen', 'conversations', 'history', 'webhook', 'help'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliArgs {
  readonly command: Command;
  readonly positionals: readonly string[];
  readonly profile: string | undefined;
  readonly server: string | undefined;
  readonly name: string | undefined;
  readonly config: string | undefined;
  readonly file: string | undefined;
  readonly replyTo: string | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly relayOnly: boolean;
  readonly timeoutMs: number;
  readonly limit: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const positive = (value: string | undefined, what: string, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} must be a positive number, not "${value}"`);
  return n;
};

const ARITY: Readonly<Record<Command, readonly [min: number, max: number]>> = {
  init: [0, 0],
  whoami: [0, 0],
  create: [0, 1],
  join: [1, 1],
  send: [2, 2],
  react: [3, 3],
  listen: [0, Infinity],
  conversations: [0, 0],
  history: [1, 1],
  webhook: [0, 0],
  help: [0, 1],
};

export function parseCli(argv: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        profile: { type: 'string' },
        server: { type: 'string' },
        name: { type: 'string' },
        config: { type: 'string' },
        file: { type: 'string' },
        'reply-to': { type: 'string' },
        timeout: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        'relay-only': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (cause) {
    throw new UsageError((cause as Error).message, { cause });
  }
  const { values, positionals } = parsed;
  const [word = 'help', ...rest] = positionals;
  if (!(COMMANDS as readonly string[]).includes(word)) throw new UsageError(`unknown command "${word}"`);
  const command = values.help ? 'help' : (word as Command);
  const [min, max] = command === 'send' && values.file !== undefined ? [1, 2] : ARITY[command];
  if (rest.length < min || rest.length > max) throw new UsageError(`${command}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${rest.length}`);
  if (command === 'init' && !values.name?.trim()) throw new UsageError('init needs --name NAME');
  if (values.file !== undefined && command !== 'send') throw new UsageError('--file goes with send');
  if (values.file !== undefined && !values.file) throw new UsageError('--file needs a path');
  if (command === 'webhook' && !values.config) throw new UsageError('webhook needs --config FILE');
  return {
    command,
    positionals: rest,
    profile: values.profile,
    server: values.server,
    name: values.name?.trim(),
    config: values.config,
    file: values.file,
    replyTo: values['reply-to'],
    json: values.json,
    quiet: values.quiet,
    relayOnly: values['relay-only'],
    timeoutMs: positive(values.timeout, '--timeout', 30) * 1000,
    limit: Math.floor(positive(values.limit, '--limit', 20)),
  };
}
