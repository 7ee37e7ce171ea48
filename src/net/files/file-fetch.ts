/**
 * Fetching one file (docs/architecture.md §14.2): the hash list first, then every chunk this
 * device lacks, from any member link of the conversation and, where no link can help, from a
 * side source such as the mailbox's blob area.
 *
 * - Each link has a window of chunks asked for, so several members serve at once and a member
 *   that goes away costs at most its window (those requests go to others). A link's window is
 *   sized from its measured rate and round trip (`LinkPace`), at most FETCH_WINDOW_BYTES: what it
 *   has sent waits in this page's queue ahead of any text from that member. A link whose
 *   chunks go to the bulk worker instead (`paced`) is asked for the whole window. While texts
 *   go on a link (its `syncHeardAt`) its window is held to a rate, paced or not
 *   (`LinkPace.cap`). Windows and batches count bytes, not chunks: a file of larger chunks
 *   has fewer in flight and the memory held stays the same (`chunksIn`).
 * - Every piece is checked before it is kept: the hash list against the signed root, each
 *   chunk against its hash. A link that sends a wrong one is dropped (and so penalized by
 *   the mesh); the mailbox, which any member can write to, is only distrusted for a while.
 * - Checked chunks are written in batches; at most MAX_BUFFERED_BYTES wait in memory, so a
 *   200 MB file never is.
 * - A source that says `none`, or does not answer in time, is not asked for those chunks for
 *   a while; when nobody can help the fetch waits (`stalled`) and tries again as members
 *   come and go. It resumes from what is stored, in this session or a later one.
 */
import { ObservableV2 } from 'lib0/observable';
import { chunkMatches, hashListMatches, sealedLength } from '../../core/files/chunk-crypto.js';
import { chunkCount, chunksIn, DEFAULT_CHUNK, FETCH_WINDOW_BYTES, plainLength, type FileRef } from '../../core/files/file-ref.js';
import { Disposables } from '../../core/lifecycle.js';
import type { RoomId } from '../mesh-types.js';
import type { PeerLink } from '../peer-link.js';
import type { GateFile } from './chunk-gate.js';
import { LinkPace } from './fetch-pace.js';
import { MAX_INDICES, type FileFrame } from './file-frames.js';
import { FLUSH_BYTES, HeldChunks, type FetchSink } from './held-chunks.js';

export type { FetchSink } from './held-chunks.js';


/** A source that is not a member link: the mailbox's blob area. Null means "not there". */
export interface SideSource {
  readonly parallel: number;
  hashes(): Promise<Uint8Array | null>;
  chunk(index: number): Promise<Uint8Array | null>;
}

export interface FetchParts {
  readonly room: RoomId;
  readonly ref: Pick<FileRef, 'size' | 'chunk' | 'root'>;
  /** Stored already (resuming). */
  readonly hashes: Uint8Array | null;
  readonly have: ReadonlySet<number>;
  readonly links: () => readonly PeerLink[];
  readonly send: (link: PeerLink, frame: FileFrame) => void;
  readonly drop: (link: PeerLink, detail: string) => void;
  readonly side?: SideSource | null;
  readonly sink: FetchSink;
  /**
   * Where links' chunks are checked (docs/architecture.md §14.2, "The data path"): told the
   * hash list and each link asked, it hands checked chunks to `onChecked`. Without one, chunks
   * that reach `onFrame` are checked here.
   */
  readonly gate?: {
    file(root: string, file: GateFile): void;
    announce(link: PeerLink, root: string): void;
    /** Where the bulk worker may send `root`'s checked chunks instead of this page (`FetchSink.direct`); false where no bulk worker runs. */
    direct?(root: string, port: MessagePort | null): boolean;
  } | null;
  /**
   * Whether a link's chunks reach this page's thread at all (its bulk lane is not ready,
   * docs/architecture.md §14.2). Pacing keeps what waits in the page's task queue ahead of a
   * text short; a link whose chunks go to the bulk worker puts nothing there, so it is asked
   * for the whole window, without pacing's periodic drains. Without one, every link is paced.
   */
  readonly paced?: (link: PeerLink) => boolean;
  readonly timeoutMs?: number;
  /**
   * The clock the pacing measures with, in ms (tests inject one). It must run on
   * `performance.now()`'s time base: a link's `syncHeardAt` is read against it, and on
   * another base a link would look held for the whole fetch, or never.
   */
  readonly now?: () => number;
}

export type FetchState = 'hashes' | 'chunks' | 'done' | 'cancelled' | 'failed';

export type FetchEvents = {
  /** `received` changed (at most every PROGRESS_MS), or the state did. */
  progress: () => void;
  /** Everything is stored. */
  done: () => void;
  /** Storing failed; the fetch stopped. */
  failed: (error: Error) => void;
};

const MiB = 1024 * 1024;
/** A link is asked again once this much of its window was answered. */
const GET_BATCH_BYTES = MiB;
/** Checked chunks waiting to be stored, at most. */
const MAX_BUFFERED_BYTES = 4 * MiB;
const PROGRESS_MS = 100;
/** A source that said `none` or timed out is not asked again for this long. */
const LACK_MS = 5_000;
const SIDE_LACK_MS = 10_000;

interface SourceState {
  outstanding: number;
  /** Chunk index (or -1 for the hash list) → not before this time. */
  readonly lacks: Map<number, number>;
  withdrawn: boolean;
  /** A link's measured window (docs/architecture.md §14.2), made when it is first asked; none for a side source. */
  pace: LinkPace | null;
  /** When the fetch first looked at this source (its clock): sync frames heard before do not hold it. */
  readonly since: number;
}

type Source = PeerLink | SideSource;

export class FileFetch extends ObservableV2<FetchEvents> {
  private current: FetchState;
  private hashes: Uint8Array | null;
  /** What of the file is stored, or checked and on its way to storage. */
  private readonly held: HeldChunks;
  private readonly count: number;
  private readonly inflight = new Map<number, { source: Source; at: number }>();
  private hashesFrom: { source: Source; at: number } | null = null;
  private readonly sources = new Map<Source, SourceState>();
  private cursor = 0;
  private bytes = 0;
  private lastProgress = 0;
  private readonly owned = new Disposables();
  /** FETCH_WINDOW_BYTES (64 chunks of 64 KiB) and the others in this file's chunks. */
  private readonly window: number;
  private readonly getBatch: number;
  private readonly maxBuffered: number;
  private readonly timeoutMs: number;
  /** Whether the bulk worker sends this file's chunks to the opening worker (`FetchSink.direct`), until that worker ends. */
  private direct: 'none' | 'on' | 'lost' = 'none';

  constructor(private readonly parts: FetchParts) {
    super();
    this.hashes = parts.hashes;
    this.count = chunkCount(parts.ref.size, parts.ref.chunk);
    for (const i of new Set(parts.have)) this.bytes += plainLength(parts.ref, i);
    this.current = this.hashes ? 'chunks' : 'hashes';
    // A file of chunks under 64 KiB (no build sends them) counts as 64 KiB chunks: a get names
    // at most MAX_INDICES, and a group as large as the window would wait for all of it.
    const chunk = Math.max(parts.ref.chunk, DEFAULT_CHUNK);
    this.window = Math.min(chunksIn(FETCH_WINDOW_BYTES, chunk), MAX_INDICES);
    this.getBatch = chunksIn(GET_BATCH_BYTES, chunk);
    this.maxBuffered = chunksIn(MAX_BUFFERED_BYTES, chunk);
    this.held = new HeldChunks({
      have: parts.have,
      count: this.count,
      flushEvery: chunksIn(FLUSH_BYTES, chunk),
      // New asks stop at maxBuffered, so a window's answers still fit under twice that (`accept`).
      capacity: 2 * this.maxBuffered,
      sink: parts.sink,
      timeout: (run, ms) => this.owned.timeout(run, ms),
      writing: () => this.current === 'chunks',
      written: () => (this.held.complete ? this.finish() : this.pump()),
      failed: (error) => this.fail(error),
    });
    this.timeoutMs = parts.timeoutMs ?? 15_000;
  }

  get state(): FetchState {
    return this.current;
  }

  /** Plaintext bytes checked (stored or about to be). */
  get received(): number {
    return this.bytes;
  }

  start(): this {
    this.owned.interval(() => this.expire(), 1_000);
    if (this.hashes) this.toGate(this.hashes);
    if (this.held.complete && this.hashes) this.finish();
    else this.pump();
    return this;
  }

  /** `link`'s bulk channel closed under it: what it was asked is asked again at once. */
  laneLost(link: PeerLink): void {
    this.release(link);
    this.pump();
  }

  /** A member joined or left: try again. */
  poke(): void {
    this.pump();
  }

  /** A data, none or cancel frame for this file from a link. */
  onFrame(link: PeerLink, frame: FileFrame): void {
    if (this.current === 'done' || this.current === 'cancelled' || this.current === 'failed') return;
    const state = this.stateOf(link);
    if (frame.type === 'cancel') {
      state.withdrawn = true;
      this.release(link);
    } else if (frame.type === 'none') {
      const until = Date.now() + LACK_MS;
      if (frame.part === 'hashes') {
        state.lacks.set(-1, until);
        if (this.hashesFrom?.source === link) this.hashesFrom = null;
      }
      for (const i of frame.indices) {
        state.lacks.set(i, until);
        if (this.inflight.get(i)?.source === link) this.settle(i);
      }
    } else if (frame.type === 'data') {
      if (frame.part === 'chunks') state.pace?.arrived(frame.index, frame.bytes.length, this.clock());
      void this.accept(link, frame.part, frame.index, frame.bytes);
      return;
    }
    this.pump();
  }

  /**
   * A chunk from `link` that the data path checked; `bytes` is a buffer of its own, or null
   * when the bulk worker sent it to the opening worker (`FetchSink.direct`), which stores it.
   */
  onChecked(link: PeerLink, index: number, bytes: Uint8Array | null): void {
    if (this.current !== 'chunks') return;
    this.stateOf(link).pace?.arrived(index, bytes ? bytes.length : sealedLength(this.parts.ref, index), this.clock());
    if (this.inflight.get(index)?.source === link) this.settle(index);
    // Sent to an opening worker that has ended since: its bytes are gone, it is asked again.
    if (!bytes && this.direct !== 'on') return this.pump();
    this.keep(index, bytes);
  }

  /** Stops: links are told, nothing more is stored. */
  cancel(): void {
    if (this.current === 'done' || this.current === 'cancelled') return;
    this.current = 'cancelled';
    for (const source of this.sources.keys()) if (isLink(source) && !source.isClosed) this.parts.send(source, { type: 'cancel', root: this.parts.ref.root, by: 'asker' });
    this.owned.dispose();
    this.emit('progress', []);
  }

  override destroy(): void {
    this.owned.dispose();
    super.destroy();
  }

  private stateOf(source: Source): SourceState {
    let state = this.sources.get(source);
    if (!state) {
      this.sources.set(source, (state = { outstanding: 0, lacks: new Map(), withdrawn: false, pace: null, since: this.clock() }));
    }
    return state;
  }

  /**
   * A sync frame from `link` (a text, an edit, a receipt of a text sent from here) holds its
   * window down for a while (`LinkPace.cap`); the link keeps when it last heard one
   * (`PeerLink.syncHeardAt`). Not the ones before the fetch looked at the link: the file
   * message itself came as one, and a transfer would start held. Acks and presence are not
   * sync frames (the holder acks this device's receipt of the very file message; presence
   * comes on a timer, texts or not).
   */
  private talkOf(link: PeerLink, since: number): () => number {
    return () => {
      const at = link.syncHeardAt;
      return at >= since ? at : -Infinity;
    };
  }

  private lacks(source: Source, index: number, now: number): boolean {
    const state = this.stateOf(source);
    if (state.withdrawn) return true;
    const until = state.lacks.get(index);
    if (until === undefined) return false;
    if (until > now) return true;
    state.lacks.delete(index);
    return false;
  }

  private pump(): void {
    if (this.current === 'done' || this.current === 'cancelled' || this.current === 'failed') return;
    const now = Date.now();
    const links = this.parts.links().filter((l) => !l.isClosed && l.peer);
    // A link that closed, or left the room (a rekey: it joins again under the new epoch's
    // keys, docs/architecture.md §5.7), will never answer what it was asked: ask again, of it
    // once it is back or of others, rather than wait for the timeout.
    const current = new Set(links);
    for (const source of this.sources.keys()) if (isLink(source) && !current.has(source)) this.release(source);
    const side = this.parts.side ?? null;
    if (this.current === 'hashes') {
      if (this.hashesFrom) return;
      const link = links.find((l) => !this.lacks(l, -1, now));
      if (link) {
        this.hashesFrom = { source: link, at: now };
        this.parts.send(link, { type: 'get', root: this.parts.ref.root, part: 'hashes', indices: [] });
      } else if (side && !this.lacks(side, -1, now)) {
        this.hashesFrom = { source: side, at: now };
        void side.hashes().then(
          (bytes) => (bytes ? this.accept(side, 'hashes', 0, bytes) : this.sideLacks(side, -1)),
          () => this.sideLacks(side, -1),
        );
      }
      return;
    }
    if (this.held.pending >= this.maxBuffered) return;
    for (const link of links) {
      const state = this.stateOf(link);
      const chunk = this.parts.ref.chunk;
      const clock = this.clock();
      const pace = (state.pace ??= new LinkPace(this.talkOf(link, state.since)));
      const paced = this.parts.paced?.(link) ?? true;
      if (paced && !pace.mayAsk(state.outstanding * chunk, clock)) continue;
      const bytes = paced ? pace.window : this.window * chunk;
      const window = Math.max(1, Math.min(this.window, Math.floor(pace.cap(bytes, clock) / chunk)));
      const room = window - state.outstanding;
      // Asks in groups: one `get` per arriving chunk cost the asker a frame per chunk; a
      // quarter of a small window, so the link's queue never runs dry waiting for a group.
      if (room < Math.min(this.getBatch, Math.max(1, window >> 2))) continue;
      const picked = this.pick(room, (i) => !this.lacks(link, i, now));
      if (picked.length === 0) continue;
      for (const i of picked) this.inflight.set(i, { source: link, at: now });
      pace.asked(picked, state.outstanding * chunk, clock);
      state.outstanding += picked.length;
      this.parts.gate?.announce(link, this.parts.ref.root);
      this.parts.send(link, { type: 'get', root: this.parts.ref.root, part: 'chunks', indices: picked });
    }
    if (!side) return;
    // The mailbox only for what no member link can give right now.
    const state = this.stateOf(side);
    const picked = this.pick(side.parallel - state.outstanding, (i) => !this.lacks(side, i, now) && links.every((l) => this.lacks(l, i, now)));
    for (const i of picked) {
      this.inflight.set(i, { source: side, at: now });
      state.outstanding++;
      void side.chunk(i).then(
        (bytes) => (bytes ? this.accept(side, 'chunks', i, bytes) : this.sideLacks(side, i)),
        () => this.sideLacks(side, i),
      );
    }
  }

  /** Up to `n` chunk indices nobody was asked for yet that `ok` allows, lowest first. */
  private pick(n: number, ok: (index: number) => boolean): number[] {
    const out: number[] = [];
    while (this.cursor < this.count && this.held.holds(this.cursor)) this.cursor++;
    for (let i = this.cursor; i < this.count && out.length < n; i++) {
      if (this.held.holds(i) || this.inflight.has(i)) continue;
      if (ok(i)) out.push(i);
    }
    return out;
  }

  private sideLacks(side: SideSource, index: number): void {
    this.stateOf(side).lacks.set(index, Date.now() + SIDE_LACK_MS);
    if (index === -1) this.hashesFrom = null;
    else if (this.inflight.get(index)?.source === side) this.settle(index);
    this.pump();
  }

  private async accept(source: Source, part: 'hashes' | 'chunks', index: number, bytes: Uint8Array): Promise<void> {
    const ref = this.parts.ref;
    if (part === 'hashes') {
      if (!(await hashListMatches(ref, bytes))) return this.bad(source, -1, 'a hash list that does not match the file');
      // A late answer from a source asked before another one answered: right, but not needed.
      if (this.hashes || this.current !== 'hashes') return;
      this.hashes = bytes.slice();
      this.hashesFrom = null;
      this.current = 'chunks';
      this.toGate(this.hashes);
      try {
        await this.parts.sink.saveHashes(this.hashes);
      } catch (error) {
        return this.fail(error);
      }
      if (this.held.complete) return this.finish();
      return this.pump();
    }
    if (!this.hashes || index >= this.count) return this.bad(source, index, 'a chunk nobody asked for');
    if (this.held.holds(index)) {
      if (this.inflight.get(index)?.source === source) this.settle(index);
      return this.pump();
    }
    // New asks stop at MAX_BUFFERED_BYTES, so a window's answers still fit under twice that.
    // Past it are late answers to requests already asked again (of a link that left the room
    // and came back) while the writes lag: not kept, so memory stays bounded; asked again later.
    // (Checked again after the hash check: answers are checked side by side.)
    if (this.held.full) {
      if (this.inflight.get(index)?.source === source) this.settle(index);
      return;
    }
    // Still in flight while it is checked, so it is not asked for again meanwhile.
    const ok = await chunkMatches(ref, this.hashes, index, bytes);
    if (this.inflight.get(index)?.source === source) this.settle(index);
    if (!ok) return this.bad(source, index, `chunk ${index} does not match its hash`);
    this.keep(index, bytes.slice());
  }

  /** The gate learns the hash list, and where checked chunks may go instead of this page. */
  private toGate(hashes: Uint8Array): void {
    const { root, size, chunk } = this.parts.ref;
    this.parts.gate?.file(root, { hashes, size, chunk });
    const direct = this.parts.sink.direct;
    if (!direct || this.direct !== 'none' || !this.parts.gate?.direct) return;
    const port = direct.take();
    if (!port) return;
    direct.listen({
      stored: (indices) => this.direct === 'on' && this.held.storedElsewhere(indices),
      failed: (error) => this.direct === 'on' && this.current === 'chunks' && this.fail(error),
      lost: () => {
        if (this.direct !== 'on') return;
        this.direct = 'lost';
        if (this.current !== 'chunks') return;
        // What it had not stored is asked again (the cursor passed it as held), and counted again when it comes; later chunks come to this page, with their bytes.
        for (const index of this.held.lostElsewhere()) this.bytes -= plainLength(this.parts.ref, index);
        this.cursor = 0;
        this.parts.gate?.direct?.(root, null);
        this.pump();
      },
    });
    if (this.parts.gate.direct(root, port)) this.direct = 'on';
    else port.close();
  }

  /** Keeps a checked chunk (a buffer of its own, or null: stored by the opening worker) to be stored, unless it is held or memory is full. */
  private keep(index: number, bytes: Uint8Array | null): void {
    // Past `full` are late answers while the writes lag (see `accept`): asked again later.
    if (this.current === 'chunks' && (bytes ? this.held.take(index, bytes) : this.held.takeElsewhere(index))) {
      this.bytes += plainLength(this.parts.ref, index);
      this.reportProgress();
    }
    this.pump();
  }

  private bad(source: Source, index: number, detail: string): void {
    if (isLink(source)) {
      this.release(source);
      this.parts.drop(source, detail);
    } else {
      // Any member can write to the mailbox: distrust it for a while, never for good.
      this.sideLacks(source, index);
    }
    this.pump();
  }

  private settle(index: number): void {
    const asked = this.inflight.get(index);
    if (!asked) return;
    this.inflight.delete(index);
    this.stateOf(asked.source).outstanding--;
  }

  /** Forgets everything a source was asked for, so others are asked instead. */
  private release(source: Source): void {
    this.sources.get(source)?.pace?.reset();
    for (const [i, asked] of this.inflight) if (asked.source === source) this.settle(i);
    if (this.hashesFrom?.source === source) this.hashesFrom = null;
  }

  private expire(): void {
    const now = Date.now();
    for (const [i, asked] of this.inflight) {
      if (now - asked.at < this.timeoutMs) continue;
      this.settle(i);
      this.stateOf(asked.source).lacks.set(i, now + LACK_MS);
    }
    if (this.hashesFrom && now - this.hashesFrom.at >= this.timeoutMs) {
      this.stateOf(this.hashesFrom.source).lacks.set(-1, now + LACK_MS);
      this.hashesFrom = null;
    }
    this.pump();
  }

  private clock(): number {
    return this.parts.now ? this.parts.now() : performance.now();
  }

  private reportProgress(): void {
    const now = Date.now();
    if (now - this.lastProgress < PROGRESS_MS) return;
    this.lastProgress = now;
    this.emit('progress', []);
  }

  private finish(): void {
    // A write that was under way when the fetch was cancelled or failed ends here.
    if (this.current === 'done' || this.current === 'cancelled' || this.current === 'failed') return;
    this.current = 'done';
    this.owned.dispose();
    this.emit('progress', []);
    this.emit('done', []);
  }

  private fail(error: unknown): void {
    if (this.current === 'failed') return;
    this.current = 'failed';
    this.owned.dispose();
    this.emit('failed', [error instanceof Error ? error : new Error(String(error))]);
  }
}

const isLink = (source: Source): source is PeerLink => 'send' in source;
