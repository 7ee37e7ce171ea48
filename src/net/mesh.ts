/**
 * The peer mesh (docs/architecture.md §5): one link per remote session, multiplexing every
 * conversation the two sessions share. It composes three parts:
 * - the rendezvous (rendezvous/), which finds other sessions on each conversation's topic;
 * - one `PeerLink` per remote session, over a direct WebRTC path and, when that is slow or
 *   fails, the server's relay (relay/);
 * - one `LinkMachine` per link, which decides when to say hello, prove membership and attach
 *   or detach each conversation's `RoomSync`.
 *
 * The mesh carries out what those decide: the crypto (hello, membership proofs), penalties
 * for remotes that misbehave, and reconnecting after a link is lost. It reaches the server
 * only through a `SignalingPort`.
 *
 * Rooms are keyed by a stable conversation id; `rekey` moves one to a new topic and keys
 * (a new epoch) without losing its document or its links.
 */
import { ObservableV2 } from 'lib0/observable';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { fromHex, toHex } from '../core/bytes.js';
import type { PeerIdentity } from '../core/identity/handshake.js';
import { newSessionId, type DeviceId, type SessionId, type Topic } from '../core/ids.js';
import type { ConversationKeys } from '../core/keys.js';
import { Disposables } from '../core/lifecycle.js';
import { errorField, silentLogger, type Logger } from '../core/logger.js';
import { isDropReason, type LinkCloseReason, type Violation } from './drop-reason.js';
import { BulkInbox } from './bulk-inbox.js';
import { FrameKinds, isFileFrame, type Frame } from './framing.js';
import { describeStale, newAttemptId, routeSignal, type AttemptId } from './link-attempts.js';
import { LinkMachine, type LinkAction } from './link-machine.js';
import { proveMembership, verifyMembership } from './membership.js';
import { Penalties } from './penalties.js';
import { Reconnects } from './reconnects.js';
import { PeerLink } from './peer-link.js';
import type { RoomPolicy } from './policy.js';
import { initiates, type RendezvousMessage } from './rendezvous/rendezvous-message.js';
import { Rendezvous } from './rendezvous/rendezvous.js';
import { RelayFallback } from './relay-fallback.js';
import { RoomSync } from './room-sync.js';

import { remoteKey, type LinkEntry, type LinkView, type MeshEvents, type MeshOptions, type RemoteKey, type RoomEntry, type RoomId } from './mesh-types.js';

export type { LinkView, MeshEvents, MeshOptions, RelayOptions, RoomId, TransportFactory } from './mesh-types.js';
export type { SignalableTransport } from './transport.js';

/** How often penalties and reconnect delays nobody needs are forgotten. */
const SWEEP_EVERY_MS = 60_000;
/** Joins kept per link for conversations not open here yet (a proof is 32 bytes). */
const EARLY_JOINS_PER_LINK = 32;
const MAX_JOIN_PROOF_BYTES = 32;

export class Mesh extends ObservableV2<MeshEvents> {
  readonly session: SessionId;
  private readonly rooms = new Map<RoomId, RoomEntry>();
  private readonly byTopic = new Map<Topic, RoomId>();
  private readonly entries = new Map<RemoteKey, LinkEntry>();
  private readonly reconnects = new Reconnects();
  private readonly penalties = new Penalties();
  private readonly owned = new Disposables();
  private readonly rendezvous: Rendezvous;
  private readonly logger: Logger;
  private readonly relay: RelayFallback | null;
  /** File frames, handled after the frames that wait in ordinary tasks (bulk-inbox.ts). */
  private readonly bulk: BulkInbox;
  private destroyed = false;

  constructor(private readonly options: MeshOptions) {
    super();
    this.session = options.sessionId ?? newSessionId();
    this.logger = options.logger ?? silentLogger;
    this.bulk = new BulkInbox((error) => this.logger.error('file frame handling failed', { error: errorField(error) }), options.later);
    this.rendezvous = new Rendezvous({
      port: options.signaling,
      session: this.session,
      logger: this.logger,
      reannounceMs: options.reannounceMs ?? 20_000,
      lonely: (topic) => {
        const id = this.byTopic.get(topic);
        return id !== undefined && this.rooms.get(id)!.sync.peerCount === 0;
      },
      signer: options.handshake,
    });
    this.relay =
      options.relay === false
        ? null
        : new RelayFallback({
            port: options.signaling,
            session: this.session,
            relay: options.relay ?? {},
            send: (entry, offer) => {
              const topic = this.rooms.get(entry.signalRoom)?.keys.topic;
              if (topic && !entry.link.isClosed) this.rendezvous.send(topic, { t: 'relay', from: this.session, to: entry.remote, toDevice: entry.device, ...offer, attempt: entry.attempt });
            },
            current: (entry) => this.entries.get(entry.key) === entry,
            logger: this.logger,
          });
  }

  /** Starts listening to the rendezvous. Rooms may be added before or after. */
  start(): this {
    this.owned.listenTo(this.rendezvous).on('message', (topic, message, sender) => this.onRendezvous(topic, message, sender));
    this.rendezvous.start();
    this.owned.add(() => this.rendezvous.destroy());
    if (this.relay) {
      this.relay.start();
      this.owned.add(() => this.relay?.destroy());
    }
    this.owned.interval(() => {
      this.penalties.prune();
      this.reconnects.prune();
    }, SWEEP_EVERY_MS);
    return this;
  }

  /** Sessions with an open link. */
  get linkCount(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.link.isOpen) n++;
    return n;
  }

  /** Every link, open or still connecting. */
  links(): LinkView[] {
    return [...this.entries.values()].map(({ remote, device, link }) => ({ remote, device, link }));
  }

  /** The sync engine of one room. */
  room(id: RoomId): RoomSync | undefined {
    return this.rooms.get(id)?.sync;
  }

  /** Open links on which a room syncs (both joins through): the members to ask for files. */
  roomLinks(id: RoomId): PeerLink[] {
    const out: PeerLink[] = [];
    for (const entry of this.entries.values()) if (entry.link.isOpen && entry.machine.attached(id)) out.push(entry.link);
    return out;
  }

  /** Number of remembered offenders and reconnect backoffs (tests assert pruning). */
  get memorySize(): { penalties: number; retries: number } {
    return { penalties: this.penalties.size, retries: this.reconnects.size };
  }

  /** Starts finding peers for a conversation and syncing `doc` with them. */
  addRoom(id: RoomId, keys: ConversationKeys, doc: Y.Doc, awareness: Awareness, policy: RoomPolicy): RoomSync {
    const existing = this.rooms.get(id);
    if (existing) return existing.sync;
    const sync = new RoomSync(keys.topic, doc, awareness, policy, (link, violation) => this.dropLink(link, violation));
    this.rooms.set(id, { id, keys, sync, seen: new Set(), generation: 0 });
    this.byTopic.set(keys.topic, id);
    this.rendezvous.open(keys.topic, keys.signalingKey);
    // Sessions already linked for other conversations may share this one too.
    for (const entry of this.entries.values()) {
      this.want(entry, id);
      this.takeEarlyJoin(entry, id, keys.topic);
    }
    return sync;
  }

  /**
   * Moves a room to new keys (a new epoch): links leave the old topic — once the room has
   * sent them what it owes them (`RoomSync.drain`) — and must prove membership again under
   * the new keys; the document and its history stay.
   */
  rekey(id: RoomId, keys: ConversationKeys): void {
    const room = this.rooms.get(id);
    if (room && room.keys.topic !== keys.topic) room.sync.drain(() => this.move(room, keys));
  }

  private move(room: RoomEntry, keys: ConversationKeys): void {
    const { id } = room;
    const old = room.keys.topic;
    for (const entry of this.entries.values()) {
      if (entry.machine.attached(id)) entry.link.send({ kind: FrameKinds.leave, doc: fromHex(old)!, payload: new Uint8Array() });
      this.run(entry, entry.machine.forget(id));
    }
    room.generation++;
    room.keys = keys;
    room.seen.clear();
    room.sync.moveTo(keys.topic);
    this.byTopic.delete(old);
    this.byTopic.set(keys.topic, id);
    this.rendezvous.close(old);
    // Remotes show up again by announcing on the new topic, which only holders of the new
    // keys can seal for; nobody is offered the new topic before that, except a remote whose
    // join proof for it (made with the new keys) arrived already.
    this.rendezvous.open(keys.topic, keys.signalingKey);
    for (const entry of this.entries.values()) this.takeEarlyJoin(entry, id, keys.topic);
  }

  removeRoom(id: RoomId): void {
    const room = this.rooms.get(id);
    if (!room) return;
    for (const entry of this.entries.values()) {
      if (entry.machine.attached(id)) entry.link.send({ kind: FrameKinds.leave, doc: room.sync.docId, payload: new Uint8Array() });
      this.run(entry, entry.machine.forget(id));
    }
    room.sync.destroy();
    this.rooms.delete(id);
    this.byTopic.delete(room.keys.topic);
    this.rendezvous.close(room.keys.topic);
  }

  /** Closes every link to a device, e.g. one that was just revoked. */
  disconnectDevice(device: string): void {
    for (const entry of [...this.entries.values()]) if (entry.link.peer?.device === device) entry.link.close('device-revoked');
  }

  /** Closes every link to any device of an identity, e.g. one that was just blocked. */
  disconnectIdentity(identity: string): void {
    for (const entry of [...this.entries.values()]) if (entry.link.peer?.identity === identity) entry.link.close('identity-blocked');
  }

  /** Closes every link, removes every room and releases every listener and timer. */
  override destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.bulk.close();
    for (const entry of [...this.entries.values()]) entry.link.close('mesh-destroyed');
    for (const id of [...this.rooms.keys()]) this.removeRoom(id);
    this.owned.dispose();
    super.destroy();
  }

  private onRendezvous(topic: Topic, message: RendezvousMessage, sender: PeerIdentity): void {
    const id = this.byTopic.get(topic);
    const room = id === undefined ? undefined : this.rooms.get(id);
    if (!room || this.destroyed) return;
    const remote = message.from;
    // A device this conversation does not admit (revoked, blocked) is not even connected to.
    if (this.penalties.isPenalized(remote) || this.penalties.isPenalized(sender.device) || !room.sync.policy.admits(sender)) return;
    const key = remoteKey(sender.device, remote);
    room.seen.add(key);
    const entry = this.entries.get(key);
    switch (message.t) {
      case 'announce':
        if (entry) return this.want(entry, room.id);
        if (initiates(this.session, remote)) this.createLink(remote, sender.device, room.id, newAttemptId());
        else if (message.to === undefined) this.rendezvous.announce(topic, { session: remote, device: sender.device });
        return;
      default: {
        // A signal or relay offer goes to the link of its attempt only (link-attempts.ts).
        const route = routeSignal(entry, message, initiates(remote, this.session));
        if (route === 'stale') return this.logger.info(`signal of another attempt dropped: ${describeStale(message, entry)}`);
        if (route === 'replace') entry!.link.close('superseded', 'the remote started another attempt');
        const target = route === 'deliver' ? entry! : this.createLink(remote, sender.device, room.id, message.attempt, false);
        if (message.t === 'signal') target.direct.signal(message.signal);
        else void this.relay?.accept(target, { addr: message.addr, key: message.key });
      }
    }
  }

  /** A link to a remote session for one attempt: this side's own (it initiates), or the remote's. */
  private createLink(remote: SessionId, device: DeviceId, signalRoom: RoomId, attempt: AttemptId | undefined, initiator = true): LinkEntry {
    const direct = this.options.createTransport({
      initiator,
      onSignal: (signal) => {
        const topic = this.rooms.get(signalRoom)?.keys.topic;
        if (topic) this.rendezvous.send(topic, { t: 'signal', from: this.session, to: remote, toDevice: device, signal, attempt });
      },
    });
    const link = new PeerLink(direct);
    const owned = new Disposables();
    const key = remoteKey(device, remote);
    const entry: LinkEntry = { key, remote, device, link, machine: new LinkMachine<RoomId>(), direct, attempt, signalRoom, chain: Promise.resolve(), owned, earlyJoins: new Map() };
    this.entries.set(key, entry);
    const cancelTimeout = owned.timeout(() => link.close('connect-timeout'), this.options.connectTimeoutMs ?? 20_000);
    // No direct path in time, or none at all: link through the relay (it upgrades later).
    if (this.relay) this.relay.watch(entry);
    else
      owned.listenTo(direct).on('close', (reason) => {
        if (!link.isOpen) link.close(reason);
      });
    owned.listenTo(link).on('open', () => {
      cancelTimeout();
      this.logger.info(`link open (${link.kind ?? 'no path'})`);
      this.reconnects.opened(key);
      this.emit('links', []);
      this.run(entry, entry.machine.opened());
    });
    owned.listenTo(link).on('frame', (frame) => this.inOrder(entry, () => this.handleFrame(entry, frame)));
    owned.listenTo(link).on('partial', (partial) => {
      if (!partial.doc || !entry.link.peer) return;
      const id = this.byTopic.get(toHex(partial.doc) as Topic);
      if (id !== undefined && entry.machine.attached(id)) this.rooms.get(id)?.sync.noteIncoming(entry.link, partial.received, partial.expected);
    });
    owned.listenTo(link).on('path', (kind) => {
      this.logger.info(`link moved to ${kind}`);
      this.emit('links', []);
    });
    owned.listenTo(link).on('close', (reason, detail) => this.onLinkClosed(entry, reason, detail));
    for (const [id, room] of this.rooms) if (room.seen.has(key)) this.run(entry, entry.machine.want(id));
    return entry;
  }

  /** Offers a room on a link, unless its policy does not admit the (verified) remote device. */
  private want(entry: LinkEntry, id: RoomId): void {
    const room = this.rooms.get(id);
    if (!room) return;
    if (entry.link.peer && !room.sync.policy.admits(entry.link.peer)) return;
    this.run(entry, entry.machine.want(id));
  }

  private run(entry: LinkEntry, actions: readonly LinkAction<RoomId>[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'send-hello':
          this.sendHello(entry);
          break;
        case 'prove':
          this.prove(entry, action.room);
          break;
        case 'attach':
          this.rooms.get(action.room)?.sync.attach(entry.link);
          this.emit('room-links', [action.room]);
          break;
        case 'detach':
          this.rooms.get(action.room)?.sync.detach(entry.link);
          this.emit('room-links', [action.room]);
          break;
      }
    }
  }

  /** Runs `task` on the link's chain, after everything before it; a failure drops the link. */
  private inOrder(entry: LinkEntry, task: () => Promise<void> | undefined): void {
    entry.chain = entry.chain.then(task).catch((error) => {
      this.logger.error('frame handling failed', { error: errorField(error) });
      this.dropLink(entry.link, { reason: 'handler-failed' });
    });
  }

  private async handleFrame(entry: LinkEntry, frame: Frame): Promise<void> {
    // Not `isOpen`: the remote may speak first, before this side saw a path open.
    if (entry.link.isClosed) return;
    const id = frame.kind === FrameKinds.hello ? null : (this.byTopic.get(toHex(frame.doc) as Topic) ?? null);
    const verdict = entry.machine.classify(frame.kind, id);
    switch (verdict.type) {
      case 'ignore':
        if (frame.kind === FrameKinds.join && id === null) this.keepEarlyJoin(entry, toHex(frame.doc) as Topic, frame.payload);
        return;
      case 'drop':
        return this.dropLink(entry.link, verdict.violation);
      case 'hello':
        return this.onHello(entry, frame.payload);
      case 'join':
        return this.onJoin(entry, id!, frame.payload);
      case 'leave':
        return this.run(entry, entry.machine.forget(id!));
      case 'deliver':
        // Files are handled beside the document, later and at a lower priority: a slow disk
        // never holds up this link's sync frames, and a text that arrives behind a run of file
        // chunks waits only for their message tasks, not for their handling (bulk-inbox.ts).
        if (isFileFrame(frame.kind)) return this.bulk.push(() => this.handOverFile(entry, id!, frame), { from: entry.link, bytes: frame.payload.length, overflow: () => entry.link.close('bad-file-frame', 'too many file frames waiting') });
        return this.rooms.get(id!)?.sync.handle(entry.link, frame);
    }
  }

  private handOverFile(entry: LinkEntry, id: RoomId, frame: Frame): void {
    if (entry.link.isClosed || !this.rooms.has(id)) return;
    try {
      this.emit('file', [id, entry.link, frame]);
    } catch (error) {
      this.logger.error('frame handling failed', { error: errorField(error) });
      this.dropLink(entry.link, { reason: 'handler-failed' });
    }
  }

  /**
   * A remote offers a conversation over every link it has at once; this side may not have it
   * yet (an invite being read, a new epoch's topic not moved to). Dropping that join left the
   * sides half-joined (this side later refused the remote's sync as 'frame-before-join'), so
   * the proof is kept, bounded, until the room exists.
   */
  private keepEarlyJoin(entry: LinkEntry, topic: Topic, proof: Uint8Array): void {
    if (entry.link.isClosed || proof.byteLength > MAX_JOIN_PROOF_BYTES) return;
    entry.earlyJoins.delete(topic);
    entry.earlyJoins.set(topic, proof);
    if (entry.earlyJoins.size > EARLY_JOINS_PER_LINK) entry.earlyJoins.delete(entry.earlyJoins.keys().next().value!);
  }

  /** The room for `topic` now exists here: check a join the remote sent before it did. */
  private takeEarlyJoin(entry: LinkEntry, id: RoomId, topic: Topic): void {
    const proof = entry.earlyJoins.get(topic);
    if (!proof || !entry.link.peer) return;
    entry.earlyJoins.delete(topic);
    this.inOrder(entry, () => (entry.link.isClosed || this.byTopic.get(topic) !== id ? undefined : this.onJoin(entry, id, proof)));
  }

  private sendHello(entry: LinkEntry): void {
    const binding = entry.link.sendBinding()!;
    entry.chain = entry.chain.then(async () => {
      const hello = await this.options.handshake.hello({ from: this.session, to: entry.remote, fromBinding: binding.local, toBinding: binding.remote });
      if (entry.link.isClosed) return;
      entry.link.send({ kind: FrameKinds.hello, doc: new Uint8Array(), payload: hello });
      this.run(entry, entry.machine.helloSent());
    });
  }

  private async onHello(entry: LinkEntry, payload: Uint8Array): Promise<void> {
    const binding = entry.link.receiveBinding()!;
    const peer = await this.options.handshake.verify(payload, { from: entry.remote, to: this.session, fromBinding: binding.remote, toBinding: binding.local });
    if (entry.link.isClosed) return;
    if (!peer) return this.dropLink(entry.link, { reason: 'identity-proof-failed' });
    if (peer.device !== entry.device) return this.dropLink(entry.link, { reason: 'wrong-device' });
    // Keyed on the identity too: minting a new device certificate does not reset a penalty.
    if (this.penalties.isPenalized(peer.device) || this.penalties.isPenalized(peer.identity)) return this.dropLink(entry.link, { reason: 'device-penalized' });
    entry.link.identify(peer);
    this.run(entry, entry.machine.peerVerified(peer));
  }

  private async onJoin(entry: LinkEntry, id: RoomId, proof: Uint8Array): Promise<void> {
    const room = this.rooms.get(id)!;
    if (!room.sync.policy.admits(entry.link.peer!)) return this.dropLink(entry.link, { reason: 'not-admitted' });
    const generation = room.generation;
    const binding = entry.link.receiveBinding()!;
    const valid = await verifyMembership(
      room.keys.authKey,
      { topic: room.keys.topic, from: entry.remote, to: this.session, fromBinding: binding.remote, toBinding: binding.local },
      proof,
    );
    if (entry.link.isClosed || this.rooms.get(id) !== room || room.generation !== generation) return;
    if (!valid) return this.dropLink(entry.link, { reason: 'bad-membership-proof' });
    room.seen.add(entry.key);
    this.run(entry, entry.machine.joinVerified(id));
  }

  private prove(entry: LinkEntry, id: RoomId): void {
    const room = this.rooms.get(id);
    const peer = entry.link.peer;
    // Never offer a conversation to a device it does not admit (e.g. a blocked identity).
    if (!room || !peer || !room.sync.policy.admits(peer)) return;
    const { generation, keys } = room;
    const binding = entry.link.sendBinding()!;
    // On the link's chain, so the join frame leaves before any sync for this room.
    entry.chain = entry.chain.then(async () => {
      const proof = await proveMembership(keys.authKey, { topic: keys.topic, from: this.session, to: entry.remote, fromBinding: binding.local, toBinding: binding.remote });
      if (entry.link.isClosed || this.rooms.get(id) !== room || room.generation !== generation) return;
      entry.link.send({ kind: FrameKinds.join, doc: fromHex(keys.topic)!, payload: proof });
      this.run(entry, entry.machine.joinSent(id));
    });
  }

  /** Drops a link for misbehaving (the close handler logs and penalizes). */
  private dropLink(link: PeerLink, violation: Violation): void {
    link.close(violation.reason, violation.detail ?? '');
  }

  private onLinkClosed(entry: LinkEntry, reason: LinkCloseReason, detail: string): void {
    if (isDropReason(reason)) {
      this.logger.warn(`dropping peer: ${reason}${detail ? `: ${detail}` : ''}`);
      this.penalties.penalize(entry.remote);
      if (entry.link.peer) {
        this.penalties.penalize(entry.link.peer.device);
        this.penalties.penalize(entry.link.peer.identity);
      }
    } else this.logger.info(`link ended: ${reason}${detail ? `: ${detail}` : ''}`);
    entry.machine.closed();
    entry.owned.dispose();
    if (this.entries.get(entry.key) === entry) {
      this.entries.delete(entry.key);
      this.relay?.forget(entry.key);
    }
    const topics: Topic[] = [];
    // A link the remote replaced with a new attempt: the remote is still there, and the new
    // link (made right after, under the same key) still shares these rooms with it.
    const replaced = reason === 'superseded';
    for (const room of this.rooms.values()) {
      room.sync.detach(entry.link);
      if (!replaced && room.seen.delete(entry.key)) topics.push(room.keys.topic);
    }
    this.emit('links', []);
    if (this.destroyed || topics.length === 0) return;
    // The remote may still be there (a network blip): announce again after its delay.
    this.owned.timeout(() => {
      for (const topic of topics) if (this.rendezvous.has(topic)) this.rendezvous.announce(topic);
    }, this.reconnects.next(entry.key));
  }
}
