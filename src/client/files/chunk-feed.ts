/**
 * The chunks of a file being fetched, handed in order to its opener (docs/architecture.md
 * §14.4): from memory when the opener is close behind, else read back from the store. Runs
 * beside the store that writes them: in the opening worker in a browser, on the one thread
 * in Node peers.
 */
import { chunksIn, DEFAULT_CHUNK } from '../../core/files/file-ref.js';
import type { ChunkStore } from '../../store/chunk-store.js';

/**
 * Sealed bytes the feed keeps in memory for the opener: 64 chunks of 64 KiB, fewer of a
 * file cut into larger chunks (docs/architecture.md §14.2).
 */
const MAX_WAITING_BYTES = 4 * 1024 * 1024;
/** Bytes read back per storage transaction (16 chunks of 64 KiB). */
const READ_AHEAD_BYTES = 1024 * 1024;

/** EarlyOpenUnavailable's code, also as the opening worker reports it. */
export const UNAVAILABLE_CODE = 'early-open-unavailable';

/**
 * Opening as the file arrives did not happen: the fetch stopped (cancelled, failed, the file
 * deleted) or the worker could not run. Nothing is wrong with the file; a finished one is
 * opened from the store instead.
 */
export class EarlyOpenUnavailable extends Error {
  override readonly name = 'EarlyOpenUnavailable';
  readonly code = UNAVAILABLE_CODE;
}

/**
 * Hands a fetch's checked chunks to an opener reading them in order (`read`): from memory
 * when the opener is close behind (as they arrive, or once stored), else back from the
 * store. `read` waits for a chunk that has neither arrived nor been stored, and throws
 * EarlyOpenUnavailable once `stop` was called.
 */
export class ChunkFeed {
  private readonly stored: Set<number>;
  private readonly waiting = new Map<number, Uint8Array>();
  private readonly readBack = new Map<number, Uint8Array>();
  private next = 0;
  /** The file's chunk size as its message names it, counted as at least DEFAULT_CHUNK: a file of smaller chunks keeps 64. */
  private readonly chunk: number;
  private wake: (() => void) | null = null;
  private stopped = false;

  /** `have`: chunks stored before this feed began (a resumed fetch). */
  constructor(
    private readonly store: ChunkStore,
    private readonly root: string,
    have: ReadonlySet<number>,
    chunk: number,
  ) {
    this.stored = new Set(have);
    this.chunk = Math.max(chunk, DEFAULT_CHUNK);
  }

  /**
   * Checked chunks on their way to the store: the opener may take them now, while they are
   * written (docs/architecture.md §14.4). One it does not keep (too far ahead) it reads back
   * once `add` says it is stored.
   */
  arrived(chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>): void {
    for (const { index, bytes } of chunks) this.keep(index, bytes);
    this.poke();
  }

  /** Checked chunks the fetch has just stored. */
  add(chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>): void {
    for (const { index, bytes } of chunks) {
      this.stored.add(index);
      this.keep(index, bytes);
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

  /** For `openFile`, in order: chunk `index` once it arrived or is stored. */
  readonly read = async (index: number): Promise<Uint8Array | null> => {
    this.next = index;
    for (;;) {
      if (this.stopped) throw new EarlyOpenUnavailable('the fetch stopped');
      const bytes = this.waiting.get(index) ?? this.readBack.get(index);
      if (bytes) {
        this.waiting.delete(index);
        this.readBack.delete(index);
        // Handed over: its `add` once stored must not keep it again.
        this.next = index + 1;
        return bytes;
      }
      if (this.stored.has(index)) {
        const read = await this.fromStore(index);
        this.next = index + 1;
        return read;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  };

  /** Reads `index` and the stored chunks right after it in one transaction. */
  private async fromStore(index: number): Promise<Uint8Array | null> {
    const indices = [index];
    const readAhead = chunksIn(READ_AHEAD_BYTES, this.chunk);
    for (let i = index + 1; indices.length < readAhead && this.stored.has(i) && !this.waiting.has(i); i++) indices.push(i);
    const read = await this.store.chunks(this.root, indices);
    if (this.stopped) throw new EarlyOpenUnavailable('the fetch stopped');
    read.forEach((bytes, k) => {
      if (k > 0 && bytes) this.readBack.set(indices[k]!, bytes);
    });
    return read[0] ?? null;
  }

  private keep(index: number, bytes: Uint8Array): void {
    if (index >= this.next && index < this.next + chunksIn(MAX_WAITING_BYTES, this.chunk) && !this.stopped) this.waiting.set(index, bytes);
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
