/**
 * The chunk store seen from the file exchange (docs/architecture.md §14.2): what this device
 * serves to members and where fetched pieces go.
 */
import { chunkMatches, encryptChunk, importFileKey } from '../../core/files/chunk-crypto.js';
import { chunkCount, chunksIn, plainLength, type FileRef } from '../../core/files/file-ref.js';
import type { Topic } from '../../core/ids.js';
import type { FetchSink, FileHolder } from '../../net/files/file-exchange.js';
import type { DirectSink } from '../../net/files/held-chunks.js';
import type { ChunkStore } from '../../store/chunk-store.js';
import { blobReader } from './blob-reader.js';

type Chunks = ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>;

/**
 * Serves only files stored under the conversation asked about: a member of one conversation
 * can never fetch another conversation's file by guessing or learning its root.
 */
export function storeHolder(store: ChunkStore): FileHolder {
  // Which conversation a root belongs to never changes: remembered, so serving a chunk is
  // one read, not two.
  const known = new Map<string, Topic>();
  const owns = async (room: string, root: string): Promise<boolean> => {
    let conversation = known.get(root);
    if (!conversation) {
      conversation = (await store.file(root))?.conversation;
      if (!conversation) return false;
      if (known.size > 1000) known.clear();
      known.set(root, conversation);
    }
    return conversation === room;
  };
  return {
    hashes: async (room, root) => ((await owns(room, root)) ? store.hashes(root) : null),
    chunks: async (room, root, indices) => ((await owns(room, root)) ? store.chunks(root, indices) : indices.map(() => null)),
  };
}

/**
 * Writes a fetch's checked pieces into the store under `root`; chunks through `early.save` when
 * given (the opener that stores them as the file arrives, docs/architecture.md §14.4), and
 * its worker's port for the bulk worker (§14.2, "Worker to worker").
 */
export function storeSink(store: ChunkStore, root: string, early?: { save(chunks: Chunks): Promise<void>; readonly direct?: DirectSink | undefined }): FetchSink {
  return {
    saveHashes: (hashes) => store.putHashes(root, hashes),
    saveChunks: (chunks) => (early ? early.save(chunks) : store.putChunks(root, chunks)),
    ...(early?.direct ? { direct: early.direct } : {}),
  };
}

/**
 * The sender's second pass over a file (docs/architecture.md §14.4): same key, same IVs, so
 * exactly the chunks the root was made of, stored `batch` per write. Only encryption, and a
 * native hash per chunk against the first pass's list, so a file that changed between the
 * passes is refused here rather than served as chunks members refuse.
 */
export async function storeSealed(
  store: ChunkStore,
  ref: Pick<FileRef, 'root' | 'size' | 'chunk'>,
  fileKey: string,
  blob: Blob,
  hashes: Uint8Array,
  batchSize: number,
  progress?: (done: number) => void,
): Promise<void> {
  const key = await importFileKey(fileKey);
  const read = blobReader(blob);
  const count = chunkCount(ref.size, ref.chunk);
  let batch: Array<{ index: number; bytes: Uint8Array }> = [];
  for (let i = 0; i < count; i++) {
    const sealed = await encryptChunk(key, i, await read(i * ref.chunk, plainLength(ref, i)));
    if (!(await chunkMatches(ref, hashes, i, sealed))) throw new Error('the file changed while it was read');
    batch.push({ index: i, bytes: sealed });
    if (batch.length >= batchSize || i === count - 1) {
      await store.putChunks(ref.root, batch);
      batch = [];
      progress?.(Math.min(ref.size, (i + 1) * ref.chunk));
    }
  }
}

/** Chunk bytes read ahead per storage transaction while a file is opened in order (16 chunks of 64 KiB). */
const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * Reads a stored file's chunks in order for `openFile`, READ_AHEAD_BYTES per transaction: opening
 * 50 MiB one chunk per transaction spent most of its time in transaction round trips.
 */
export function orderedChunkReader(store: ChunkStore, ref: Pick<FileRef, 'root' | 'size' | 'chunk'>): (index: number) => Promise<Uint8Array | null> {
  const { root } = ref;
  const count = chunkCount(ref.size, ref.chunk);
  const readAhead = chunksIn(READ_AHEAD_BYTES, ref.chunk);
  let from = 0;
  let ahead: Array<Uint8Array | null> = [];
  return async (index) => {
    if (index < from || index >= from + ahead.length) {
      from = index;
      const indices = Array.from({ length: Math.min(readAhead, count - index) }, (_, i) => index + i);
      ahead = await store.chunks(root, indices);
    }
    return ahead[index - from] ?? null;
  };
}
