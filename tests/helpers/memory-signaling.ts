/**
 * In-memory stand-ins for the signaling server and for WebRTC, for unit tests of the mesh
 * (docs/architecture.md §5). Everything is delivered asynchronously (a macrotask later), in
 * order, like a WebSocket; tests can cut sessions off, drop messages and make direct paths
 * fail, as a symmetric NAT would.
 *
 * - `MemorySignalingHub` is the server: topics (publish reaches every subscriber, the sender
 *   included) and relay addresses with binary relay frames (docs/protocol.md §1.2).
 * - `MemoryWebRtc` makes `SignalableTransport`s that pair through signals: the initiator
 *   sends an offer, the other side answers, and both ends open — unless direct paths are
 *   blocked (then they never open, or fail after `failAfterMs`).
 */
import { ObservableV2 } from 'lib0/observable';
import type { SignalingPort, SignalingPortEvents, SignalingStatus } from '../../src/net/signaling-port.js';
import type { SignalableTransport } from '../../src/net/transport.js';
import type { TransportFactory } from '../../src/net/mesh.js';
import { MemoryTransport } from './memory-transport.js';

const later = (fn: () => void): void => void setTimeout(fn, 0);
const hex = (n: number): string => n.toString(16).padStart(32, '0');

export class MemorySignalingHub {
  private readonly ports = new Set<MemorySignalingPort>();
  private nextAddress = 1;
  /** Every publish, for assertions (topic and data exactly as sent). */
  readonly published: Array<{ topic: string; data: unknown; from: MemorySignalingPort }> = [];
  /** Relay frames that passed through, for assertions and attacks. */
  readonly relayed: Array<{ from: string; to: string; payload: Uint8Array }> = [];
  /** Return false to drop a publish (a lossy or hostile server). */
  filter: (topic: string, data: unknown, from: MemorySignalingPort) => boolean = () => true;
  /** Rewrites or drops relay frames in flight (a hostile server); identity by default. */
  relayFilter: (frame: { from: string; to: string; payload: Uint8Array }) => { from: string; to: string; payload: Uint8Array } | null = (f) => f;

  port(): MemorySignalingPort {
    const port = new MemorySignalingPort(this);
    this.ports.add(port);
    return port;
  }

  /** @internal */
  publish(from: MemorySignalingPort, topic: string, data: unknown): void {
    this.published.push({ topic, data, from });
    if (!this.filter(topic, data, from)) return;
    for (const port of this.ports) if (port.subscribed(topic)) later(() => port.receive(topic, data));
  }

  /** @internal */
  relay(from: string, to: string, payload: Uint8Array): void {
    const frame = this.relayFilter({ from, to, payload: payload.slice() });
    if (!frame) return;
    this.relayed.push(frame);
    const target = [...this.ports].find((p) => p.relayAddress === frame.to);
    const sender = [...this.ports].find((p) => p.relayAddress === frame.from);
    later(() => {
      if (target && target.relayAddress === frame.to) target.receiveRelay(frame.from, frame.payload);
      else sender?.receiveGone(frame.to);
    });
  }

  /** Sends a relay frame as if from `from` (a hostile server injecting). */
  inject(from: string, to: string, payload: Uint8Array): void {
    const target = [...this.ports].find((p) => p.relayAddress === to);
    later(() => target?.receiveRelay(from, payload));
  }

  /** @internal */
  allocate(): string {
    return hex(this.nextAddress++);
  }

  /** @internal */
  forget(port: MemorySignalingPort): void {
    this.ports.delete(port);
  }
}

export class MemorySignalingPort extends ObservableV2<SignalingPortEvents> implements SignalingPort {
  private readonly topics = new Set<string>();
  private currentStatus: SignalingStatus = 'disconnected';
  private address: string | null = null;

  constructor(
    private readonly hub: MemorySignalingHub,
    private readonly relay = true,
  ) {
    super();
  }

  get status(): SignalingStatus {
    return this.currentStatus;
  }

  get relayAddress(): string | null {
    return this.address;
  }

  /** The in-memory server states no budget (clients use their default). */
  readonly relayBudget = null;

  subscribed(topic: string): boolean {
    return this.currentStatus === 'connected' && this.topics.has(topic);
  }

  /** Connects (again): topics are restored, a fresh relay address is bound. */
  connect(): this {
    this.currentStatus = 'connected';
    this.emit('status', ['connected']);
    if (this.relay) {
      this.address = this.hub.allocate();
      this.emit('relay-address', [this.address]);
    }
    return this;
  }

  /** The socket drops: no more messages either way until `connect`. */
  disconnect(): void {
    this.currentStatus = 'disconnected';
    this.address = null;
    this.emit('relay-address', [null]);
    this.emit('status', ['disconnected']);
  }

  subscribe(topic: string): void {
    this.topics.add(topic);
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }

  /** Topics currently subscribed (tests assert on leaving). */
  get topicCount(): number {
    return this.topics.size;
  }

  publish(topic: string, data: unknown): boolean {
    if (this.currentStatus !== 'connected') return false;
    this.hub.publish(this, topic, data);
    return true;
  }

  sendRelay(to: string, payload: Uint8Array): boolean {
    if (this.currentStatus !== 'connected' || this.address === null) return false;
    this.hub.relay(this.address, to, payload);
    return true;
  }

  override destroy(): void {
    this.hub.forget(this);
    super.destroy();
  }

  /** @internal */
  receive(topic: string, data: unknown): void {
    if (this.subscribed(topic)) this.emit('message', [topic, data]);
  }

  /** @internal */
  receiveRelay(from: string, payload: Uint8Array): void {
    if (this.currentStatus === 'connected') this.emit('relay', [from, payload]);
  }

  /** @internal */
  receiveGone(addr: string): void {
    if (this.currentStatus === 'connected') this.emit('relay-gone', [addr]);
  }
}

/** A direct-path transport that pairs through offer/answer signals. */
export class MemoryPeerTransport extends MemoryTransport implements SignalableTransport {
  /** Signals this transport received (tests check forged ones are refused upstream). */
  readonly signals: unknown[] = [];

  constructor(
    private readonly net: MemoryWebRtc,
    readonly initiator: boolean,
    private readonly onSignal: (signal: unknown) => void,
  ) {
    super(`direct-${net.nextName()}`, 'direct');
  }

  /** @internal */
  start(): void {
    if (this.initiator) this.net.offer(this, this.onSignal);
  }

  signal(signal: unknown): void {
    this.signals.push(signal);
    this.net.signal(this, signal, this.onSignal);
  }
}

type PairSignal = { type: 'offer' | 'answer'; id: number };

/** WebRTC in memory: pairs transports whose signals meet, and auto-flushes them. */
export class MemoryWebRtc {
  /** When set, direct paths never open (symmetric NATs with no TURN). */
  blocked = false;
  /** With `blocked`: fail (ICE failed) after this long instead of never opening. */
  failAfterMs: number | null = null;
  /** Delay before a paired direct path opens (ICE taking its time). */
  openAfterMs = 0;
  private names = 0;
  private readonly offers = new Map<number, MemoryPeerTransport>();
  readonly transports: MemoryPeerTransport[] = [];

  /** The factory the mesh takes. */
  readonly factory: TransportFactory = ({ initiator, onSignal }) => {
    const t = new MemoryPeerTransport(this, initiator, onSignal);
    this.transports.push(t);
    later(() => t.start());
    return t;
  };

  /** @internal */
  nextName(): number {
    return ++this.names;
  }

  /** @internal */
  offer(t: MemoryPeerTransport, send: (s: unknown) => void): void {
    const id = this.nextName();
    this.offers.set(id, t);
    send({ type: 'offer', id } satisfies PairSignal);
  }

  /** @internal */
  signal(t: MemoryPeerTransport, raw: unknown, send: (s: unknown) => void): void {
    const s = raw as Partial<PairSignal>;
    if (s.type === 'offer' && typeof s.id === 'number') {
      const initiator = this.offers.get(s.id);
      if (!initiator) return;
      send({ type: 'answer', id: s.id } satisfies PairSignal);
      initiator.peer = t;
      t.peer = initiator;
    } else if (s.type === 'answer' && typeof s.id === 'number' && this.offers.get(s.id) === t) {
      this.offers.delete(s.id);
      const other = t.peer;
      if (!other) return;
      if (this.blocked) {
        if (this.failAfterMs !== null) setTimeout(() => t.close(), this.failAfterMs);
        return;
      }
      setTimeout(() => {
        autoFlush(t);
        autoFlush(other);
        t.open();
      }, this.openAfterMs);
    }
  }
}

/** Makes a memory transport deliver by itself, a macrotask after each send. */
export function autoFlush(t: MemoryTransport): void {
  const send = t.send.bind(t);
  t.send = (bytes: Uint8Array) => {
    send(bytes);
    const peer = t.peer;
    if (peer) later(() => peer.flush());
  };
}
