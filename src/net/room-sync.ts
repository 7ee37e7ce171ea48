/**
 * Syncs one conversation document over every link that has joined it (docs/architecture.md
 * §5): y-protocols sync (step 1, step 2, update) and awareness. Outgoing messages are written
 * with y-protocols' own writers; incoming ones are read here, because every update is
 * authorized before Yjs sees it (y-protocols' readers apply at once). A link that sends
 * something malformed or outside the schema is reported through `onViolation` and dropped by
 * the mesh; a link whose update has a gap is asked for a fresh sync instead of leaving structs
 * pending.
 */
import { ObservableV2 } from 'lib0/observable';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { fromHex } from '../core/bytes.js';
import type { Topic } from '../core/ids.js';
import { Disposables } from '../core/lifecycle.js';
import { parseAwarenessUpdate } from './awareness-guard.js';
import type { Violation } from './drop-reason.js';
import { applyChecked, stateBeforeCheck } from './fresh-apply.js';
import { grownClocks, Neighbour } from './forwarding.js';
import { FrameKinds, type Frame, type FrameKind } from './framing.js';
import type { PeerLink } from './peer-link.js';
import type { RoomPolicy } from './policy.js';
import { ReadValues } from './read-values.js';

const ACK_DELAY_MS = 30;
/**
 * How long an update from one neighbour waits before it is relayed to another that has not
 * acked it (docs/architecture.md §5.6): well past the ack delay plus a check under load, so
 * in a full mesh the acks win and nothing is relayed; only members with no link to the
 * author wait this long.
 */
const RELAY_DELAY_MS = 250;
/**
 * Sync step 1 asks for a full diff; answering costs as much as the history. A peer gets a
 * few per window (attach, a gap resync), not one per 19-byte request.
 */
const STEP1_PER_WINDOW = 4;
const STEP1_WINDOW_MS = 10_000;

/** User Timing marks, so benchmarks and DevTools can see where sync time goes. */
const mark = (name: string): void => {
  globalThis.performance?.mark?.(name);
};

export interface RoomSyncOptions {
  /** Overrides RELAY_DELAY_MS (tests). */
  readonly relayDelayMs?: number;
}

export type RoomSyncEvents = {
  /** The links syncing this document changed: how many, or how they are connected. */
  peers: (count: number) => void;
  /** A peer device reported holding everything up to this state vector. */
  ack: (stateVector: Map<number, number>, device: string | null) => void;
  /** `progress()` changed (at most every PROGRESS_EVERY_MS while a history arrives). */
  progress: () => void;
};

/**
 * How a conversation is connected right now: 'direct' with at least one data channel,
 * 'relay' when every link goes through the server's relay, 'offline' with none.
 */
export type ConnectionKind = 'direct' | 'relay' | 'offline';

/** A large sync on its way in: arriving over the data channel, then being checked. */
export interface HistoryProgress {
  readonly phase: 'receiving' | 'checking';
  readonly received: number;
  readonly expected: number;
}

const PROGRESS_EVERY_MS = 200;

interface LinkState {
  /** Awareness client ids this link speaks for; states for others are refused. */
  readonly awarenessClients: Set<number>;
  /** When recent step-1 requests of this link arrived. */
  step1Times: number[];
  /** What the remote is known to hold, and the relays it may still need. */
  readonly neighbour: Neighbour;
  resyncRequested: boolean;
  /**
   * Updates of this link refused for missing history, and the last one's detail: such an
   * update is dropped (the resync brings it again), so a text that never showed leaves a
   * trace here for the diagnosis of a stuck test (tests/helpers/page-diagnosis.ts).
   */
  gaps: { count: number; last: string };
  /** Listeners and timers for this link, released on detach. */
  readonly owned: Disposables;
}

export class RoomSync extends ObservableV2<RoomSyncEvents> {
  private currentTopic: Topic;
  private currentDocId: Uint8Array;
  private readonly links = new Map<PeerLink, LinkState>();
  private destroyed = false;
  /** Updates are authorized and applied one at a time, whichever link sent them. */
  private applying: Promise<void> = Promise.resolve();
  /** Large frames for this document part-way in, per link. */
  private readonly incoming = new Map<PeerLink, { received: number; expected: number }>();
  /** Bytes of large updates received and waiting for (or in) authorization. */
  private checkingBytes = 0;
  private lastProgressAt = 0;
  /** Every link ever attached: updates they brought are relayed, not sent as our own. */
  private readonly everAttached = new WeakSet<object>();
  /** Timers of the room itself (the ack, the drain's deadline). */
  private readonly owned = new Disposables();
  private cancelAck: (() => void) | null = null;
  private readonly relayDelayMs: number;
  /** Set by `drain`: local writes wait for the next topic; called once nothing is owed. */
  private draining: (() => void) | null = null;
  private cancelDrain: (() => void) | null = null;

  constructor(
    topic: Topic,
    readonly doc: Y.Doc,
    readonly awareness: awarenessProtocol.Awareness,
    readonly policy: RoomPolicy,
    private readonly onViolation: (link: PeerLink, violation: Violation) => void,
    options: RoomSyncOptions = {},
  ) {
    super();
    this.relayDelayMs = options.relayDelayMs ?? RELAY_DELAY_MS;
    this.currentTopic = topic;
    this.currentDocId = fromHex(topic)!;
    doc.on('update', this.onDocUpdate);
    awareness.on('update', this.onAwarenessUpdate);
  }

  /** The topic this document syncs under now (it moves when the conversation is rekeyed). */
  get topic(): Topic {
    return this.currentTopic;
  }

  /** The doc id frames carry: the topic's bytes. */
  get docId(): Uint8Array {
    return this.currentDocId;
  }

  /**
   * Before leaving this topic (a new epoch): calls `then` once every neighbour here holds
   * what this device owes it — its ack or step 1 covers the relays waiting for it, it left,
   * or the relay delay passed and they were sent. A member that reaches the author only
   * through this device gets the record that starts the new epoch this way. Meanwhile local
   * writes are not sent here (the removed member may still be linked on this topic); the
   * next topic's sync carries them. A later call replaces `then`.
   */
  drain(then: () => void): void {
    this.draining = then;
    if (this.finishDrain()) return;
    this.cancelDrain ??= this.owned.timeout(() => {
      this.cancelDrain = null;
      for (const state of this.links.values()) state.neighbour.flush();
      this.finishDrain();
    }, this.relayDelayMs);
  }

  /** Relays waiting, over every link (tests and diagnostics). */
  get relaysWaiting(): number {
    let n = 0;
    for (const state of this.links.values()) n += state.neighbour.pending;
    return n;
  }

  /** Moves to a new topic; every link must have been detached first (the mesh does it). */
  moveTo(topic: Topic): void {
    this.draining = null;
    this.cancelDrain?.();
    this.cancelDrain = null;
    for (const link of [...this.links.keys()]) this.detach(link);
    this.currentTopic = topic;
    this.currentDocId = fromHex(topic)!;
  }

  get peerCount(): number {
    return this.links.size;
  }

  /** How this conversation is connected right now. */
  connection(): ConnectionKind {
    let relay = false;
    for (const link of this.links.keys()) {
      if (link.kind === 'direct') return 'direct';
      if (link.kind === 'relay') relay = true;
    }
    return relay ? 'relay' : 'offline';
  }

  has(link: PeerLink): boolean {
    return this.links.has(link);
  }

  /** Devices currently syncing this document with us. */
  connectedDevices(): Set<string> {
    const devices = new Set<string>();
    for (const link of this.links.keys()) if (link.peer) devices.add(link.peer.device);
    return devices;
  }

  /** Starts syncing with a link whose membership both sides have proven. */
  attach(link: PeerLink): void {
    if (this.destroyed || this.links.has(link)) return;
    const owned = new Disposables();
    this.everAttached.add(link);
    const neighbour = new Neighbour({
      owned,
      delayMs: this.relayDelayMs,
      send: (message) => this.send(link, FrameKinds.sync, message),
      idle: () => this.finishDrain(),
    });
    const state: LinkState = { awarenessClients: new Set(), step1Times: [], neighbour, resyncRequested: false, gaps: { count: 0, last: '' }, owned };
    this.links.set(link, state);
    // A link that moves from the relay to a direct path changes how the conversation is connected.
    owned.listenTo(link).on('path', () => this.emit('peers', [this.links.size]));
    mark(`parley:sync-start:${this.topic}`);
    this.sendStep1(link, state);
    if (this.awareness.getLocalState() !== null) {
      this.send(link, FrameKinds.awareness, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.awareness.clientID]));
    }
    this.emit('peers', [this.links.size]);
  }

  /** How far a large incoming sync has come, or null when none is under way. */
  progress(): HistoryProgress | null {
    if (this.incoming.size > 0) {
      let received = 0;
      let expected = 0;
      for (const p of this.incoming.values()) {
        received += p.received;
        expected += p.expected;
      }
      return { phase: 'receiving', received, expected };
    }
    return this.checkingBytes > 0 ? { phase: 'checking', received: this.checkingBytes, expected: this.checkingBytes } : null;
  }

  /** A large frame for this document is part-way in on `link`. */
  noteIncoming(link: PeerLink, received: number, expected: number): void {
    if (!this.links.has(link)) return;
    const first = !this.incoming.has(link);
    this.incoming.set(link, { received, expected });
    const now = Date.now();
    if (first || now - this.lastProgressAt >= PROGRESS_EVERY_MS) {
      this.lastProgressAt = now;
      this.emit('progress', []);
    }
  }

  detach(link: PeerLink): void {
    const state = this.links.get(link);
    if (!state) return;
    this.links.delete(link);
    if (this.incoming.delete(link)) this.emit('progress', []);
    state.owned.dispose();
    if (state.awarenessClients.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...state.awarenessClients], 'peer-left');
      // Forget their clocks too: y-protocols keeps a removed client's clock and ignores a
      // state that does not beat it, so when the same remote attaches again (the room moved
      // to a new epoch's topic, both sides proved membership anew) the state it re-sends,
      // unchanged, would be dropped until its 15 s renewal. Presence would lag each rekey.
      for (const client of state.awarenessClients) this.awareness.meta.delete(client);
    }
    this.emit('peers', [this.links.size]);
    // A link that left owes nothing more (it syncs in full if it attaches again).
    this.finishDrain();
  }

  /** Resolves once the frame is fully handled, so the link's next frame waits for it. */
  async handle(link: PeerLink, frame: Frame): Promise<void> {
    const state = this.links.get(link);
    if (!state) return this.onViolation(link, { reason: 'frame-before-join' });
    // Whatever the frame is, the large one that was arriving on this link is now complete.
    const wasLarge = this.incoming.delete(link);
    if (wasLarge) this.emit('progress', []);
    switch (frame.kind) {
      case FrameKinds.sync:
        return this.handleSync(link, state, frame.payload, wasLarge);
      case FrameKinds.awareness:
        return this.handleAwareness(link, state, frame.payload);
      case FrameKinds.ack: {
        let sv: Map<number, number>;
        try {
          sv = Y.decodeStateVector(frame.payload);
        } catch {
          return this.onViolation(link, { reason: 'bad-ack', detail: 'malformed ack' });
        }
        // An ack names only the clocks that moved since the last one; listeners get the sum.
        state.neighbour.learn(sv);
        this.emit('ack', [state.neighbour.acked(), link.peer?.device ?? null]);
        return;
      }
      case FrameKinds.leave:
        return this.detach(link);
      default:
        return this.onViolation(link, { reason: 'unexpected-frame', detail: `unexpected frame kind ${frame.kind}` });
    }
  }

  override destroy(): void {
    this.destroyed = true;
    this.draining = null;
    this.owned.dispose();
    for (const link of [...this.links.keys()]) this.detach(link);
    this.doc.off('update', this.onDocUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    super.destroy();
  }

  private handleSync(link: PeerLink, state: LinkState, payload: Uint8Array, wasLarge = false): Promise<void> | void {
    let type: number;
    let body: Uint8Array;
    try {
      const decoder = decoding.createDecoder(payload);
      type = decoding.readVarUint(decoder);
      body = decoding.readVarUint8Array(decoder);
    } catch {
      return this.onViolation(link, { reason: 'bad-sync-message', detail: 'malformed sync message' });
    }
    if (type === syncProtocol.messageYjsSyncStep1) {
      let theirs: Map<number, number>;
      try {
        theirs = Y.decodeStateVector(body);
      } catch {
        return this.onViolation(link, { reason: 'bad-sync-message', detail: 'malformed state vector' });
      }
      const now = Date.now();
      state.step1Times = state.step1Times.filter((t) => now - t < STEP1_WINDOW_MS);
      if (state.step1Times.length >= STEP1_PER_WINDOW) return this.onViolation(link, { reason: 'too-many-sync-requests', detail: 'too many sync requests' });
      state.step1Times.push(now);
      mark(`parley:step1-received:${this.topic}`);
      const encoder = encoding.createEncoder();
      syncProtocol.writeSyncStep2(encoder, this.doc, body);
      this.send(link, FrameKinds.sync, encoding.toUint8Array(encoder));
      mark(`parley:step2-queued:${this.topic}`);
      // The step 2 carries everything it lacked: no relay is owed to it any more.
      state.neighbour.learn(theirs);
      state.neighbour.holdsAlso(this.stateVector());
      return;
    }
    if (type !== syncProtocol.messageYjsSyncStep2 && type !== syncProtocol.messageYjsUpdate) {
      return this.onViolation(link, { reason: 'bad-sync-message', detail: `unknown sync message ${type}` });
    }
    if (type === syncProtocol.messageYjsSyncStep2) mark(`parley:step2-received:${this.topic}`);
    // A large frame finished arriving; it is checked next, which takes a while too.
    const large = wasLarge ? body.length : 0;
    this.checkingBytes += large;
    if (wasLarge) this.emit('progress', []);
    const run = this.applying.then(() => this.applyUpdate(link, state, type, body)).finally(() => {
      if (large === 0) return;
      this.checkingBytes -= large;
      this.emit('progress', []);
    });
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyUpdate(link: PeerLink, state: LinkState, type: number, body: Uint8Array): Promise<void> {
    // An update that arrived while the link was attached is applied even if the link left
    // meanwhile (a `leave` is handled at once, the update after its checks): the last update
    // a peer sends before it moves to a new epoch carries the record that starts it.
    if (this.destroyed) return;
    const before = stateBeforeCheck(this.doc, body);
    const read = new ReadValues();
    const verdict = await this.policy.authorize(body, read.decode);
    const step2 = type === syncProtocol.messageYjsSyncStep2;
    if (step2) mark(`parley:step2-checked:${this.topic}`);
    if (this.destroyed) return;
    const attached = this.links.has(link);
    if (!verdict.ok) {
      if (!attached) return;
      if (verdict.reason === 'gap') {
        // Missing history: ask this peer for everything we lack rather than parking structs.
        state.gaps.count++;
        state.gaps.last = verdict.detail;
        if (!state.resyncRequested) {
          state.resyncRequested = true;
          this.sendStep1(link, state);
        }
        return;
      }
      return this.onViolation(link, { reason: 'update-refused', detail: `${verdict.reason} update: ${verdict.detail}` });
    }
    if (!verdict.empty) {
      try {
        applyChecked(this.doc, body, link, verdict.fresh === true, before, read);
      } catch (error) {
        return this.onViolation(link, { reason: 'update-failed-to-apply', detail: `update failed to apply: ${(error as Error).message}` });
      }
      if (attached) this.scheduleAck();
    }
    if (step2) {
      mark(`parley:step2-applied:${this.topic}`);
      state.resyncRequested = false;
    }
  }

  private handleAwareness(link: PeerLink, state: LinkState, payload: Uint8Array): void {
    const entries = parseAwarenessUpdate(payload);
    const bad = (detail: string): void => this.onViolation(link, { reason: 'bad-awareness', detail });
    if (!entries) return bad('malformed or oversized awareness update');
    for (const entry of entries) {
      if (entry.clientID === this.awareness.clientID) return bad('awareness for this device');
      // Presence is tied to the verified device: nobody speaks for someone else.
      if (entry.state !== null && entry.state.device !== link.peer?.device) return bad('presence state for another device');
      // A link speaks for the client id of its first real state, and only for that one; a
      // null (leaving) state for any other client would erase someone else's presence.
      if (state.awarenessClients.size === 0 && entry.state !== null) state.awarenessClients.add(entry.clientID);
      else if (!state.awarenessClients.has(entry.clientID)) return bad('awareness for another client');
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, payload, link);
  }

  private sendStep1(link: PeerLink, state: LinkState): void {
    const ours = this.stateVector();
    state.neighbour.tell(ours);
    // As y-protocols' writeSyncStep1, from the state vector just read (and told).
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep1);
    encoding.writeVarUint8Array(encoder, Y.encodeStateVector(ours));
    this.send(link, FrameKinds.sync, encoding.toUint8Array(encoder));
  }

  private stateVector(): Map<number, number> {
    return Y.decodeStateVector(Y.encodeStateVector(this.doc));
  }

  /**
   * Acks go to every neighbour, not only the sender: each of them may be about to relay
   * the same update here, and the ack tells it not to. Each carries only the clocks that
   * moved since this neighbour was last told (docs/architecture.md §5.6).
   */
  private scheduleAck(): void {
    if (this.cancelAck) return;
    this.cancelAck = this.owned.timeout(() => {
      this.cancelAck = null;
      const ours = this.stateVector();
      for (const [link, state] of this.links) {
        const news = state.neighbour.tell(ours);
        if (news.size > 0) this.send(link, FrameKinds.ack, Y.encodeStateVector(news));
      }
    }, ACK_DELAY_MS);
  }

  /** Calls the drain's `then` if nothing is owed any more; returns whether it did. */
  private finishDrain(): boolean {
    const then = this.draining;
    if (!then) return false;
    for (const state of this.links.values()) if (state.neighbour.pending > 0) return false;
    this.draining = null;
    this.cancelDrain?.();
    this.cancelDrain = null;
    then();
    return true;
  }

  private send(link: PeerLink, kind: FrameKind, payload: Uint8Array): void {
    link.send({ kind, doc: this.docId, payload });
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    if (this.links.size === 0) return;
    const encoder = encoding.createEncoder();
    syncProtocol.writeUpdate(encoder, update);
    const message = encoding.toUint8Array(encoder);
    if (!(typeof origin === 'object' && origin !== null && this.everAttached.has(origin))) {
      // This device's own write (or one from the mailbox, another tab): to every link at
      // once, unless this topic is being left.
      if (this.draining) return;
      for (const link of this.links.keys()) this.send(link, FrameKinds.sync, message);
      return;
    }
    // From a neighbour: relayed to the others that do not show they hold it, after a
    // moment (see RELAY_DELAY_MS). Yjs updates are idempotent, so a late ack costs only bytes.
    const clocks = grownClocks(transaction);
    for (const [link, state] of this.links) {
      if (link === origin) continue;
      if (clocks.length === 0) this.send(link, FrameKinds.sync, message);
      else state.neighbour.queue({ message, clocks });
    }
  };

  private readonly onAwarenessUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    _origin: unknown,
  ): void => {
    const me = this.awareness.clientID;
    if (!change.added.includes(me) && !change.updated.includes(me) && !change.removed.includes(me)) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [me]);
    for (const link of this.links.keys()) this.send(link, FrameKinds.awareness, update);
  };
}
