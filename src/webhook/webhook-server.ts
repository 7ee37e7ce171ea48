/**
 * `parley webhook`: the operator's small HTTP server (never part of the Parley server),
 * serving incoming hooks and feeding outgoing ones from a bot's events. It works over
 * `BotOps`, so it runs on a bot of its own process or, through the control socket, on the
 * process that holds the profile.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventJson } from '../bot/bot-events.js';
import type { BotOps } from '../bot/control.js';
import type { Logger } from '../core/logger.js';
import type { WebhookConfig } from './config.js';
import { IncomingHooks } from './incoming.js';
import { MemoryDeliveryQueue, SqliteDeliveryQueue, type DeliveryQueue } from './delivery-queue.js';
import { OutgoingHook, type OutgoingOptions } from './outgoing.js';

export interface WebhookServerOptions {
  readonly config: WebhookConfig;
  readonly ops: BotOps;
  readonly logger: Logger;
  /** How long an incoming post waits for its acknowledgement before answering 202. */
  readonly ackTimeoutMs?: number;
  /** Rate limit of each incoming hook. */
  readonly burst?: number;
  readonly perSecond?: number;
  /** Retry tuning of outgoing hooks. */
  readonly outgoing?: Pick<OutgoingOptions, 'retries' | 'baseDelayMs' | 'timeoutMs'>;
  /**
   * A SQLite file where outgoing deliveries wait, so a restart delivers what was pending
   * (`parley webhook` uses `webhooks.db` in the profile); in memory when not given.
   */
  readonly queueFile?: string;
}

export class WebhookServer {
  readonly outgoing: OutgoingHook[];
  private readonly incoming: IncomingHooks;
  private readonly server: Server;
  private readonly releases: Array<() => void> = [];
  private readonly queue: DeliveryQueue;

  constructor(private readonly options: WebhookServerOptions) {
    const { config, ops, logger } = options;
    this.incoming = new IncomingHooks({
      hooks: config.incoming,
      logger,
      send: (conversation, text) => ops.send(conversation, text, { timeoutMs: options.ackTimeoutMs ?? 10_000 }),
      ...(options.burst ? { burst: options.burst } : {}),
      ...(options.perSecond ? { perSecond: options.perSecond } : {}),
    });
    this.queue = options.queueFile ? new SqliteDeliveryQueue(options.queueFile) : new MemoryDeliveryQueue();
    this.outgoing = config.outgoing.map((hook) => new OutgoingHook({ hook, logger, queue: this.queue, ...options.outgoing }));
    this.server = createServer((req, res) => {
      if (this.incoming.handle(req, res)) return;
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found' }));
    });
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
  }

  /** Subscribes the outgoing hooks, then listens; resolves with the address. */
  async start(): Promise<AddressInfo> {
    const { config, ops } = this.options;
    // What an earlier run left first, then what arrives.
    for (const hook of this.outgoing) hook.start();
    for (const hook of this.outgoing) {
      const conversations = config.outgoing[this.outgoing.indexOf(hook)]!.conversations ?? [];
      this.releases.push(await ops.subscribe(conversations, (event: EventJson) => hook.push(event)));
    }
    // Incoming hooks name their conversations: resolve them now so a typo fails at start.
    for (const hook of config.incoming) await ops.history(hook.conversation, 1);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(config.port, config.host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    for (const release of this.releases.splice(0)) release();
    await Promise.all(this.outgoing.map((hook) => hook.stop()));
    for (const hook of this.outgoing) hook.destroy();
    this.queue.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
