/**
 * Reminder bot: "/remind 10m stand-up" answers "OK" at once and "⏰ stand-up" ten minutes
 * later, as a reply to the request. Units: s, m, h, d. Reminders live in memory: a restart
 * forgets those not yet due.
 *
 *   npx tsx examples/remind-bot.ts ./remind-profile
 */
import { pathToFileURL } from 'node:url';
import { ParleyBot, type ParleyBotOptions } from 'parley/bot';

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Longest reminder: a timer further out than this is not worth keeping in memory. */
export const MAX_DELAY_MS = 7 * 86_400_000;

/** `{ delayMs, text }` for "/remind 10m text", or null if the message is not a reminder request. */
export function parseRemind(message: string): { delayMs: number; text: string } | null {
  const match = /^\/remind\s+(\d{1,6})([smhd])\s+(.+)$/s.exec(message.trim());
  if (!match) return null;
  const delayMs = Number(match[1]) * UNITS[match[2]!]!;
  if (delayMs <= 0 || delayMs > MAX_DELAY_MS) return null;
  return { delayMs, text: match[3]!.trim() };
}

export interface RemindBot {
  readonly bot: ParleyBot;
  /** Cancels the reminders not yet due and stops the bot. */
  stop(): Promise<void>;
}

export async function startRemindBot(options: ParleyBotOptions): Promise<RemindBot> {
  const bot = await ParleyBot.start(options);
  const timers = new Set<ReturnType<typeof setTimeout>>();
  bot.on('message', async (msg) => {
    if (!msg.text.startsWith('/remind')) return;
    const request = parseRemind(msg.text);
    if (!request) {
      await msg.reply('Usage: /remind 10m text (s, m, h or d; at most 7 days)');
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      msg.reply(`⏰ ${request.text}`).catch(() => undefined);
    }, request.delayMs);
    timers.add(timer);
    await msg.reply(`OK, in ${Math.round(request.delayMs / 1000)} s: ${request.text}`);
  });
  return {
    bot,
    async stop() {
      for (const t of timers) clearTimeout(t);
      await bot.stop();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const remind = await startRemindBot({ profile: process.argv[2] ?? process.env.PARLEY_PROFILE });
  process.stderr.write(`${remind.bot.name} takes /remind requests; Ctrl-C to stop.\n`);
  const stop = (): void => void remind.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
