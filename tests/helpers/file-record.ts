/** A chunk store's record of a file, for tests that store chunks (a store keeps chunks only of a recorded file). */
import type { Topic } from '../../src/core/ids.js';
import type { ChunkStore, StoredFile } from '../../src/store/chunk-store.js';

export function fileRecord(root: string, extra: Partial<StoredFile> = {}): StoredFile {
  return {
    root,
    conversation: '00000000000000000000000000000001' as Topic,
    event: 'event-1',
    name: 'a.bin',
    type: 'application/octet-stream',
    size: 100,
    chunk: 65536,
    bytes: 0,
    complete: false,
    sent: false,
    at: 1,
    ...extra,
  };
}

/** `store` with a record of `root`, ready for its chunks. */
export async function recorded<S extends ChunkStore>(store: S, root: string): Promise<S> {
  await store.putFile(fileRecord(root));
  return store;
}
