/**
 * The commands of `parley`. Each writes its result to stdout (human-readable, or one JSON
 * value with --json), progress to stderr unless --quiet, and throws on failure (main.ts
 * turns errors into stderr lines and exit codes).
 */
import type { EventJson } from '../bot/bot-events.js';
import { BotError } from '../bot/errors.js';
import type { Logger } from '../core/logger.js';
import type { CliArgs } from './args.js';
import { formatConversations, formatEvent, formatHistory, formatInfo } from './format.js';
import { openSession, type CliSession } from './session.js';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /**
   * Replaces the current status line (a terminal: in place; otherwise one line each);
   * `null` ends it.
   */
  readonly status: (line: string | null) => void;
  readonly logger: Logger;
  /** Resolves when the user interrupts (SIGINT/SIGTERM). */
  readonly interrupted: Promise<void>;
}

const json = (value: unknown): string => JSON.stringify(value);

async function withSession<T>(args: CliArgs, io: CliIo, run: (s: CliSession) => Promise<T>, options: Parameters<typeof openSession>[2] = {}): Promise<T> {
  const session = await openSession(args, io.logger, options);
  try {
    return await run(session);
  } finally {
    await session.close();
  }
}

export async function runCommand(args: CliArgs, io: CliIo): Promise<void> {
  const [first = '', second = '', third = ''] = args.positionals;
  const progress = (line: string): void => {
    if (!args.quiet) io.err(line);
  };
  switch (args.command) {
    case 'init':
      return withSession(
        args,
        io,
        async (s) => {
          if (!s.bot) throw new BotError('already-initialized', 'this profile is in use by another process, so it has an identity already');
          const info = await s.ops.info();
          io.out(args.json ? json(info) : formatInfo(info));
        },
        { init: args.name! },
      );
    case 'whoami':
      return withSession(args, io, async (s) => {
        const info = await s.ops.info();
        io.out(args.json ? json(info) : formatInfo(info));
      });
    case 'create':
      return withSession(args, io, async (s) => {
        const made = await s.ops.create(first);
        io.out(args.json ? json(made) : `${made.id}\n${made.invite}`);
      });
    case 'join':
      return withSession(args, io, async (s) => {
        progress('Joining; waiting for a member to hand over the history…');
        const percent = (p: { received: number; expected: number }): string => (p.expected > 0 ? ` ${Math.floor((100 * p.received) / p.expected)}%` : '');
        const joined = await s.ops
          .join(first, args.timeoutMs, (p) => {
            if (!args.quiet) io.status(`History: ${p.phase === 'receiving' ? 'receiving' : 'checking'} ${p.received.toLocaleString('en-US')}/${p.expected.toLocaleString('en-US')}${percent(p)}`);
          })
          .finally(() => io.status(null));
        io.out(args.json ? json(joined) : `Joined ${joined.title || '(untitled)'} (${joined.id})`);
      });
    case 'send':
      if (args.file !== undefined) return sendFile(args, io, args.file);
      return withSession(args, io, async (s) => {
        const sent = await s.ops.send(first, second, { timeoutMs: args.timeoutMs, ...(args.replyTo ? { replyTo: args.replyTo } : {}) });
        if (args.json) io.out(json(sent));
        else if (!args.quiet) io.out(`Sent ${sent.id}`);
      });
    case 'react':
      return withSession(args, io, async (s) => {
        await s.ops.react(first, second, third);
        if (!args.quiet && !args.json) io.out('Reacted');
      });
    case 'conversations':
      return withSession(args, io, async (s) => {
        const list = await s.ops.conversations();
        io.out(args.json ? json(list) : formatConversations(list));
      });
    case 'history':
      return withSession(args, io, async (s) => {
        const messages = await s.ops.history(first, args.limit);
        io.out(args.json ? json(messages) : formatHistory(messages));
      });
    case 'listen':
      return listen(args, io);
    case 'webhook': {
      const { runWebhooks } = await import('./webhook-command.js');
      return runWebhooks(args, io);
    }
    case 'help':
      return;
  }
}

/** Files over this size show a progress line while members fetch them. */
const PROGRESS_BYTES = 1024 * 1024;
const mb = (bytes: number): string => (bytes / 1_000_000).toFixed(1);

/** `send --file`: exits once a member's device holds the whole file, reporting progress. */
async function sendFile(args: CliArgs, io: CliIo, file: string): Promise<void> {
  const [conversation = '', caption = ''] = args.positionals;
  await withSession(args, io, async (s) => {
    const sent = await s.ops
      .sendFile(conversation, file, { caption, timeoutMs: args.timeoutMs }, (p) => {
        if (args.quiet || p.total < PROGRESS_BYTES) return;
        io.status(p.phase === 'waiting' ? `Sending ${p.name} (${mb(p.total)} MB): waiting for a member to fetch it…` : `Sending ${p.name}: ${mb(p.sent)} of ${mb(p.total)} MB (${Math.floor((100 * p.sent) / p.total)}%)`);
      })
      .finally(() => io.status(null));
    if (args.json) io.out(json(sent));
    else if (!args.quiet) io.out(`Sent ${sent.name} (${sent.size.toLocaleString('en-US')} bytes) as ${sent.id}`);
  });
}

/** Prints events until interrupted; the signaling client reconnects by itself meanwhile. */
async function listen(args: CliArgs, io: CliIo): Promise<void> {
  const print = (event: EventJson): void => io.out(args.json ? json(event) : formatEvent(event));
  const refs = args.positionals;
  await withSession(
    args,
    io,
    async (s) => {
      let release: () => void;
      if (s.bot) {
        const bot = s.bot;
        const { eventJson } = await import('../bot/bot-events.js');
        const listener = (e: Parameters<typeof eventJson>[0]): void => print(eventJson(e));
        bot.on('event', listener);
        release = () => bot.off('event', listener);
        // Only once followed: what arrives before that would not count as new. A conversation
        // whose document fails to load never counts as followed, so this waits 30 s at most.
        await Promise.race([bot.following(), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
      } else {
        release = await s.ops.subscribe(refs, print);
      }
      if (!args.quiet) io.err('Listening; Ctrl-C to stop.');
      await io.interrupted;
      release();
    },
    { listen: true, ...(refs.length > 0 ? { conversations: refs } : {}) },
  );
}
