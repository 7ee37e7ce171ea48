/**
 * A transport whose real implementation is loaded on first use. WebRTC code (simple-peer and
 * its shims) is a large part of the bundle and nothing needs it before a peer appears, so
 * the page starts without it. Signals that arrive while it loads are queued in order; the
 * inner transport's events are re-emitted from this one.
 */
import { Disposables } from '../core/lifecycle.js';
import type { BulkLane } from './files/bulk-lane.js';
import { MAX_CHUNK } from './framing.js';
import { TransportBase, type ChannelBinding, type PathKind, type SignalableTransport } from './transport.js';

export class DeferredTransport extends TransportBase implements SignalableTransport {
  private inner: SignalableTransport | null = null;
  private readonly queued: unknown[] = [];
  private low = 0;
  private readonly listeners = new Disposables();

  constructor(
    private readonly load: () => Promise<SignalableTransport>,
    readonly kind: PathKind = 'direct',
  ) {
    super();
  }

  /** Starts loading the real transport. */
  start(): this {
    this.load().then(
      (inner) => this.adopt(inner),
      () => this.markClosed('load-failed'),
    );
    return this;
  }

  /** The loaded transport, once there (tests and diagnostics). */
  get loaded(): SignalableTransport | null {
    return this.inner;
  }

  signal(signal: unknown): void {
    if (this.inner) this.inner.signal(signal);
    else if (!this.isClosed) this.queued.push(signal);
  }

  send(bytes: Uint8Array): void {
    this.inner?.send(bytes);
  }

  get maxMessage(): number {
    return this.inner?.maxMessage ?? MAX_CHUNK;
  }

  get bulk(): BulkLane | null {
    return this.inner?.bulk ?? null;
  }

  wantBulk(): void {
    this.inner?.wantBulk?.();
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

  binding(): ChannelBinding {
    return this.inner?.binding() ?? { local: '', remote: '' };
  }

  close(): void {
    this.queued.length = 0;
    const inner = this.inner;
    this.listeners.dispose();
    inner?.close();
    this.markClosed('closed-locally');
  }

  private adopt(inner: SignalableTransport): void {
    if (this.isClosed) {
      inner.close();
      return;
    }
    this.inner = inner;
    this.listeners.listenTo(inner).on('open', () => this.markOpen());
    this.listeners.listenTo(inner).on('message', (bytes) => this.deliver(bytes));
    this.listeners.listenTo(inner).on('drain', () => this.markDrained());
    this.listeners.listenTo(inner).on('close', (reason) => {
      this.listeners.dispose();
      this.markClosed(reason);
    });
    inner.lowWaterMark = this.low;
    for (const signal of this.queued.splice(0)) inner.signal(signal);
    if (inner.isClosed) this.markClosed('closed-by-remote');
    else if (inner.isOpen) this.markOpen();
  }
}
