/**
 * The link between nodes when `REDIS_URL` is set (docs/architecture.md §6, scale-out): two
 * Redis connections (one only subscribes, as Redis requires; one publishes and runs
 * commands) and {@link RedisFanout}, which the topic bus, the presence directory and the
 * other buses share.
 *
 * Rules the fan-out keeps:
 * - A node is subscribed to a channel exactly while it has a local listener (`join`/`leave`).
 * - Each message carries its origin node; the origin ignores its own copy, because it
 *   already delivered locally. Every other node gets it once: a connection is either
 *   subscribed to a channel or not, never twice.
 * - Redis down: publishes fail at once (counted, never queued, so memory stays bounded and
 *   nothing stale is replayed); both connections retry every ≤ 1 s; on reconnect the
 *   subscriber subscribes again to every channel with a local listener and `ready` fires,
 *   so the presence directory can resync.
 */
import { randomBytes } from 'node:crypto';
import { ObservableV2 } from 'lib0/observable';
import { Redis } from 'ioredis';
import { LatencyHistogram } from './latency.js';
import type { Logger } from './logger.js';

export interface RedisFanoutEvents {
  /** Both connections are up again after being down (not fired for the first connect). */
  reconnected: () => void;
}

/** Channels per SUBSCRIBE command when resubscribing, to keep each command small. */
const SUBSCRIBE_CHUNK = 500;

/** Counters for `/metrics`. */
export interface FanoutCounters {
  /** Messages published to Redis. */
  published: number;
  /** Publishes dropped because Redis was unreachable. */
  publishErrors: number;
  /** Messages received from other nodes. */
  received: number;
}

export class RedisFanout extends ObservableV2<RedisFanoutEvents> {
  /** This process's id in envelopes: NODE_ID plus a random suffix, so a restarted node is new. */
  readonly origin: string;
  /** Round trips of publishes and commands. */
  readonly latency = new LatencyHistogram('parley_redis_command', 'Redis command round-trip latency.');
  readonly counters: FanoutCounters = { published: 0, publishErrors: 0, received: 0 };
  /** Runs commands and publishes; never queues while disconnected. */
  readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, (payload: Buffer) => void>();
  /** (Un)subscribe commands not yet answered. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly originBytes: Buffer;
  private wasDown = false;
  private closed = false;

  constructor(url: string, nodeId: string, private readonly logger: Logger) {
    super();
    this.origin = `${nodeId}.${randomBytes(4).toString('hex')}`;
    this.originBytes = Buffer.from(this.origin, 'utf8');
    const common = {
      lazyConnect: true,
      // Reconnect fast: clients should see at most a short pause after Redis comes back.
      retryStrategy: (times: number) => Math.min(100 * times, 1000),
      connectionName: `parley:${nodeId}`,
    };
    this.commands = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.subscriber = new Redis(url, { ...common, autoResubscribe: false, enableOfflineQueue: false, maxRetriesPerRequest: null });
    for (const [name, conn] of [['commands', this.commands], ['subscriber', this.subscriber]] as const) {
      // ioredis emits 'error' on every failed connect; unhandled it would kill the process.
      conn.on('error', (err: NodeJS.ErrnoException) => this.logger.warn('redis connection error', { connection: name, code: err.code ?? err.name }));
      conn.on('close', () => {
        if (this.closed || this.wasDown) return;
        this.wasDown = true;
        this.logger.warn('redis connection lost', { connection: name });
      });
      conn.on('ready', () => this.onReady());
    }
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel, message));
  }

  /** Connects both connections; resolves when they are ready or after `timeoutMs` (then keeps trying). */
  async start(timeoutMs = 5000): Promise<void> {
    const ready = (conn: Redis): Promise<void> =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        conn.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
        conn.connect().catch(() => undefined);
      });
    await Promise.all([ready(this.commands), ready(this.subscriber)]);
    if (!this.ready()) this.logger.warn('redis not reachable yet; retrying in the background');
  }

  /** Both connections are up. */
  ready(): boolean {
    return this.commands.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Starts delivering `channel`'s messages from other nodes to `handler` (one per channel). */
  join(channel: string, handler: (payload: Buffer) => void): void {
    if (this.closed) return;
    const fresh = !this.handlers.has(channel);
    this.handlers.set(channel, handler);
    // While disconnected, the ready handler subscribes to everything in `handlers`.
    if (fresh && this.subscriber.status === 'ready') this.track(this.subscriber.subscribe(channel));
  }

  /** Stops receiving `channel` once nothing local listens. */
  leave(channel: string): void {
    if (!this.handlers.delete(channel)) return;
    if (this.subscriber.status === 'ready') this.track(this.subscriber.unsubscribe(channel));
  }

  /** Resolves once every (un)subscribe sent so far has been answered (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(command: Promise<unknown>): void {
    const p = command.catch(() => undefined).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Channels this node is subscribed to (or will be, on reconnect). */
  get channelCount(): number {
    return this.handlers.size;
  }

  /** Sends `payload` to every other node listening on `channel`; false if Redis is down. */
  publish(channel: string, payload: Buffer): boolean {
    if (this.closed || this.commands.status !== 'ready') {
      this.counters.publishErrors++;
      return false;
    }
    this.counters.published++;
    void this.latency.time(() => this.commands.publish(channel, this.envelope(payload))).catch(() => this.counters.publishErrors++);
    return true;
  }

  /**
   * Like {@link publish}, resolving with how many subscribed connections (nodes) Redis
   * handed the message to, this node's own included if it listens; null if Redis is down.
   */
  async publishCounted(channel: string, payload: Buffer): Promise<number | null> {
    if (this.closed || this.commands.status !== 'ready') {
      this.counters.publishErrors++;
      return null;
    }
    this.counters.published++;
    return this.latency.time(() => this.commands.publish(channel, this.envelope(payload))).catch(() => {
      this.counters.publishErrors++;
      return null;
    });
  }

  /** `[origin length][origin][payload]`: lets receivers drop their own messages unread. */
  envelope(payload: Buffer): Buffer {
    const head = Buffer.allocUnsafe(1 + this.originBytes.length);
    head[0] = this.originBytes.length;
    this.originBytes.copy(head, 1);
    return Buffer.concat([head, payload]);
  }

  /** One round trip, timed; rejects when Redis is down. */
  async ping(): Promise<void> {
    await this.latency.time(() => this.commands.ping());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    // QUIT waits for replies to commands already sent (the presence release on shutdown).
    await Promise.all([this.commands, this.subscriber].map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
    super.destroy();
  }

  private onReady(): void {
    if (this.closed || !this.ready()) return;
    const channels = [...this.handlers.keys()];
    for (let i = 0; i < channels.length; i += SUBSCRIBE_CHUNK) this.track(this.subscriber.subscribe(...channels.slice(i, i + SUBSCRIBE_CHUNK)));
    if (!this.wasDown) return;
    this.wasDown = false;
    this.logger.info('redis connection restored', { channels: channels.length });
    this.emit('reconnected', []);
  }

  private onMessage(channel: Buffer, message: Buffer): void {
    const n = message[0];
    if (n === undefined || message.length < 1 + n) return;
    // Our own message coming back: already delivered locally.
    if (n === this.originBytes.length && message.subarray(1, 1 + n).equals(this.originBytes)) return;
    const handler = this.handlers.get(channel.toString('utf8'));
    if (handler === undefined) return;
    this.counters.received++;
    handler(message.subarray(1 + n));
  }
}
