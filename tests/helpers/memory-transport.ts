/**
 * A manual-flush PeerTransport pair for unit tests of the sync logic (tldraw's
 * TestSocketPair, yjs's TestConnector): messages queue until `flush()`, so tests decide
 * exactly when delivery happens. It also models a send buffer for backpressure tests: what
 * one side sent and the other has not flushed counts as the sender's `bufferedAmount`.
 */
import { TransportBase, type ChannelBinding, type PathKind, type PeerTransport } from '../../src/net/transport.js';

let pairs = 0;

export class MemoryTransport extends TransportBase implements PeerTransport {
  lowWaterMark = 0;
  peer: MemoryTransport | null = null;
  readonly inbox: Uint8Array[] = [];
  readonly sentSizes: number[] = [];

  constructor(
    readonly name: string,
    readonly kind: PathKind = 'direct',
    /** As the real paths: the relay carries 16 KiB chunks, a data channel 256 KiB. */
    readonly maxMessage = kind === 'relay' ? 16 * 1024 + 64 : 256 * 1024,
  ) {
    super();
  }

  get bufferedAmount(): number {
    return this.peer?.inbox.reduce((n, m) => n + m.length, 0) ?? 0;
  }

  send(bytes: Uint8Array): void {
    if (this.isClosed || !this.peer || this.peer.isClosed) return;
    if (bytes.length > this.maxMessage) throw new RangeError(`${bytes.length} bytes exceed this path's ${this.maxMessage}`);
    this.sentSizes.push(bytes.length);
    this.peer.inbox.push(bytes.slice());
  }

  binding(): ChannelBinding {
    return { local: this.name, remote: this.peer?.name ?? '' };
  }

  close(): void {
    if (!this.markClosed('closed-locally')) return;
    const peer = this.peer;
    if (peer && !peer.isClosed) peer.closeFromRemote();
  }

  /**
   * Only this end fails (its socket dropped): the remote is not told, and what it had not
   * read yet stays counted in this end's `bufferedAmount`, as a relay's unacknowledged bytes.
   */
  failAlone(): void {
    this.markClosed('connection-failed');
  }

  /** Both ends report `open` (each end's own event; call `openOne` for one side only). */
  open(): void {
    this.markOpen();
    this.peer?.markOpen();
  }

  /** Only this end reports `open`: the remote's may come later. */
  openOne(): void {
    this.markOpen();
  }

  /** Delivers queued messages; returns how many were delivered. */
  flush(): number {
    let n = 0;
    while (this.inbox.length > 0 && !this.isClosed) {
      const message = this.inbox.shift()!;
      n++;
      this.deliver(message);
      const sender = this.peer;
      if (sender && sender.bufferedAmount <= sender.lowWaterMark) sender.markDrained();
    }
    return n;
  }

  private closeFromRemote(): void {
    this.markClosed('closed-by-remote');
  }
}

/** Two connected ends with unique names (bindings), so every pair is a distinct channel. */
export function transportPair(kind: PathKind = 'direct'): [MemoryTransport, MemoryTransport] {
  const id = ++pairs;
  const a = new MemoryTransport(`${kind}-${id}-A`, kind);
  const b = new MemoryTransport(`${kind}-${id}-B`, kind);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Flushes both directions until nothing moves. */
export function flushAll(...transports: MemoryTransport[]): number {
  let total = 0;
  for (let moved = 1; moved > 0; ) {
    moved = 0;
    for (const t of transports) moved += t.flush();
    total += moved;
  }
  return total;
}
