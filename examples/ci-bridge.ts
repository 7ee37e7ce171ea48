/**
 * CI bridge: a generic JSON-in webhook. Your CI POSTs
 * `{"pipeline": "web", "status": "passed", "branch": "main", "url": "https://ci/123"}` to
 * `/hooks/TOKEN` and the conversation reads "✅ web passed on main — https://ci/123".
 * Token, rate limit and body cap are those of `parley webhook` (the same IncomingHooks).
 *
 *   CI_TOKEN=$(openssl rand -hex 16) npx tsx examples/ci-bridge.ts ./ci-profile CONVERSATION 8788
 *   curl -X POST -d '{"pipeline":"web","status":"failed"}' localhost:8788/hooks/$CI_TOKEN
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { ParleyBot, type ParleyBotOptions } from 'parley/bot';
import { IncomingHooks } from 'parley/webhook';

const ICONS: Readonly<Record<string, string>> = { passed: '✅', success: '✅', failed: '❌', failure: '❌', cancelled: '⚪', running: '🔄', started: '🔄' };

/** The message for a CI payload, or null when it has no pipeline or status. */
export function ciText(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const { pipeline, status, branch, url } = body as Record<string, unknown>;
  if (typeof pipeline !== 'string' || typeof status !== 'string' || !pipeline || !status) return null;
  const where = typeof branch === 'string' && branch ? ` on ${branch}` : '';
  const link = typeof url === 'string' && /^https?:\/\//.test(url) ? ` — ${url}` : '';
  return `${ICONS[status.toLowerCase()] ?? '•'} ${pipeline} ${status}${where}${link}`;
}

export interface CiBridge {
  readonly bot: ParleyBot;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startCiBridge(options: ParleyBotOptions & { token: string; conversation: string; port?: number }): Promise<CiBridge> {
  const bot = await ParleyBot.start({ ...options, listen: false });
  const hooks = new IncomingHooks({
    hooks: [{ token: options.token, conversation: options.conversation }],
    send: (conversation, text) => bot.send(conversation, text, { timeoutMs: 10_000 }),
    toText: ciText,
    logger: { info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) },
  });
  const server: Server = createServer((req, res) => {
    if (!hooks.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  return {
    bot,
    port: (server.address() as AddressInfo).port,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await bot.stop();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [profile, conversation, port] = process.argv.slice(2);
  const token = process.env.CI_TOKEN;
  if (!profile || !conversation || !token || token.length < 16) {
    process.stderr.write('usage: CI_TOKEN=<16+ characters> tsx examples/ci-bridge.ts PROFILE CONVERSATION [PORT]\n');
    process.exit(2);
  }
  const bridge = await startCiBridge({ profile, conversation, token, port: Number(port ?? 8788) });
  process.stderr.write(`CI bridge on http://127.0.0.1:${bridge.port}/hooks/…; Ctrl-C to stop.\n`);
  const stop = (): void => void bridge.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
