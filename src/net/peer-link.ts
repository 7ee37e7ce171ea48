/**
 * A framed, flow-controlled connection to one remote session over one or more paths
 * (docs/architecture.md §5).
 *
 * Paths: a link starts on whichever transport opens first (a WebRTC data channel, or the
 * relay when ICE is slow or fails) and can move to a better one later (relay → direct). Each
 * direction is one chunk stream: the sender writes a `begin` control chunk first on its first
 * path and, when it moves, a `switch` chunk as the last thing on the old path. The receiver
 * reads one path at a time and holds chunks from any other until the control chunk that leads
 * there, so nothing is lost or doubled in a switch. Control chunks name the path's binding as
 * the sender sees it and must match the receiver's view. A path both sides moved off is closed
 * once everything sent on it was taken.
 *
 * Sending: frames wait in per-lane queues (framing.ts: control, sync, bulk) and are cut into
 * chunks as they go out, each as large as the remote and the path take: 16 KiB until the
 * remote's hello advertised more (link options, docs/protocol.md §2.3), and 16 KiB on a path
 * that carries no more (the relay). Chunks go to the path only while its buffer is under
 * HIGH_WATER (BULK_HIGH_WATER for the bulk lane), highest lane first, then wait for a drain. A modest window wins in the app: with 4 MiB handed to SCTP at once, a 2.7 MB history
 * arrived in bursts with half-second stalls (0.2–3.4 s for 10k messages); with 256 KiB it took
 * 170–200 ms, and 100k went from 3.6–4.5 s to 3.2 s (bench, late joiner). It also stays far
 * below the 16 MiB at which Chromium closes a data channel whose send queue overflows.
 *
 * Receiving: chunks are reassembled per lane and decoded; any framing violation closes the
 * link, because a peer that breaks framing cannot be trusted with anything after it.
 */
import { ObservableV2 } from 'lib0/observable';
import type { PeerIdentity } from '../core/identity/handshake.js';
import { Disposables } from '../core/lifecycle.js';
import type { LinkCloseReason } from './drop-reason.js';
import {
  decodeFrame,
  FrameError,
  FrameKinds,
  LANE_COUNT,
  Lanes,
  LINK_CHUNK,
  MAX_CHUNK,
  OutgoingFrame,
  Reassembler,
  type Frame,
  type FrameToSend,
  type PartialFrame,
} from './framing.js';
import { decodeLinkOptions, decodePathControl, encodeLinkOptions, encodePathControl } from './link-controls.js';
import type { BulkLane } from './files/bulk-lane.js';
import type { ChannelBinding, PathKind, PeerTransport } from './transport.js';

const HIGH_WATER = 256 * 1024;
/**
 * The bulk lane (file chunks) fills the path's buffer only this far, so a text sent during a
 * transfer finds room at once and waits behind at most this much file data in the path
 * (docs/architecture.md §5.5).
 */
const BULK_HIGH_WATER = 192 * 1024;
/**
 * `drain` fires at this much: half the window, as the raw data channel of the files bench
 * does. At 64 KiB a busy page's late drain let the path run dry between refills (50 MiB of
 * file took 1.4 s longer in each of three alternating runs).
 */
const LOW_WATER = 128 * 1024;
/** Frames at least this large report progress while they arrive (a history, not a message). */
export const PROGRESS_MIN_BYTES = 256 * 1024;
/** A peer that lets this much pile up is not reading; drop it rather than hold the memory. */
const MAX_QUEUED = 256 * 1024 * 1024;
/** Chunks held from a path the remote has not led us to yet. */
const MAX_HELD = 64 * 1024 * 1024;

export type PeerLinkEvents = {
  /** The first path opened: frames may flow. */
  open: () => void;
  /** One whole frame from the remote, in order per lane. */
  frame: (frame: Frame) => void;
  /** A large frame is part-way in (for progress); per chunk while it arrives. */
  partial: (partial: PartialFrame) => void;
  /** This side now sends on a path of another kind (an upgrade from the relay to direct). */
  path: (kind: PathKind) => void;
  /** The link is gone for good; once. `detail` is for the log only. */
  close: (reason: LinkCloseReason, detail: string) => void;
};

/** One lane's outgoing frames (an array with a moving head: shift() is O(n)). */
class FrameQueue {
  private items: Array<OutgoingFrame | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(frame: OutgoingFrame): void {
    this.items.push(frame);
  }

  peek(): OutgoingFrame | undefined {
    return this.items[this.head];
  }

  shift(): void {
    this.items[this.head++] = undefined;
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class PeerLink extends ObservableV2<PeerLinkEvents> {
  private identity: PeerIdentity | null = null;
  private readonly paths = new Map<PeerTransport, Disposables>();
  private sendPath: PeerTransport | null = null;
  private sendRootBinding: ChannelBinding | null = null;
  private recvPath: PeerTransport | null = null;
  private recvRootBinding: ChannelBinding | null = null;
  /** Paths this side used and left; closed once everything sent on them was taken. */
  private readonly retiring = new Set<PeerTransport>();
  private readonly held = new Map<PeerTransport, Uint8Array[]>();
  private heldBytes = 0;
  private readonly queues = Array.from({ length: LANE_COUNT }, () => new FrameQueue());
  private queuedBytes = 0;
  private readonly reassembler = new Reassembler();
  /** Largest chunk the remote takes: MAX_CHUNK until its hello says more. */
  private remoteChunk = MAX_CHUNK;
  private remoteHello = false;
  private closed = false;
  private syncAt = -Infinity;
  private sentSyncAt = -Infinity;

  /** A link over `first`; more paths can be added while it lives. */
  constructor(first?: PeerTransport) {
    super();
    if (first) this.addPath(first);
  }

  /** The remote device, once its hello verified; nothing syncs before that. */
  get peer(): PeerIdentity | null {
    return this.identity;
  }

  /** Records the remote's verified identity (once). */
  identify(peer: PeerIdentity): void {
    if (this.identity) throw new Error('link already identified');
    this.identity = peer;
  }

  get isOpen(): boolean {
    return this.sendPath !== null && !this.closed;
  }

  /** Closed for good (frames may arrive before `open`: the remote can be first). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The bulk channel of an open direct path of this link, if it has one
   * (docs/architecture.md §14.2, "The bulk channel"): file chunks may go there instead.
   */
  get bulkLane(): BulkLane | null {
    if (this.closed) return null;
    for (const path of this.paths.keys()) if (path.kind === 'direct' && path.isOpen && path.bulk && !path.bulk.isClosed) return path.bulk;
    return null;
  }

  /**
   * A file moves on this link (a get sent or heard): each direct path opens its bulk
   * connection if it has none (docs/architecture.md §14.2, "The bulk channel on a connection
   * of its own"). Both ends see every get, so both call this.
   */
  wantBulk(): void {
    if (this.closed) return;
    for (const path of this.paths.keys()) if (path.kind === 'direct' && path.isOpen) path.wantBulk?.();
  }

  /** Kind of the path this side sends on; null before the first opened. */
  get kind(): PathKind | null {
    return this.sendPath?.kind ?? null;
  }

  /** Number of paths attached (open or still opening). */
  get pathCount(): number {
    return this.paths.size;
  }

  /** Binding of the path this side's stream began on: what its hello and proofs sign. */
  sendBinding(): ChannelBinding | null {
    return this.sendRootBinding;
  }

  /** Binding of the path the remote's stream began on: what its hello and proofs must sign. */
  receiveBinding(): ChannelBinding | null {
    return this.recvRootBinding;
  }

  /**
   * When (`performance.now()`) the last sync frame came from the remote: a text, an edit, a
   * receipt, in any conversation on the link; -Infinity before one. Kept here, where frames
   * are decoded, for every file fetch on the link to read when it sizes a window
   * (docs/architecture.md §14.2, "Pacing"), instead of each fetch listening to every frame.
   */
  get syncHeardAt(): number {
    return this.syncAt;
  }

  /**
   * When (`performance.now()`) this side last sent a sync frame on the link; -Infinity before
   * one. The holder of a file serves its backlog slower meanwhile (`FileServer`).
   */
  get syncSentAt(): number {
    return this.sentSyncAt;
  }

  /** Bytes waiting in this link's queues plus the send path's buffer. */
  get pendingBytes(): number {
    return (this.sendPath?.bufferedAmount ?? 0) + this.queuedBytes;
  }

  /** Attaches a path (possibly still opening). The link uses it when it opens. */
  addPath(transport: PeerTransport): void {
    if (this.closed) {
      transport.close();
      return;
    }
    if (this.paths.has(transport)) return;
    const listeners = new Disposables();
    this.paths.set(transport, listeners);
    transport.lowWaterMark = LOW_WATER;
    listeners.listenTo(transport).on('open', () => this.onPathOpen(transport));
    listeners.listenTo(transport).on('message', (bytes) => this.onPathMessage(transport, bytes));
    listeners.listenTo(transport).on('drain', () => this.onPathDrain(transport));
    listeners.listenTo(transport).on('close', (reason) => this.onPathClose(transport, reason));
  }

  /** Queues a frame; a hello goes out carrying this side's link options. */
  send(frame: FrameToSend): void {
    if (this.closed) return;
    if (frame.kind === FrameKinds.sync) this.sentSyncAt = performance.now();
    const out = OutgoingFrame.of(frame.kind === FrameKinds.hello ? { ...frame, doc: OWN_OPTIONS } : frame);
    this.queues[out.lane]!.push(out);
    this.queuedBytes += out.remaining;
    if (this.queuedBytes > MAX_QUEUED) return this.close('peer-not-reading');
    this.pump();
  }

  /** Closes the link and every path it holds. */
  close(reason: LinkCloseReason = 'closed-locally', detail = ''): void {
    this.finish(reason, detail);
  }

  private onPathOpen(transport: PeerTransport): void {
    if (this.closed) return;
    const current = this.sendPath;
    if (!current) {
      this.sendPath = transport;
      this.sendRootBinding = transport.binding();
      transport.send(encodePathControl({ type: 'begin', ...transport.binding() }));
      this.emit('open', []);
      this.pump();
      return;
    }
    // Only an upgrade moves the stream: a direct path replaces the relay, never the reverse.
    if (current.kind !== 'relay' || transport.kind !== 'direct') return;
    current.send(encodePathControl({ type: 'switch', ...transport.binding() }));
    this.sendPath = transport;
    this.retiring.add(current);
    this.emit('path', [transport.kind]);
    this.pump();
    this.retire();
  }

  private onPathDrain(transport: PeerTransport): void {
    if (transport === this.sendPath) this.pump();
    else if (this.retiring.has(transport)) this.retire();
  }

  private onPathClose(transport: PeerTransport, reason: LinkCloseReason): void {
    // A path this side moved off, closing before the remote took everything sent on it: the
    // switch there may never arrive, and the remote would then read that path forever and
    // hold what comes on the new one (no liveness tells it the path is gone on this side).
    const unread = this.retiring.has(transport) && transport.bufferedAmount > 0;
    this.detachPath(transport);
    if (transport === this.sendPath || transport === this.recvPath) this.finish(reason, 'a path in use closed');
    else if (unread) this.finish(reason, 'a path left before the remote read all sent on it');
  }

  /** Stops listening to a path and forgets it; returns it. */
  private detachPath(transport: PeerTransport): PeerTransport {
    this.paths.get(transport)?.dispose();
    this.paths.delete(transport);
    this.retiring.delete(transport);
    const held = this.held.get(transport);
    if (held) {
      for (const c of held) this.heldBytes -= c.length;
      this.held.delete(transport);
    }
    return transport;
  }

  /** Closes left paths once neither direction uses them and the remote took all we sent. */
  private retire(): void {
    for (const transport of [...this.retiring]) {
      if (transport === this.sendPath || transport === this.recvPath || this.recvPath === null) continue;
      if (transport.bufferedAmount > 0) {
        transport.lowWaterMark = 0;
        continue;
      }
      this.detachPath(transport).close();
    }
  }

  private pump(): void {
    const path = this.sendPath;
    if (!path || this.closed) return;
    const maxChunk = this.chunkSize(path);
    while (this.queuedBytes > 0 && !this.closed) {
      const lane = this.queues.findIndex((queue) => queue.length > 0);
      const bulk = lane === Lanes.bulk;
      if (lane < 0 || path.bufferedAmount >= (bulk ? BULK_HIGH_WATER : HIGH_WATER)) break;
      const queue = this.queues[lane]!;
      const out = queue.peek()!;
      const before = out.remaining;
      // A bulk chunk never fills the path to HIGH_WATER, so a text queued next still goes at
      // once: a 256 KiB file chunk is two link chunks, and the second, whole, would have left
      // the sync lane waiting for a drain (docs/architecture.md §5.5).
      const chunk = out.next(bulk ? Math.min(maxChunk, HIGH_WATER - 1 - path.bufferedAmount) : maxChunk);
      this.queuedBytes -= before - out.remaining;
      if (out.remaining === 0) queue.shift();
      path.send(chunk);
    }
  }

  /** The largest chunk for `path`: what both ends take, or MAX_CHUNK where the path carries no more. */
  private chunkSize(path: PeerTransport): number {
    const size = Math.min(this.remoteChunk, LINK_CHUNK);
    return size <= path.maxMessage ? size : MAX_CHUNK;
  }

  private onPathMessage(transport: PeerTransport, bytes: Uint8Array): void {
    if (this.closed) return;
    if (transport !== this.recvPath) {
      if (this.recvPath === null && bytes[0] !== undefined && this.tryBegin(transport, bytes)) return;
      this.hold(transport, bytes);
      return;
    }
    this.consume(bytes);
  }

  /** A `begin` on a path before any stream started: that path is the remote's first. */
  private tryBegin(transport: PeerTransport, bytes: Uint8Array): boolean {
    let control;
    try {
      control = decodePathControl(bytes);
    } catch {
      this.close('framing', 'malformed path control');
      return true;
    }
    if (control?.type !== 'begin') return false;
    const binding = transport.binding();
    if (!matches(control, binding)) {
      // Which ends differ (and whether this path had no descriptions left, a connection torn
      // down under it) is what tells a race from a forgery in a log.
      this.close('bad-path-switch', `begin names another path (named ${ends(control.remote, control.local)}, this path ${ends(binding.local, binding.remote)})`);
      return true;
    }
    this.recvPath = transport;
    this.recvRootBinding = transport.binding();
    this.replayHeld(transport);
    return true;
  }

  private hold(transport: PeerTransport, bytes: Uint8Array): void {
    let list = this.held.get(transport);
    if (!list) this.held.set(transport, (list = []));
    list.push(bytes.slice());
    this.heldBytes += bytes.length;
    if (this.heldBytes > MAX_HELD) this.close('bad-path-switch', 'too much data on a path the stream never moved to');
  }

  private replayHeld(transport: PeerTransport): void {
    const held = this.held.get(transport);
    if (!held) return;
    this.held.delete(transport);
    for (let i = 0; i < held.length; i++) {
      this.heldBytes -= held[i]!.length;
      if (this.closed) continue;
      if (this.recvPath !== transport) {
        // The stream moved on again mid-replay: nothing may follow a switch on its path.
        this.close('bad-path-switch', 'data after a switch');
        continue;
      }
      this.consume(held[i]!);
    }
  }

  private consume(bytes: Uint8Array): void {
    let control;
    try {
      control = decodePathControl(bytes);
    } catch {
      return this.close('framing', 'malformed path control');
    }
    if (control) {
      if (control.type === 'begin') return this.close('bad-path-switch', 'a second begin');
      const target = [...this.paths.keys()].find((p) => p !== this.recvPath && matches(control, p.binding()));
      if (!target) return this.close('bad-path-switch', 'switch to an unknown path');
      const old = this.recvPath!;
      this.recvPath = target;
      if (old !== this.sendPath) this.retiring.add(old);
      this.replayHeld(target);
      this.retire();
      return;
    }
    let frame: Frame;
    try {
      const whole = this.reassembler.push(bytes);
      if (!whole) return this.reportPartial();
      frame = decodeFrame(whole);
      if (frame.kind === FrameKinds.hello && !this.remoteHello) frame = this.takeOptions(frame);
    } catch (error) {
      return this.close('framing', error instanceof FrameError ? error.message : 'framing error');
    }
    if (frame.kind === FrameKinds.sync) this.syncAt = performance.now();
    this.emit('frame', [frame]);
  }

  /**
   * The remote's first hello: its link options say how large a chunk it takes, and that it
   * may send chunks up to LINK_CHUNK itself. A remote that sent none is an older build: 16 KiB
   * both ways, and a larger chunk from it breaks framing. Returns the hello as the mesh knows it.
   */
  private takeOptions(hello: Frame): Frame {
    this.remoteHello = true;
    const options = decodeLinkOptions(hello.doc);
    if (!options) return hello;
    this.remoteChunk = options.maxChunk;
    this.reassembler.allowChunks(LINK_CHUNK);
    return { ...hello, doc: EMPTY };
  }

  private reportPartial(): void {
    const partial = this.reassembler.partial();
    if (partial && partial.expected >= PROGRESS_MIN_BYTES) this.emit('partial', [partial]);
  }

  private finish(reason: LinkCloseReason, detail: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const transport of [...this.paths.keys()]) this.detachPath(transport).close();
    for (const queue of this.queues) queue.clear();
    this.queuedBytes = 0;
    this.emit('close', [reason, detail]);
    super.destroy();
  }
}

/** A control chunk names a path as its sender sees it: local and remote swap across the wire. */
const matches = (named: { local: string; remote: string }, binding: ChannelBinding): boolean =>
  named.local === binding.remote && named.remote === binding.local;

/** Two ends of a binding, this side's first, short (fingerprints are public: they travel in the SDP). */
const ends = (local: string, remote: string): string => `${local.slice(-11) || 'none'}↔${remote.slice(-11) || 'none'}`;

const EMPTY = new Uint8Array(0);
const OWN_OPTIONS = encodeLinkOptions({ maxChunk: LINK_CHUNK });
