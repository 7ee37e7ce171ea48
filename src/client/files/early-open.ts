/**
 * Opening a file while it arrives (docs/architecture.md §14.5): the receiver decrypts and
 * hashes each chunk in order as the fetch stores it, gathering the plaintext into Blobs, so
 * the content hash is checked and the object URL made moments after the last chunk, instead
 * of a second pass over the whole file once it is stored (about a fifth of a 50 MiB
 * transfer's time was that pass, all of it after the last byte had arrived). In a browser
 * the work runs in a worker (`open-worker.ts`), so the page's thread stays free for texts.
 *
 * Nothing holds the file: the plaintext leaves the JS heap as Blobs of a few chunks
 * (`decrypt-blob.ts`), the feed keeps at most MAX_WAITING sealed chunks for the opener
 * (chunks further ahead are read back from the store), and the worker is handed at most
 * WORKER_WINDOW at a time.
 */
import { chunkCount, type FileRef } from '../../core/files/file-ref.js';
import { OpenFileError, type OpenFailure } from '../../core/files/open-file.js';
import type { ChunkStore } from '../../store/chunk-store.js';
import { decryptToBlob, type OpenRef } from './decrypt-blob.js';
import type { FromOpenWorker, ToOpenWorker } from './open-worker.js';

/** Stored chunks the feed keeps in memory for the opener (4 MiB at the default chunk). */
const MAX_WAITING = 64;
/** Chunks read back per storage transaction. */
const READ_AHEAD = 16;

/** Chunks handed to the worker and not yet taken: its memory stays a few chunks. */
const WORKER_WINDOW = 16;

/**
 * Opening as the file arrives did not happen: the fetch stopped (cancelled, failed, the file
 * deleted) or the worker could not run. Nothing is wrong with the file; a finished one is
 * opened from the store instead.
 */
export class EarlyOpenUnavailable extends Error {
  override readonly name = 'EarlyOpenUnavailable';
  readonly code = 'early-open-unavailable';
}

/**
 * Hands a fetch's stored chunks to an opener reading them in order (`read`): from memory
 * when the opener is close behind, else back from the store. `read` waits for a chunk that
 * is not stored yet, and throws EarlyOpenUnavailable once `stop` was called.
 */
export class ChunkFeed {
  private readonly stored: Set<number>;
  private readonly waiting = new Map<number, Uint8Array>();
  private readonly readBack = new Map<number, Uint8Array>();
  private next = 0;
  private wake: (() => void) | null = null;
  private stopped = false;

  /** `have`: chunks stored before this feed began (a resumed fetch). */
  constructor(
    private readonly store: ChunkStore,
    private readonly root: string,
    have: ReadonlySet<number>,
  ) {
    this.stored = new Set(have);
  }

  /** Checked chunks the fetch has just stored. */
  add(chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>): void {
    for (const { index, bytes } of chunks) {
      this.stored.add(index);
      if (index >= this.next && index < this.next + MAX_WAITING) this.waiting.set(index, bytes);
    }
    this.poke();
  }

  /** No more chunks will come: a `read` waiting now or later throws EarlyOpenUnavailable. */
  stop(): void {
    this.stopped = true;
    this.waiting.clear();
    this.readBack.clear();
    this.poke();
  }

  /** For `openFile`: chunk `index` once it is stored. */
  readonly read = async (index: number): Promise<Uint8Array | null> => {
    this.next = index;
    for (;;) {
      if (this.stopped) throw new EarlyOpenUnavailable('the fetch stopped');
      const bytes = this.waiting.get(index) ?? this.readBack.get(index);
      if (bytes) {
        this.waiting.delete(index);
        this.readBack.delete(index);
        return bytes;
      }
      if (this.stored.has(index)) return this.fromStore(index);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  };

  /** Reads `index` and the stored chunks right after it in one transaction. */
  private async fromStore(index: number): Promise<Uint8Array | null> {
    const indices = [index];
    for (let i = index + 1; indices.length < READ_AHEAD && this.stored.has(i) && !this.waiting.has(i); i++) indices.push(i);
    const read = await this.store.chunks(this.root, indices);
    if (this.stopped) throw new EarlyOpenUnavailable('the fetch stopped');
    read.forEach((bytes, k) => {
      if (k > 0 && bytes) this.readBack.set(indices[k]!, bytes);
    });
    return read[0] ?? null;
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** The opener of one fetch: its feed and the Blob it will make. */
export interface EarlyOpen {
  readonly feed: ChunkFeed;
  readonly blob: Promise<Blob>;
}

/**
 * Starts opening `ref` from a feed of its fetch's chunks: in a worker where there are
 * workers (browsers), else on this thread (Node peers, where nobody renders).
 */
export function openEarly(store: ChunkStore, ref: FileRef & { readonly key: string }, have: ReadonlySet<number>): EarlyOpen {
  const feed = new ChunkFeed(store, ref.root, have);
  const shape: OpenRef = { size: ref.size, chunk: ref.chunk, sha256: ref.sha256, type: ref.type, key: ref.key };
  const blob = typeof Worker === 'undefined' ? decryptToBlob(shape, feed.read) : inWorker(shape, feed);
  // Awaited by whoever finishes the fetch; a fetch that stops never awaits it.
  blob.catch(() => undefined);
  return { feed, blob };
}

/** Feeds the chunks to an opening worker in order, at most WORKER_WINDOW ahead of it. */
async function inWorker(ref: OpenRef, feed: ChunkFeed): Promise<Blob> {
  let worker: Worker;
  try {
    // This exact form is what Vite recognizes to bundle the worker.
    worker = new Worker(new URL('./open-worker.ts', import.meta.url), { type: 'module' });
  } catch (cause) {
    throw new EarlyOpenUnavailable('no worker', { cause });
  }
  let taken = -1;
  let ended: { blob: Blob } | { error: Error } | null = null;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  worker.onmessage = (e: MessageEvent<FromOpenWorker>) => {
    const m = e.data;
    if ('done' in m) taken = m.done;
    else if ('blob' in m) ended = { blob: m.blob };
    else ended = { error: new OpenFileError(m.error.code as OpenFailure, m.error.message) };
    poke();
  };
  // The worker failed to load or crashed: nothing is known about the file.
  worker.onerror = (e) => {
    e.preventDefault();
    ended = { error: new EarlyOpenUnavailable(`the opening worker failed: ${e.message}`) };
    poke();
  };
  const wait = (): Promise<void> => new Promise<void>((resolve) => (wake = resolve));
  try {
    worker.postMessage({ ref } satisfies ToOpenWorker);
    const count = chunkCount(ref.size, ref.chunk);
    for (let i = 0; i < count && !ended; i++) {
      const read = await feed.read(i);
      if (!read) throw new EarlyOpenUnavailable(`chunk ${i} is not stored`);
      // Transferred, not copied: the store holds its own copy already.
      const bytes = read.byteOffset === 0 && read.byteLength === read.buffer.byteLength ? read : read.slice();
      worker.postMessage({ index: i, bytes } satisfies ToOpenWorker, [bytes.buffer]);
      while (!ended && i - taken >= WORKER_WINDOW) await wait();
    }
    while (!ended) await wait();
    const end = ended as { blob: Blob } | { error: Error };
    if ('error' in end) throw end.error;
    return end.blob;
  } finally {
    worker.terminate();
  }
}
