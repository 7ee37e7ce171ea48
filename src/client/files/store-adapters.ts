/**
 * The chunk store seen from the file exchange (docs/architecture.md §14.2): what this device
 * serves to members and where fetched pieces go.
 */
import type { Topic } from '../../core/ids.js';
import type { FetchSink, FileHolder } from '../../net/files/file-exchange.js';
import type { ChunkStore } from '../../store/chunk-store.js';

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

/** Writes a fetch's checked pieces into the store under `root`. */
export function storeSink(store: ChunkStore, root: string): FetchSink {
  return {
    saveHashes: (hashes) => store.putHashes(root, hashes),
    saveChunks: (chunks) => store.putChunks(root, chunks),
  };
}

/** Chunks read ahead per storage transaction while a file is opened in order. */
const READ_AHEAD = 16;

/**
 * Reads a stored file's chunks in order for `openFile`, READ_AHEAD per transaction: opening
 * 50 MiB one chunk per transaction spent most of its time in transaction round trips.
 */
export function orderedChunkReader(store: ChunkStore, root: string, count: number): (index: number) => Promise<Uint8Array | null> {
  let from = 0;
  let ahead: Array<Uint8Array | null> = [];
  return async (index) => {
    if (index < from || index >= from + ahead.length) {
      from = index;
      const indices = Array.from({ length: Math.min(READ_AHEAD, count - index) }, (_, i) => index + i);
      ahead = await store.chunks(root, indices);
    }
    return ahead[index - from] ?? null;
  };
}
