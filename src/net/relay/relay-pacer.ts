/**
 * Paces relay frames under the socket's relay budget (docs/protocol.md §1.1, §1.2). The
 * server closes a socket that outruns its token bucket, so every relay link of the socket
 * shares one bucket here, at 90% of the rate the server stated (3 MiB/s with a 1 MiB burst
 * when it stated none: under the default server budget of 4 MiB/s with a 4 MiB burst).
 * Frames over the budget wait in order; the links' credit windows bound how many.
 */
import { RELAY_HEADER_BYTES } from '../../core/wire/signaling.js';
import { Disposables } from '../../core/lifecycle.js';
import type { RelayBudget, SignalingPort } from '../signaling-port.js';

export const DEFAULT_RELAY_BUDGET: RelayBudget = { bytesPerSecond: 3 * 1024 * 1024, burstBytes: 1024 * 1024 };

export class RelayPacer {
  private tokens = 0;
  private lastRefill = 0;
  private budgetOf: RelayBudget | null = null;
  private readonly waiting: Array<{ readonly to: string; readonly record: Uint8Array }> = [];
  private cancelFlush: (() => void) | null = null;
  private readonly owned = new Disposables();

  constructor(
    private readonly port: SignalingPort,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Frames waiting for budget (tests). */
  get queued(): number {
    return this.waiting.length;
  }

  /** Sends now if the budget allows, else queues; false only when the socket cannot relay at all. */
  send(to: string, record: Uint8Array): boolean {
    if (this.port.relayAddress === null) return false;
    if (this.waiting.length === 0 && this.take(record.length + RELAY_HEADER_BYTES)) return this.port.sendRelay(to, record);
    this.waiting.push({ to, record });
    this.scheduleFlush();
    return true;
  }

  /** Drops what waits (the socket went away; the links fail on their own). */
  reset(): void {
    this.waiting.length = 0;
    this.cancelFlush?.();
    this.cancelFlush = null;
    this.budgetOf = null;
  }

  destroy(): void {
    this.reset();
    this.owned.dispose();
  }

  private budget(): { rate: number; burst: number } {
    const stated = this.port.relayBudget;
    if (stated !== this.budgetOf) {
      // A new socket (or budget): start with a full bucket, as the server does.
      this.budgetOf = stated;
      this.tokens = Math.floor(0.5 * (stated ?? DEFAULT_RELAY_BUDGET).burstBytes);
      this.lastRefill = this.now();
    }
    const b = stated ?? DEFAULT_RELAY_BUDGET;
    return stated ? { rate: 0.9 * b.bytesPerSecond, burst: 0.5 * b.burstBytes } : { rate: b.bytesPerSecond, burst: b.burstBytes };
  }

  private take(bytes: number): boolean {
    const { rate, burst } = this.budget();
    const now = this.now();
    this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    // A frame larger than the whole burst still goes once the bucket is full.
    if (this.tokens < Math.min(bytes, burst)) return false;
    this.tokens -= bytes;
    return true;
  }

  private scheduleFlush(): void {
    if (this.cancelFlush) return;
    const { rate } = this.budget();
    const next = this.waiting[0];
    const needed = next ? Math.max(0, next.record.length + RELAY_HEADER_BYTES - this.tokens) : 0;
    this.cancelFlush = this.owned.timeout(() => {
      this.cancelFlush = null;
      this.flush();
    }, Math.max(1, Math.ceil((needed / rate) * 1000)));
  }

  private flush(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (!this.take(next.record.length + RELAY_HEADER_BYTES)) return this.scheduleFlush();
      this.waiting.shift();
      if (!this.port.sendRelay(next.to, next.record)) return this.reset();
    }
  }
}
