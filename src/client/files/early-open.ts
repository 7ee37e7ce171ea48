/**
 * Opening a file while it arrives (docs/architecture.md §14.5): the receiver decrypts and
 * hashes each chunk in order as the fetch stores it, gathering the plaintext into Blobs, so
 * the content hash is checked and the object URL made moments after the last chunk, instead
 * of a second pass over the whole file once it is stored (about a fifth of a 50 MiB
 * transfer's time was that pass, all of it after the last byte had arrived).
 *
 * Neither side holds the file: a Blob per OPEN_BATCH plaintext chunks leaves the JS heap for
 * the browser's blob store as soon as it is made, and the feed keeps at most MAX_WAITING
 * sealed chunks for the opener; chunks further ahead are read back from the store.
 */
import type { FileRef } from '../../core/files/file-ref.js';
import { openFile } from '../../core/files/open-file.js';
import type { ChunkStore } from '../../store/chunk-store.js';

/** Decrypted chunks gathered into one Blob (1 MiB at the default chunk). */
const OPEN_BATCH = 16;
/** Stored chunks the feed keeps in memory for the opener (4 MiB at the default chunk). */
const MAX_WAITING = 64;
/** Chunks read back per storage transaction. */
const READ_AHEAD = 16;

/** The fetch stopped (cancelled, failed, the file deleted) before the opener had every chunk. */
export class FeedStopped extends Error {
  override readonly name = 'FeedStopped';
  readonly code = 'feed-stopped';
}

/**
 * Decrypts a file chunk by chunk through `openFile` (content hash checked before the last
 * part) into one Blob of `ref.type`; throws what `openFile` or `read` throws.
 */
export async function decryptToBlob(ref: Pick<FileRef, 'size' | 'chunk' | 'sha256' | 'type'> & { readonly key: string }, read: (index: number) => Promise<Uint8Array | null>): Promise<Blob> {
  const blobs: Blob[] = [];
  let batch: Uint8Array<ArrayBuffer>[] = [];
  for await (const part of openFile(ref, read)) {
    batch.push(part as Uint8Array<ArrayBuffer>);
    if (batch.length >= OPEN_BATCH) {
      blobs.push(new Blob(batch));
      batch = [];
    }
  }
  if (batch.length > 0) blobs.push(new Blob(batch));
  return new Blob(blobs, { type: ref.type });
}

/**
 * Hands a fetch's stored chunks to an opener reading them in order (`read`): from memory
 * when the opener is close behind, else back from the store. `read` waits for a chunk that
 * is not stored yet, and throws FeedStopped once `stop` was called.
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

  /** No more chunks will come: a `read` waiting now or later throws FeedStopped. */
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
      if (this.stopped) throw new FeedStopped('the fetch stopped');
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
    if (this.stopped) throw new FeedStopped('the fetch stopped');
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

/** Starts opening `ref` from a feed of its fetch's chunks. */
export function openEarly(store: ChunkStore, ref: FileRef & { readonly key: string }, have: ReadonlySet<number>): EarlyOpen {
  const feed = new ChunkFeed(store, ref.root, have);
  const blob = decryptToBlob(ref, feed.read);
  // Awaited by whoever finishes the fetch; a fetch that stops never awaits it.
  blob.catch(() => undefined);
  return { feed, blob };
}
