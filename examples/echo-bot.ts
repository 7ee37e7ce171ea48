/**
 * Echo bot: answers every message with the same text. The smallest useful ParleyBot.
 *
 *   npx parley init --name "Echo" --profile ./echo-profile --server https://parley.example.org
 *   npx parley join 'https://parley.example.org/#join=…' --profile ./echo-profile
 *   npx tsx examples/echo-bot.ts ./echo-profile
 */
import { pathToFileURL } from 'node:url';
import { ParleyBot, type ParleyBotOptions } from 'parley/bot';

/** Starts the bot; the caller stops it with `bot.stop()`. */
export async function startEchoBot(options: ParleyBotOptions): Promise<ParleyBot> {
  const bot = await ParleyBot.start(options);
  bot.on('message', async (msg) => {
    await msg.reply(`Echo: ${msg.text}`);
  });
  return bot;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bot = await startEchoBot({ profile: process.argv[2] ?? process.env.PARLEY_PROFILE });
  process.stderr.write(`${bot.name} echoes in ${bot.conversations().length} conversation(s); Ctrl-C to stop.\n`);
  const stop = (): void => void bot.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
