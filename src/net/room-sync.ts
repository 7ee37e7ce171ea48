/**
 * Syncs one conversation document over every link that has joined it (ARCHITECTURE §5):
 * y-protocols sync (step 1, step 2, update) and awareness, each frame checked before it is
 * applied. A link that sends something malformed or outside the schema is reported through
 * `onViolation` and dropped by the mesh; a link whose update has a gap is asked for a fresh
 * sync instead of leaving structs pending.
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { fromHex } from '../core/bytes.js';
import type { Topic } from '../core/ids.js';
import { parseAwarenessUpdate } from './awareness-guard.js';
import { FrameKinds, type Frame } from './framing.js';
import type { PeerLink } from './peer-link.js';
import type { RoomPolicy } from './policy.js';

const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;
const ACK_DELAY_MS = 30;
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

export interface RoomSyncEvents {
  /** Number of links currently syncing this document changed. */
  onPeers?: (count: number) => void;
  /** A peer device reported holding everything up to this state vector. */
  onAck?: (stateVector: Map<number, number>, device: string | null) => void;
  /** A peer's sync step 2 was applied: this device has what that peer had. */
  onSynced?: () => void;
  /** `progress()` changed (at most every PROGRESS_EVERY_MS while a history arrives). */
  onProgress?: () => void;
}

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
  ackTimer: ReturnType<typeof setTimeout> | null;
  resyncRequested: boolean;
}

export class RoomSync {
  events: RoomSyncEvents = {};
  readonly docId: Uint8Array;
  private readonly links = new Map<PeerLink, LinkState>();
  private destroyed = false;
  /** Updates are authorized and applied one at a time, whichever link sent them. */
  private applying: Promise<void> = Promise.resolve();
  /** Large frames for this document part-way in, per link. */
  private readonly incoming = new Map<PeerLink, { received: number; expected: number }>();
  /** Bytes of large updates received and waiting for (or in) authorization. */
  private checkingBytes = 0;
  private lastProgressAt = 0;

  constructor(
    readonly topic: Topic,
    readonly doc: Y.Doc,
    readonly awareness: awarenessProtocol.Awareness,
    readonly policy: RoomPolicy,
    private readonly onViolation: (link: PeerLink, reason: string) => void,
  ) {
    this.docId = fromHex(topic)!;
    doc.on('update', this.onDocUpdate);
    awareness.on('update', this.onAwarenessUpdate);
  }

  get peerCount(): number {
    return this.links.size;
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
    this.links.set(link, { awarenessClients: new Set(), step1Times: [], ackTimer: null, resyncRequested: false });
    mark(`parley:sync-start:${this.topic}`);
    this.sendStep1(link);
    if (this.awareness.getLocalState() !== null) {
      this.send(link, FrameKinds.awareness, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.awareness.clientID]));
    }
    this.events.onPeers?.(this.links.size);
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
      this.events.onProgress?.();
    }
  }

  detach(link: PeerLink): void {
    const state = this.links.get(link);
    if (!state) return;
    this.links.delete(link);
    if (this.incoming.delete(link)) this.events.onProgress?.();
    if (state.ackTimer) clearTimeout(state.ackTimer);
    if (state.awarenessClients.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...state.awarenessClients], 'peer-left');
    }
    this.events.onPeers?.(this.links.size);
  }

  /** Resolves once the frame is fully handled, so the link's next frame waits for it. */
  async handle(link: PeerLink, frame: Frame): Promise<void> {
    const state = this.links.get(link);
    if (!state) return this.onViolation(link, 'frame for a conversation the link has not joined');
    // Whatever the frame is, the large one that was arriving on this link is now complete.
    const wasLarge = this.incoming.delete(link);
    if (wasLarge) this.events.onProgress?.();
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
          return this.onViolation(link, 'malformed ack');
        }
        this.events.onAck?.(sv, link.peer?.device ?? null);
        return;
      }
      case FrameKinds.leave:
        return this.detach(link);
      default:
        return this.onViolation(link, `unexpected frame kind ${frame.kind}`);
    }
  }

  destroy(): void {
    this.destroyed = true;
    for (const link of [...this.links.keys()]) this.detach(link);
    this.doc.off('update', this.onDocUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
  }

  private handleSync(link: PeerLink, state: LinkState, payload: Uint8Array, wasLarge = false): Promise<void> | void {
    let type: number;
    let body: Uint8Array;
    try {
      const decoder = decoding.createDecoder(payload);
      type = decoding.readVarUint(decoder);
      body = decoding.readVarUint8Array(decoder);
    } catch {
      return this.onViolation(link, 'malformed sync message');
    }
    if (type === SYNC_STEP1) {
      try {
        Y.decodeStateVector(body);
      } catch {
        return this.onViolation(link, 'malformed state vector');
      }
      const now = Date.now();
      state.step1Times = state.step1Times.filter((t) => now - t < STEP1_WINDOW_MS);
      if (state.step1Times.length >= STEP1_PER_WINDOW) return this.onViolation(link, 'too many sync requests');
      state.step1Times.push(now);
      mark(`parley:step1-received:${this.topic}`);
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, SYNC_STEP2);
      encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(this.doc, body));
      this.send(link, FrameKinds.sync, encoding.toUint8Array(encoder));
      mark(`parley:step2-queued:${this.topic}`);
      return;
    }
    if (type !== SYNC_STEP2 && type !== SYNC_UPDATE) return this.onViolation(link, `unknown sync message ${type}`);
    if (type === SYNC_STEP2) mark(`parley:step2-received:${this.topic}`);
    // A large frame finished arriving; it is checked next, which takes a while too.
    const large = wasLarge ? body.length : 0;
    this.checkingBytes += large;
    if (wasLarge) this.events.onProgress?.();
    const run = this.applying.then(() => this.applyUpdate(link, state, type, body)).finally(() => {
      if (large === 0) return;
      this.checkingBytes -= large;
      this.events.onProgress?.();
    });
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyUpdate(link: PeerLink, state: LinkState, type: number, body: Uint8Array): Promise<void> {
    if (!this.links.has(link) || this.destroyed) return;
    const verdict = await this.policy.authorize(body);
    if (type === SYNC_STEP2) mark(`parley:step2-checked:${this.topic}`);
    if (!this.links.has(link) || this.destroyed) return;
    if (!verdict.ok) {
      if (verdict.reason === 'gap') {
        // Missing history: ask this peer for everything we lack rather than parking structs.
        if (!state.resyncRequested) {
          state.resyncRequested = true;
          this.sendStep1(link);
        }
        return;
      }
      return this.onViolation(link, `${verdict.reason} update: ${verdict.detail}`);
    }
    if (!verdict.empty) {
      try {
        Y.applyUpdate(this.doc, body, link);
      } catch (error) {
        return this.onViolation(link, `update failed to apply: ${(error as Error).message}`);
      }
      this.scheduleAck(link, state);
    }
    if (type === SYNC_STEP2) {
      mark(`parley:step2-applied:${this.topic}`);
      state.resyncRequested = false;
      this.events.onSynced?.();
    }
  }

  private handleAwareness(link: PeerLink, state: LinkState, payload: Uint8Array): void {
    const entries = parseAwarenessUpdate(payload);
    if (!entries) return this.onViolation(link, 'malformed or oversized awareness update');
    for (const entry of entries) {
      if (entry.clientID === this.awareness.clientID) return this.onViolation(link, 'awareness for this device');
      // Presence is tied to the verified device: nobody speaks for someone else.
      if (entry.state !== null && entry.state.device !== link.peer?.device) return this.onViolation(link, 'presence state for another device');
      // A link speaks for the client id of its first real state, and only for that one; a
      // null (leaving) state for any other client would erase someone else's presence.
      if (state.awarenessClients.size === 0 && entry.state !== null) state.awarenessClients.add(entry.clientID);
      else if (!state.awarenessClients.has(entry.clientID)) return this.onViolation(link, 'awareness for another client');
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, payload, link);
  }

  private sendStep1(link: PeerLink): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, SYNC_STEP1);
    encoding.writeVarUint8Array(encoder, Y.encodeStateVector(this.doc));
    this.send(link, FrameKinds.sync, encoding.toUint8Array(encoder));
  }

  private scheduleAck(link: PeerLink, state: LinkState): void {
    if (state.ackTimer) return;
    state.ackTimer = setTimeout(() => {
      state.ackTimer = null;
      if (this.links.has(link)) this.send(link, FrameKinds.ack, Y.encodeStateVector(this.doc));
    }, ACK_DELAY_MS);
  }

  private send(link: PeerLink, kind: (typeof FrameKinds)[keyof typeof FrameKinds], payload: Uint8Array): void {
    link.send({ kind, doc: this.docId, payload });
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (this.links.size === 0) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, SYNC_UPDATE);
    encoding.writeVarUint8Array(encoder, update);
    const message = encoding.toUint8Array(encoder);
    // Forward to every other link too: if two members cannot reach each other directly,
    // a third relays. Yjs updates are idempotent, so duplicates are harmless.
    for (const link of this.links.keys()) if (link !== origin) this.send(link, FrameKinds.sync, message);
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
