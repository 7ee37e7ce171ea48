/**
 * How a command reaches the profile: it opens the profile itself (its own `ParleyBot`,
 * serving the control socket while it runs), or, when another process holds the profile
 * (a running `listen` or `webhook`), asks that process through the control socket.
 */
import { ParleyBot } from '../bot/parley-bot.js';
import { ControlClient, type BotOps } from '../bot/control.js';
import { localOps } from '../bot/control-server.js';
import { defaultProfileDir, ProfileError } from '../node/profile.js';
import type { Logger } from '../core/logger.js';
import type { CliArgs } from './args.js';

export interface CliSession {
  readonly ops: BotOps;
  /** This process's own bot; null when another process holds the profile. */
  readonly bot: ParleyBot | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Hand events to listeners (listen, webhooks); one-shot commands do not. */
  readonly listen?: boolean;
  /** Create the identity with this name; fails if the profile has one. */
  readonly init?: string;
  readonly conversations?: readonly string[];
}

export async function openSession(args: CliArgs, logger: Logger, options: OpenOptions = {}): Promise<CliSession> {
  const profile = args.profile ?? defaultProfileDir();
  try {
    const bot = await ParleyBot.start({
      profile,
      logger,
      listen: options.listen ?? false,
      ...(args.server ? { server: args.server } : {}),
      ...(options.init ? { name: options.init, init: true } : {}),
      ...(options.conversations ? { conversations: options.conversations } : {}),
      ...(args.relayOnly ? { direct: false } : {}),
    });
    return { ops: localOps(bot), bot, close: () => bot.stop() };
  } catch (error) {
    if (!(error instanceof ProfileError) || error.code !== 'profile-busy') throw error;
    const client = await ControlClient.connect(profile, error.holder);
    return {
      ops: client,
      bot: null,
      close: async () => client.close(),
    };
  }
}
