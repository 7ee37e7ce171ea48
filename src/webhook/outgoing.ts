/**
 * Outgoing webhooks: each event of the chosen conversations is POSTed as JSON (the
 * `parley listen --json` line) to the operator's URL, signed the GitHub way:
 * `X-Parley-Signature-256: sha256=HEX(HMAC-SHA256(secret, raw body))`, with
 * `X-Parley-Event` (its type) and `X-Parley-Delivery` (the event id, the same on retries,
 * so a receiver can drop a repeat).
 *
 * Deliveries go one at a time per hook, in order. A network error, a timeout, 429 or any
 * 5xx is retried with exponential backoff (base × 2ⁿ, up to `retries` times); any other
 * status is final. The queue is bounded: past MAX_QUEUE the oldest waiting event is dropped
 * with a warning rather than growing without limit while a receiver is down. Pending
 * deliveries live in memory only: a restart loses what had not been delivered.
 */
import { createHmac } from 'node:crypto';
import { ObservableV2 } from 'lib0/observable';
import type { EventJson } from '../bot/bot-events.js';
import { Disposables } from '../core/lifecycle.js';
import { errorField, type Logger } from '../core/logger.js';
import type { OutgoingHookConfig } from './config.js';

export const SIGNATURE_HEADER = 'X-Parley-Signature-256';
export const MAX_QUEUE = 1000;

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
}

export type DeliveryOutcome = 'delivered' | 'refused' | 'gave-up' | 'dropped';

export type OutgoingEvents = {
  /** One event's delivery ended: `status` is the last HTTP status (0 for a network error). */
  settled: (event: EventJson, outcome: DeliveryOutcome, status: number) => void;
};

export class OutgoingHook extends ObservableV2<OutgoingEvents> {
  private readonly queue: EventJson[] = [];
  private running = false;
  private stopped = false;
  private readonly disposables = new Disposables();

  constructor(private readonly options: OutgoingOptions) {
    super();
  }

  /** Queues an event if the hook wants its type. */
  push(event: EventJson): void {
    if (this.stopped) return;
    const { events } = this.options.hook;
    if (events && !events.includes(event.type)) return;
    if (this.queue.length >= MAX_QUEUE) {
      const dropped = this.queue.shift()!;
      this.options.logger.warn('outgoing hook queue full; dropped the oldest event', { url: this.options.hook.url, id: dropped.id });
      this.settle(dropped, 'dropped', 0);
    }
    this.queue.push(event);
    if (!this.running) void this.run();
  }

  /** Stops delivering; what is still queued is lost. */
  override destroy(): void {
    this.stopped = true;
    this.disposables.dispose();
    super.destroy();
  }

  private settle(event: EventJson, outcome: DeliveryOutcome, status: number): void {
    this.emit('settled', [event, outcome, status]);
  }

  private async run(): Promise<void> {
    this.running = true;
    while (!this.stopped && this.queue.length > 0) {
      const event = this.queue.shift()!;
      await this.deliver(event);
    }
    this.running = false;
  }

  private async deliver(event: EventJson): Promise<void> {
    const { hook, logger } = this.options;
    const body = JSON.stringify(event);
    const retries = this.options.retries ?? 5;
    let status = 0;
    for (let attempt = 0; attempt <= retries && !this.stopped; attempt++) {
      if (attempt > 0) await this.sleep((this.options.baseDelayMs ?? 1000) * 2 ** (attempt - 1));
      if (this.stopped) break;
      try {
        const res = await fetch(hook.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'Parley-Webhook',
            [SIGNATURE_HEADER]: signBody(hook.secret, body),
            'X-Parley-Event': event.type,
            'X-Parley-Delivery': event.id,
          },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        status = res.status;
        await res.body?.cancel();
        if (res.ok) return this.settle(event, 'delivered', status);
        if (status !== 429 && status < 500) {
          logger.warn('outgoing hook refused an event', { url: hook.url, status, id: event.id });
          return this.settle(event, 'refused', status);
        }
      } catch (error) {
        status = 0;
        logger.info('outgoing hook attempt failed', { url: hook.url, attempt, error: errorField(error) });
      }
    }
    logger.warn('outgoing hook gave up on an event', { url: hook.url, status, id: event.id });
    this.settle(event, 'gave-up', status);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.disposables.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
