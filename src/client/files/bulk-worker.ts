/**
 * The page's bulk worker (docs/architecture.md §14.2, "The bulk channel"): the links' bulk
 * channels are transferred here, so file chunks arriving on them never make a task on the
 * page's thread, and chunks this device serves are read from the chunk store and sent from
 * here. Its logic is `BulkCore` (net); this file only gives it a home and the store, through
 * a connection of its own to the database the page names.
 */
import { BulkCore, type ChunkReader, type FromBulkWorker, type ToBulkWorker } from '../../net/files/bulk-core.js';
import { IdbChunkStore, openFilesDatabase } from '../../store/idb-chunk-store.js';

const scope = globalThis as unknown as { postMessage(message: FromBulkWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToBulkWorker>) => void) | null };

const openReader = (database: string): ChunkReader => {
  const store = openFilesDatabase(database).then((db) => new IdbChunkStore(db));
  return async (root, indices) => (await store).chunks(root, indices);
};

const core = new BulkCore((message, transfer) => scope.postMessage(message, transfer ?? []), openReader);
scope.onmessage = (e) => core.handle(e.data);
