/**
 * A transport whose real implementation is loaded on first use. WebRTC code (simple-peer and
 * its shims) is a large part of the bundle and nothing needs it before a peer appears, so
 * the page starts without it. Signals that arrive while it loads are queued in order.
 */
import type { SignalableTransport } from './mesh.js';
import type { PeerTransportEvents } from './transport.js';

export class DeferredTransport implements SignalableTransport {
  events: PeerTransportEvents = {};
  private inner: SignalableTransport | null = null;
  private readonly queued: unknown[] = [];
  private low = 0;
  private closed = false;

  constructor(load: () => Promise<SignalableTransport>) {
    load().then(
      (inner) => {
        if (this.closed) {
          inner.close();
          return;
        }
        this.inner = inner;
        // Listeners were installed on this object; the real transport reports through them.
        inner.events = this.events;
        inner.lowWaterMark = this.low;
        for (const signal of this.queued.splice(0)) inner.signal(signal);
      },
      (error) => this.fail(`transport failed to load: ${(error as Error).message}`),
    );
  }

  signal(signal: unknown): void {
    if (this.inner) this.inner.signal(signal);
    else if (!this.closed) this.queued.push(signal);
  }

  send(bytes: Uint8Array): void {
    this.inner?.send(bytes);
  }

  get bufferedAmount(): number {
    return this.inner?.bufferedAmount ?? 0;
  }

  get lowWaterMark(): number {
    return this.low;
  }

  set lowWaterMark(value: number) {
    this.low = value;
    if (this.inner) this.inner.lowWaterMark = value;
  }

  fingerprints(): { local: string; remote: string } {
    return this.inner?.fingerprints() ?? { local: '', remote: '' };
  }

  close(): void {
    if (this.inner) this.inner.close();
    else this.fail('closed locally');
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queued.length = 0;
    this.events.onClose?.(reason);
  }
}
