/**
 * The holder's side of file transfer (docs/architecture.md §14.2): answers other members'
 * requests for a file's hash list and chunks from what this device stores.
 *
 * Each link has one queue, served in order, READS_AHEAD stored reads at a time; a read takes
 * up to READ_BATCH_BYTES of queued chunks of the same file at once (one storage transaction,
 * whose round trip costs more than the read: measured, docs/architecture.md §14.2). Receivers keep only a
 * small window of requests open per link, so a queue stays short; one that grows past
 * MAX_QUEUED (no honest member asks for that much at once) drops the link. Chunks go out in
 * the bulk lane, so a sync frame queued after them still leaves first (framing.ts). A
 * request for anything this device does not hold is answered with `none`, so the asker
 * tries someone else at once instead of waiting for a timeout.
 *
 * While this side sends the conversation's own frames on a link (a sync frame less than
 * `talkMs` ago: a text, an edit, a receipt for the asker's texts), the link's queue is served
 * one chunk at a time at `talkRate`, the rate the asker's fetch holds its asks to once it
 * hears them (fetch-pace.ts). The fetch's hold acts on what it asks next, and a bulk link is
 * asked for the whole 4 MiB window at once, so the texts of a transfer's first half second
 * waited behind the backlog asked before the first of them was heard (docs/files-measured.md,
 * seventeenth round). Frames sent before the queue's serving began do not count (the file's
 * own message went just before its first request), nor frames heard (the asker's receipt
 * for that message comes right after it).
 */
import { ObservableV2 } from 'lib0/observable';
import { CHUNK_OVERHEAD, chunksIn, DEFAULT_CHUNK } from '../../core/files/file-ref.js';
import type { RoomId } from '../mesh-types.js';
import type { PeerLink } from '../peer-link.js';
import { PACE } from './fetch-pace.js';
import type { FileFrame } from './file-frames.js';

/** Reads what this device holds; implemented over the chunk store by the client. */
export interface FileHolder {
  /** The hash list of a file this device holds in `room`, or null. */
  hashes(room: RoomId, root: string): Promise<Uint8Array | null>;
  /** Encrypted chunks of a file in `room`, in the order asked; null for one not held (yet). */
  chunks(room: RoomId, root: string, indices: readonly number[]): Promise<Array<Uint8Array | null>>;
}

export type FileServerEvents = {
  /** A chunk of `root` went to `device` (for the sender's progress). */
  served: (room: RoomId, root: string, device: string, index: number) => void;
  /** `device` stopped wanting `root`. */
  cancelled: (room: RoomId, root: string, device: string) => void;
};

/** Requests one link may have waiting: 4 downloads' windows, with room. */
const MAX_QUEUED = 512;
/** Queued chunks of one file read together: 8 of 64 KiB, 2 of 256 KiB. */
const READ_BATCH_BYTES = 512 * 1024;
/** Files whose chunk size is remembered (learned from their first read: a get does not say). */
const MAX_KNOWN = 1000;
/** Reads in flight per link. */
const READS_AHEAD = 2;

interface Job {
  readonly room: RoomId;
  readonly root: string;
  readonly part: 'hashes' | 'chunks';
  readonly index: number;
}

interface Batch {
  readonly jobs: readonly Job[];
  readonly read: Promise<Read>;
}

export interface FileServerParts {
  readonly holder: FileHolder;
  readonly send: (room: RoomId, link: PeerLink, frame: FileFrame) => void;
  /** Drops a link that broke the rules. */
  readonly drop: (link: PeerLink, detail: string) => void;
  /** The clock `PeerLink`'s sync times are on (`performance.now()`), and a pause on it; for tests. */
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The part of a link the hold reads: when this side last sent it a sync frame. */
type SyncTimes = Pick<PeerLink, 'syncSentAt'>;

type Read = Array<Uint8Array | null>;

export class FileServer extends ObservableV2<FileServerEvents> {
  private readonly queues = new Map<PeerLink, Job[]>();
  /** Files this device stopped serving (their sender cancelled). */
  private readonly withdrawn = new Set<string>();
  /** Root → chunk size, from the chunks read so far. */
  private readonly chunkSizes = new Map<string, number>();
  private destroyed = false;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly parts: FileServerParts) {
    super();
    this.clock = parts.clock ?? (() => performance.now());
    this.sleep = parts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Handles a `get` or an asker's `cancel` from a link that joined `room`. */
  handle(room: RoomId, link: PeerLink, frame: FileFrame): void {
    if (this.destroyed) return;
    if (frame.type === 'cancel') {
      const queue = this.queues.get(link);
      if (queue) this.queues.set(link, queue.filter((j) => j.root !== frame.root));
      if (link.peer) this.emit('cancelled', [room, frame.root, link.peer.device]);
      return;
    }
    if (frame.type !== 'get') return;
    if (this.withdrawn.has(frame.root)) {
      this.parts.send(room, link, { type: 'none', root: frame.root, part: frame.part, indices: frame.indices });
      return;
    }
    let queue = this.queues.get(link);
    const fresh = !queue;
    if (!queue) this.queues.set(link, (queue = []));
    if (frame.part === 'hashes') queue.push({ room, root: frame.root, part: 'hashes', index: 0 });
    else for (const index of frame.indices) queue.push({ room, root: frame.root, part: 'chunks', index });
    if (queue.length > MAX_QUEUED) {
      this.queues.delete(link);
      this.parts.drop(link, `more than ${MAX_QUEUED} file requests waiting`);
      return;
    }
    if (fresh) void this.serve(link);
  }

  /** Stops serving a file: queued requests are dropped and later ones answered `none`. */
  withdraw(root: string, tell: ReadonlyArray<{ room: RoomId; link: PeerLink }>): void {
    this.withdrawn.add(root);
    for (const [link, queue] of this.queues) this.queues.set(link, queue.filter((j) => j.root !== root));
    for (const { room, link } of tell) this.parts.send(room, link, { type: 'cancel', root, by: 'holder' });
  }

  /** Serves a withdrawn file again (it was sent anew). */
  restore(root: string): void {
    this.withdrawn.delete(root);
  }

  /** Forgets a closed link's queue. */
  forget(link: PeerLink): void {
    this.queues.delete(link);
  }

  override destroy(): void {
    this.destroyed = true;
    this.queues.clear();
    super.destroy();
  }

  private async serve(link: PeerLink): Promise<void> {
    const missing = new Map<string, Job[]>();
    // Up to READS_AHEAD reads run at once, answered in order: with one at a time the path ran
    // dry while the next read was awaited (docs/architecture.md §14.2).
    const reads: Batch[] = [];
    const since = this.clock();
    for (;;) {
      const queue = this.queues.get(link);
      if (!queue || this.destroyed || link.isClosed) break;
      const held = this.talking(link, since);
      while (reads.length < (held ? 1 : READS_AHEAD)) {
        const jobs = takeBatch(queue, (root) => (held ? 1 : chunksIn(READ_BATCH_BYTES, this.chunkSizes.get(root) ?? DEFAULT_CHUNK)));
        if (jobs.length === 0) break;
        reads.push({ jobs, read: this.read(jobs) });
      }
      const batch = reads.shift();
      if (!batch) break;
      const read = await batch.read;
      if (this.destroyed || link.isClosed || this.queues.get(link) !== queue) break;
      this.learnChunkSize(batch.jobs[0]!, read);
      let sent = 0;
      batch.jobs.forEach((job, i) => {
        const bytes = read[i];
        if (!bytes || this.withdrawn.has(job.root)) {
          const key = `${job.room}\n${job.root}\n${job.part}`;
          const list = missing.get(key) ?? [];
          list.push(job);
          missing.set(key, list);
        } else {
          this.parts.send(job.room, link, { type: 'data', root: job.root, part: job.part, index: job.index, bytes });
          if (job.part === 'chunks') sent += bytes.length;
          if (job.part === 'chunks' && link.peer) this.emit('served', [job.room, job.root, link.peer.device, job.index]);
        }
      });
      // Held: the next chunk waits as long as this one takes at the held rate.
      if (sent > 0 && this.talking(link, since)) await this.sleep((sent * 1000) / PACE.talkRate);
      // Answer what is missing once the queue ran dry, in as few frames as possible.
      if (queue.length === 0 && reads.length === 0) this.flushMissing(link, missing);
    }
    this.flushMissing(link, missing);
    if (this.queues.get(link)?.length === 0) this.queues.delete(link);
  }

  /** Whether this side sent `link` the conversation's own frames lately, since `since` (see the top of this file). */
  private talking(link: SyncTimes, since: number): boolean {
    const at = link.syncSentAt;
    return at >= since && this.clock() - at < PACE.talkMs;
  }

  /** Only a file's last chunk is shorter than the others: the largest read so far is its chunk size. */
  private learnChunkSize(job: Job, read: Read): void {
    if (job.part !== 'chunks') return;
    const largest = read.reduce((n, bytes) => Math.max(n, bytes ? bytes.length - CHUNK_OVERHEAD : 0), DEFAULT_CHUNK);
    if (largest <= (this.chunkSizes.get(job.root) ?? 0)) return;
    if (this.chunkSizes.size >= MAX_KNOWN) this.chunkSizes.clear();
    this.chunkSizes.set(job.root, largest);
  }

  /** Reads one batch (all of one file, one part); a failure surfaces where it is awaited. */
  private read(jobs: readonly Job[]): Promise<Read> {
    const { room, root, part } = jobs[0]!;
    const { holder } = this.parts;
    const read =
      part === 'hashes'
        ? holder.hashes(room, root).then((bytes) => [bytes])
        : holder.chunks(
            room,
            root,
            jobs.map((j) => j.index),
          );
    // Awaited later, after the batch before it: keep a failure from counting as unhandled meanwhile.
    read.catch(() => {});
    return read;
  }

  private flushMissing(link: PeerLink, missing: Map<string, Job[]>): void {
    if (link.isClosed) return missing.clear();
    for (const jobs of missing.values()) {
      const { room, root, part } = jobs[0]!;
      for (let i = 0; i < jobs.length; i += 64) {
        const indices = part === 'hashes' ? [] : jobs.slice(i, i + 64).map((j) => j.index);
        this.parts.send(room, link, { type: 'none', root, part, indices });
        if (part === 'hashes') break;
      }
    }
    missing.clear();
  }
}

/** Takes the head job, with the chunk jobs of the same file right behind it (up to `most(root)`). */
function takeBatch(queue: Job[], most: (root: string) => number): Job[] {
  const head = queue.shift();
  if (!head) return [];
  const jobs = [head];
  if (head.part !== 'chunks') return jobs;
  const limit = most(head.root);
  while (jobs.length < limit) {
    const next = queue[0];
    if (!next || next.part !== 'chunks' || next.root !== head.root || next.room !== head.room) break;
    jobs.push(queue.shift()!);
  }
  return jobs;
}
