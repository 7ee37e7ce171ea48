/**
 * A manual-flush PeerTransport pair for unit tests of the sync logic (tldraw's
 * TestSocketPair, yjs's TestConnector): messages queue until `flush()`, so tests decide
 * exactly when delivery happens. It also models a send buffer for backpressure tests.
 */
import type { PeerTransport, PeerTransportEvents } from '../../src/net/transport.js';

export class MemoryTransport implements PeerTransport {
  events: PeerTransportEvents = {};
  lowWaterMark = 0;
  peer: MemoryTransport | null = null;
  readonly inbox: Uint8Array[] = [];
  readonly sentSizes: number[] = [];
  closed = false;
  fingerprint: string;

  constructor(name: string) {
    this.fingerprint = `sha-256 ${name}`;
  }

  get bufferedAmount(): number {
    return this.peer ? this.peer.inbox.reduce((n, m) => n + m.length, 0) : 0;
  }

  send(bytes: Uint8Array): void {
    if (this.closed || !this.peer) return;
    this.sentSizes.push(bytes.length);
    this.peer.inbox.push(bytes.slice());
  }

  fingerprints(): { local: string; remote: string } {
    return { local: this.fingerprint, remote: this.peer?.fingerprint ?? '' };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.onClose?.('closed locally');
    const peer = this.peer;
    if (peer && !peer.closed) {
      peer.closed = true;
      peer.events.onClose?.('remote closed');
    }
  }

  open(): void {
    this.events.onOpen?.();
  }

  /** Delivers queued messages; returns how many were delivered. */
  flush(): number {
    let n = 0;
    while (this.inbox.length > 0 && !this.closed) {
      const message = this.inbox.shift()!;
      n++;
      this.events.onMessage?.(message);
      this.peer?.events.onDrain?.();
    }
    return n;
  }
}

export function transportPair(): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport('A');
  const b = new MemoryTransport('B');
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
