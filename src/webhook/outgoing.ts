/**
 * Outgoing webhooks: each event of the chosen conversations is POSTed as JSON (the
 * `parley listen --json` line) to the operator's URL, signed the GitHub way:
 * `X-Parley-Signature-256: sha256=HEX(HMAC-SHA256(secret, raw body))`, with
 * `X-Parley-Event` (its type) and `X-Parley-Delivery` (the event id, the same on retries,
 * so a receiver can drop a repeat).
 *
 * Deliveries go one at a time per hook, in order. A network error, a timeout, 429 or any
 * 5xx is retried with exponential backoff (base × 2ⁿ, capped at MAX_DELAY_MS, up to
 * `retries` times); any other status is final. Waiting deliveries live in a
 * `DeliveryQueue` — a SQLite file for `parley webhook`, so a restart delivers what was
 * pending, at least once — bounded at MAX_QUEUE per hook: past it the oldest waiting event
 * is dropped with a warning rather than growing without limit while a receiver is down.
 */
import { createHmac } from 'node:crypto';
import { ObservableV2 } from 'lib0/observable';
import type { EventJson } from '../bot/bot-events.js';
import { Disposables } from '../core/lifecycle.js';
import { errorField, type Logger } from '../core/logger.js';
import type { OutgoingHookConfig } from './config.js';
import { MemoryDeliveryQueue, type DeliveryQueue, type QueuedDelivery } from './delivery-queue.js';

export const SIGNATURE_HEADER = 'X-Parley-Signature-256';
export const MAX_QUEUE = 1000;
/** Longest wait between two attempts, however many came before. */
export const MAX_DELAY_MS = 5 * 60_000;

/** `sha256=…` for a body: what the receiver recomputes and compares. */
export const signBody = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export interface OutgoingOptions {
  readonly hook: OutgoingHookConfig;
  readonly logger: Logger;
  /** Attempts after the first (default 5). */
  readonly retries?: number;
  /** First retry delay; doubles each time (default 1 s). */
  readonly baseDelayMs?: number;
  /** Per-attempt timeout (default 10 s). */
  readonly timeoutMs?: number;
  /** Where deliveries wait (memory when not given); shared by the hooks of one server. */
  readonly queue?: DeliveryQueue;
  readonly now?: () => number;
}

export type DeliveryOutcome = 'delivered' | 'refused' | 'gave-up' | 'dropped';

export type OutgoingEvents = {
  /** One event's delivery ended: `status` is the last HTTP status (0 for a network error). */
  settled: (event: EventJson, outcome: DeliveryOutcome, status: number) => void;
};

export class OutgoingHook extends ObservableV2<OutgoingEvents> {
  private readonly queue: DeliveryQueue;
  /** The hook's key in the queue: its URL, so pending deliveries survive a secret rotation. */
  private readonly key: string;
  private readonly now: () => number;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly disposables = new Disposables();
  private readonly abort = new AbortController();

  /** Wires only; deliveries left from an earlier run start in `start()`. */
  constructor(private readonly options: OutgoingOptions) {
    super();
    this.queue = options.queue ?? new MemoryDeliveryQueue();
    this.key = options.hook.url;
    this.now = options.now ?? Date.now;
  }

  /** Delivers what an earlier run left in the queue. */
  start(): this {
    this.kick();
    return this;
  }

  /** Deliveries waiting for this hook (including one being attempted). */
  get pending(): number {
    return this.queue.count(this.key);
  }

  /** Queues an event if the hook wants its type (once per event id). */
  push(event: EventJson): void {
    if (this.stopped) return;
    const { events } = this.options.hook;
    if (events && !events.includes(event.type)) return;
    if (this.queue.count(this.key) >= MAX_QUEUE) {
      const dropped = this.queue.next(this.key)!;
      this.queue.remove(dropped.seq);
      this.options.logger.warn('outgoing hook queue full; dropped the oldest event', { url: this.options.hook.url, id: dropped.delivery });
      this.settle(dropped, 'dropped', 0);
    }
    this.queue.add(this.key, event.id, JSON.stringify(event), this.now());
    this.kick();
  }

  /** Stops delivering and waits for an attempt under way to end; the queue keeps the rest. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.disposables.dispose();
    await this.running;
  }

  override destroy(): void {
    void this.stop();
    super.destroy();
  }

  private settle(row: QueuedDelivery, outcome: DeliveryOutcome, status: number): void {
    this.emit('settled', [JSON.parse(row.body) as EventJson, outcome, status]);
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.run().finally(() => (this.running = null));
  }

  private async run(): Promise<void> {
    for (let row = this.queue.next(this.key); row && !this.stopped; row = this.queue.next(this.key)) {
      const wait = row.due - this.now();
      if (wait > 0) await this.sleep(wait);
      else await this.attempt(row);
    }
  }

  private async attempt(row: QueuedDelivery): Promise<void> {
    const { hook, logger } = this.options;
    let status = 0;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Parley-Webhook',
          [SIGNATURE_HEADER]: signBody(hook.secret, row.body),
          'X-Parley-Event': (JSON.parse(row.body) as EventJson).type,
          'X-Parley-Delivery': row.delivery,
        },
        body: row.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs ?? 10_000), this.abort.signal]),
      });
      status = res.status;
      await res.body?.cancel();
      if (res.ok) return this.finish(row, 'delivered', status);
      if (status !== 429 && status < 500) {
        logger.warn('outgoing hook refused an event', { url: hook.url, status, id: row.delivery });
        return this.finish(row, 'refused', status);
      }
    } catch (error) {
      // Stopped mid-attempt: the delivery stays queued as it was, for the next start.
      if (this.stopped) return;
      logger.info('outgoing hook attempt failed', { url: hook.url, attempt: row.attempts, error: errorField(error) });
    }
    const attempts = row.attempts + 1;
    if (attempts > (this.options.retries ?? 5)) {
      logger.warn('outgoing hook gave up on an event', { url: hook.url, status, id: row.delivery });
      return this.finish(row, 'gave-up', status);
    }
    const delay = Math.min(MAX_DELAY_MS, (this.options.baseDelayMs ?? 1000) * 2 ** (attempts - 1));
    this.queue.retry(row.seq, attempts, this.now() + delay);
  }

  private finish(row: QueuedDelivery, outcome: DeliveryOutcome, status: number): void {
    this.queue.remove(row.seq);
    this.settle(row, outcome, status);
  }

  /** Resolves after `ms`, or at once when the hook stops (the registration goes either way). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => release(), ms);
      const release = this.disposables.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
