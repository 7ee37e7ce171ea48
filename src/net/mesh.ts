/**
 * The peer mesh (ARCHITECTURE §5): one connection per remote session, multiplexing every
 * conversation the two sessions share.
 *
 * Rendezvous: each conversation's topic carries sealed `announce` and `signal` messages.
 * The session with the smaller id always initiates, so two sessions that announce at the
 * same moment never both send offers (glare). The larger one answers a broadcast announce
 * with an announce addressed to the smaller one.
 *
 * Membership: a connection is only a pipe. Each conversation is joined on it separately,
 * with a proof of the conversation secret bound to the connection's DTLS fingerprints; a
 * bad proof drops the connection. Sync starts once both sides have proven membership.
 */
import type { TabSync } from './tab-sync.js';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { fromHex, toHex } from '../core/bytes.js';
import { newSessionId, type SessionId, type Topic } from '../core/ids.js';
import type { ConversationKeys } from '../core/keys.js';
import { Backoff } from './backoff.js';
import { FrameKinds, type Frame } from './framing.js';
import { proveMembership, verifyMembership } from './membership.js';
import { PeerLink } from './peer-link.js';
import type { Handshake, RoomPolicy } from './policy.js';
import { openRendezvous, sealRendezvous, type RendezvousMessage } from './rendezvous.js';
import { RoomSync } from './room-sync.js';
import type { SignalingClient } from './signaling-client.js';
import type { PeerTransport } from './transport.js';

/** A transport that is still being negotiated: it accepts the remote's signals. */
export interface SignalableTransport extends PeerTransport {
  signal(signal: unknown): void;
}

export type TransportFactory = (options: { initiator: boolean; onSignal: (signal: unknown) => void }) => SignalableTransport;

export interface MeshOptions {
  readonly signaling: SignalingClient;
  readonly createTransport: TransportFactory;
  /** Proves this device's identity on each connection and checks the remote's. */
  readonly handshake: Handshake;
  readonly sessionId?: SessionId;
  /** A connection that is not open after this long is abandoned and retried. */
  readonly connectTimeoutMs?: number;
  /** How often rooms without peers announce again, in case an announce was lost. */
  readonly reannounceMs?: number;
  /** Other tabs of this browser profile; every room syncs with them too. */
  readonly tabs?: TabSync | null;
}

interface RoomEntry {
  readonly keys: ConversationKeys;
  readonly sync: RoomSync;
  /** Sessions that proved (by sealing for this topic) that they are in this conversation. */
  readonly seen: Set<SessionId>;
}

interface LinkEntry {
  readonly remote: SessionId;
  readonly link: PeerLink;
  readonly transport: SignalableTransport;
  /** Topic whose signaling key carries this connection's WebRTC signals. */
  readonly signalTopic: Topic;
  /** Joins queued (proof being computed) or sent. */
  readonly joinedOut: Set<Topic>;
  /** Joins actually sent: only after ours went out may sync frames follow. */
  readonly joinSent: Set<Topic>;
  readonly joinedIn: Set<Topic>;
  /** Our hello went out; joins may follow it. */
  helloSent: boolean;
  /** Frames are processed strictly in order, even when one needs async crypto. */
  chain: Promise<void>;
  connectTimer: ReturnType<typeof setTimeout> | null;
}

export type MeshEvents = {
  /** Number of sessions with an open connection changed. */
  onLinks?: (count: number) => void;
};

export class Mesh {
  readonly session: SessionId;
  events: MeshEvents = {};
  private readonly rooms = new Map<Topic, RoomEntry>();
  private readonly links = new Map<SessionId, LinkEntry>();
  private readonly retry = new Map<SessionId, Backoff>();
  /**
   * Sessions and devices dropped for misbehaving, and until when they are ignored: the
   * delay doubles per offence, so a hostile member cannot reconnect every second.
   */
  private readonly penalties = new Map<string, { until: number; backoff: Backoff }>();
  private publishChain: Promise<void> = Promise.resolve();
  private receiveChain: Promise<void> = Promise.resolve();
  private readonly reannounceTimer: ReturnType<typeof setInterval>;
  private destroyed = false;

  constructor(private readonly options: MeshOptions) {
    this.session = options.sessionId ?? newSessionId();
    options.signaling.on('message', this.onSignalingMessage);
    options.signaling.on('status', this.onSignalingStatus);
    this.reannounceTimer = setInterval(() => {
      for (const [topic, room] of this.rooms) if (room.sync.peerCount === 0) this.announce(topic);
    }, options.reannounceMs ?? 20_000);
  }

  get linkCount(): number {
    let n = 0;
    for (const entry of this.links.values()) if (entry.link.isOpen) n++;
    return n;
  }

  /** Starts finding peers for a conversation and syncing `doc` with them. */
  addRoom(keys: ConversationKeys, doc: Y.Doc, awareness: Awareness, policy: RoomPolicy): RoomSync {
    const existing = this.rooms.get(keys.topic);
    if (existing) return existing.sync;
    const sync = new RoomSync(keys.topic, doc, awareness, policy, (link, reason) => this.dropLink(link, reason));
    this.rooms.set(keys.topic, { keys, sync, seen: new Set() });
    this.options.tabs?.add(keys.topic, doc);
    this.options.signaling.subscribe(keys.topic);
    this.announce(keys.topic);
    // Sessions already connected for other conversations may share this one too.
    for (const entry of this.links.values()) if (entry.link.peer) this.sendJoin(entry, keys.topic);
    return sync;
  }

  /** Closes every connection to a device, e.g. one that was just revoked. */
  disconnectDevice(device: string): void {
    for (const entry of [...this.links.values()]) if (entry.link.peer?.device === device) entry.link.close('device revoked');
  }

  /** Closes every connection to any device of an identity, e.g. one that was just blocked. */
  disconnectIdentity(identity: string): void {
    for (const entry of [...this.links.values()]) if (entry.link.peer?.identity === identity) entry.link.close('identity blocked');
  }

  removeRoom(topic: Topic): void {
    const room = this.rooms.get(topic);
    if (!room) return;
    for (const entry of this.links.values()) {
      if (room.sync.has(entry.link)) entry.link.send({ kind: FrameKinds.leave, doc: room.sync.docId, payload: new Uint8Array() });
      entry.joinedIn.delete(topic);
      entry.joinedOut.delete(topic);
      entry.joinSent.delete(topic);
    }
    room.sync.destroy();
    this.options.tabs?.remove(topic);
    this.rooms.delete(topic);
    this.options.signaling.unsubscribe(topic);
  }

  destroy(): void {
    this.destroyed = true;
    clearInterval(this.reannounceTimer);
    this.options.signaling.off('message', this.onSignalingMessage);
    this.options.signaling.off('status', this.onSignalingStatus);
    for (const entry of [...this.links.values()]) entry.link.close('mesh destroyed');
    for (const topic of [...this.rooms.keys()]) this.removeRoom(topic);
  }

  private readonly onSignalingStatus = (status: string): void => {
    if (status === 'connected') for (const topic of this.rooms.keys()) this.announce(topic);
  };

  private readonly onSignalingMessage = (topic: string, data: unknown): void => {
    const room = this.rooms.get(topic as Topic);
    if (!room) return;
    // Decryption is async; chaining keeps offers ahead of their candidates.
    this.receiveChain = this.receiveChain
      .then(async () => {
        const message = await openRendezvous(room.keys.signalingKey, topic, data);
        if (message && message.from !== this.session && !this.destroyed) this.onRendezvous(topic as Topic, room, message);
      })
      .catch((error) => console.warn('parley: rendezvous failed', error));
  };

  private onRendezvous(topic: Topic, room: RoomEntry, message: RendezvousMessage): void {
    const remote = message.from;
    if (this.penalized(remote)) return;
    if (message.to !== undefined && message.to !== this.session) return;
    room.seen.add(remote);
    const entry = this.links.get(remote);
    if (message.t === 'announce') {
      if (entry) {
        if (entry.link.peer) this.sendJoin(entry, topic);
        return;
      }
      if (this.session < remote) this.createLink(remote, topic, true);
      else if (message.to === undefined) this.publish(topic, { t: 'announce', from: this.session, to: remote });
      return;
    }
    if (entry) entry.transport.signal(message.signal);
    else if (remote < this.session) this.createLink(remote, topic, false).transport.signal(message.signal);
  }

  private createLink(remote: SessionId, topic: Topic, initiator: boolean): LinkEntry {
    const transport = this.options.createTransport({
      initiator,
      onSignal: (signal) => this.publish(topic, { t: 'signal', from: this.session, to: remote, signal }),
    });
    const link = new PeerLink(transport);
    const entry: LinkEntry = {
      remote,
      link,
      transport,
      signalTopic: topic,
      joinedOut: new Set(),
      joinSent: new Set(),
      joinedIn: new Set(),
      helloSent: false,
      chain: Promise.resolve(),
      connectTimer: setTimeout(() => link.close('connect timeout'), this.options.connectTimeoutMs ?? 20_000),
    };
    this.links.set(remote, entry);
    link.events = {
      onOpen: () => {
        if (entry.connectTimer) clearTimeout(entry.connectTimer);
        entry.connectTimer = null;
        this.retry.get(remote)?.reset();
        this.events.onLinks?.(this.linkCount);
        this.sendHello(entry);
      },
      onFrame: (frame) => {
        entry.chain = entry.chain.then(() => this.onFrame(entry, frame)).catch((error) => {
          console.warn('parley: frame failed', error);
          entry.link.close('frame handling failed');
        });
      },
      onPartial: (partial) => {
        if (!partial.doc || !entry.link.peer) return;
        this.rooms.get(toHex(partial.doc) as Topic)?.sync.noteIncoming(entry.link, partial.received, partial.expected);
      },
      onClose: (reason) => this.onLinkClosed(entry, reason),
    };
    return entry;
  }

  private async onFrame(entry: LinkEntry, frame: Frame): Promise<void> {
    // Not `isOpen`: the remote may speak first, before our side saw the channel open.
    if (entry.link.isClosed) return;
    if (frame.kind === FrameKinds.hello) return this.onHello(entry, frame.payload);
    if (!entry.link.peer) return this.dropLink(entry.link, 'frame before identity proof');
    const topic = toHex(frame.doc) as Topic;
    if (frame.kind === FrameKinds.join) return this.onJoin(entry, topic, frame.payload);
    const room = this.rooms.get(topic);
    if (!room) return; // A conversation this device left; nothing to do.
    if (!entry.joinedIn.has(topic)) return this.dropLink(entry.link, 'frame before membership proof');
    await room.sync.handle(entry.link, frame);
  }

  private sendHello(entry: LinkEntry): void {
    const fp = entry.transport.fingerprints();
    entry.chain = entry.chain.then(async () => {
      const hello = await this.options.handshake.hello({ from: this.session, to: entry.remote, fromFingerprint: fp.local, toFingerprint: fp.remote });
      if (entry.link.isClosed) return;
      entry.link.send({ kind: FrameKinds.hello, doc: new Uint8Array(), payload: hello });
      entry.helloSent = true;
      if (entry.link.peer) this.joinSeenRooms(entry);
    });
  }

  private async onHello(entry: LinkEntry, payload: Uint8Array): Promise<void> {
    if (entry.link.peer) return this.dropLink(entry.link, 'second hello');
    const fp = entry.transport.fingerprints();
    const peer = await this.options.handshake.verify(payload, { from: entry.remote, to: this.session, fromFingerprint: fp.remote, toFingerprint: fp.local });
    if (!peer) return this.dropLink(entry.link, 'identity proof failed');
    if (this.penalized(peer.device)) return this.dropLink(entry.link, 'device recently dropped for misbehaving');
    entry.link.peer = peer;
    if (entry.helloSent) this.joinSeenRooms(entry);
  }

  private joinSeenRooms(entry: LinkEntry): void {
    for (const [topic, room] of this.rooms) if (room.seen.has(entry.remote)) this.sendJoin(entry, topic);
  }

  private async onJoin(entry: LinkEntry, topic: Topic, proof: Uint8Array): Promise<void> {
    const room = this.rooms.get(topic);
    if (!room) return;
    if (!room.sync.policy.admits(entry.link.peer!)) return this.dropLink(entry.link, 'device not admitted to this conversation');
    const fp = entry.transport.fingerprints();
    const valid = await verifyMembership(
      room.keys.authKey,
      { topic, from: entry.remote, to: this.session, fromFingerprint: fp.remote, toFingerprint: fp.local },
      proof,
    );
    if (!valid) return this.dropLink(entry.link, 'bad membership proof');
    entry.joinedIn.add(topic);
    room.seen.add(entry.remote);
    // Sync may start only once our own join went out; if it is still being prepared, its
    // completion attaches.
    if (entry.joinSent.has(topic)) room.sync.attach(entry.link);
    else if (!entry.joinedOut.has(topic)) this.sendJoin(entry, topic);
  }

  private sendJoin(entry: LinkEntry, topic: Topic): void {
    const room = this.rooms.get(topic);
    if (!room || entry.joinedOut.has(topic) || !entry.helloSent || !entry.link.peer) return;
    // Never offer a conversation to a device it does not admit (e.g. a blocked identity).
    if (!room.sync.policy.admits(entry.link.peer)) return;
    entry.joinedOut.add(topic);
    const fp = entry.transport.fingerprints();
    // Queued on the link's chain so the join frame leaves before any sync for this topic.
    entry.chain = entry.chain.then(async () => {
      const proof = await proveMembership(room.keys.authKey, {
        topic,
        from: this.session,
        to: entry.remote,
        fromFingerprint: fp.local,
        toFingerprint: fp.remote,
      });
      if (entry.link.isClosed || !this.rooms.has(topic)) return;
      entry.link.send({ kind: FrameKinds.join, doc: fromHex(topic)!, payload: proof });
      entry.joinSent.add(topic);
      if (entry.joinedIn.has(topic)) room.sync.attach(entry.link);
    });
  }

  private dropLink(link: PeerLink, reason: string): void {
    console.warn(`parley: dropping peer: ${reason}`);
    for (const entry of this.links.values()) {
      if (entry.link !== link) continue;
      this.penalize(entry.remote);
      if (link.peer) this.penalize(link.peer.device);
    }
    link.close(reason);
  }

  private penalize(key: string): void {
    const known = this.penalties.get(key);
    const backoff = known?.backoff ?? new Backoff({ baseMs: 2_000, maxMs: 5 * 60_000 });
    this.penalties.set(key, { until: Date.now() + backoff.next(), backoff });
  }

  private penalized(key: string): boolean {
    const p = this.penalties.get(key);
    return p !== undefined && p.until > Date.now();
  }

  private onLinkClosed(entry: LinkEntry, _reason: string): void {
    if (entry.connectTimer) clearTimeout(entry.connectTimer);
    if (this.links.get(entry.remote) === entry) this.links.delete(entry.remote);
    const topics: Topic[] = [];
    for (const [topic, room] of this.rooms) {
      room.sync.detach(entry.link);
      if (room.seen.delete(entry.remote)) topics.push(topic);
    }
    this.events.onLinks?.(this.linkCount);
    if (this.destroyed || topics.length === 0) return;
    // The remote may still be there (a network blip): announce again after a backoff so
    // either side can reconnect, without both hammering the server.
    let backoff = this.retry.get(entry.remote);
    if (!backoff) this.retry.set(entry.remote, (backoff = new Backoff({ baseMs: 1000, maxMs: 30_000 })));
    setTimeout(() => {
      if (!this.destroyed) for (const topic of topics) if (this.rooms.has(topic)) this.announce(topic);
    }, backoff.next());
  }

  private announce(topic: Topic): void {
    this.publish(topic, { t: 'announce', from: this.session });
  }

  private publish(topic: Topic, message: RendezvousMessage): void {
    const room = this.rooms.get(topic);
    if (!room) return;
    this.publishChain = this.publishChain
      .then(async () => {
        const sealed = await sealRendezvous(room.keys.signalingKey, topic, message);
        this.options.signaling.publish(topic, sealed);
      })
      .catch((error) => console.warn('parley: publish failed', error));
  }
}
