/** `parley webhook --config FILE`: runs the webhook server until interrupted. */
import path from 'node:path';
import { BotError } from '../bot/errors.js';
import { defaultProfileDir } from '../node/profile.js';
import { readWebhookConfig, WebhookConfigError } from '../webhook/config.js';
import { WebhookServer } from '../webhook/webhook-server.js';
import type { CliArgs } from './args.js';
import { UsageError } from './args.js';
import type { CliIo } from './commands.js';
import { openSession } from './session.js';

export async function runWebhooks(args: CliArgs, io: CliIo): Promise<void> {
  let config;
  try {
    config = readWebhookConfig(args.config!);
  } catch (error) {
    if (error instanceof WebhookConfigError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  const session = await openSession(args, io.logger, { listen: true });
  try {
    // Pending outgoing deliveries survive a restart in the profile directory.
    const queueFile = path.join(path.resolve(args.profile ?? defaultProfileDir()), 'webhooks.db');
    const server = new WebhookServer({ config, ops: session.ops, logger: io.logger, queueFile });
    const address = await server.start().catch((error: unknown) => {
      if (error instanceof BotError) throw error;
      throw new UsageError(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, { cause: error });
    });
    const line = { listening: `http://${address.address}:${address.port}`, incoming: config.incoming.length, outgoing: config.outgoing.length };
    if (args.json) io.out(JSON.stringify(line));
    else if (!args.quiet) io.err(`Webhooks on ${line.listening} (${line.incoming} incoming, ${line.outgoing} outgoing); Ctrl-C to stop.`);
    await io.interrupted;
    await server.close();
  } finally {
    await session.close();
  }
}
