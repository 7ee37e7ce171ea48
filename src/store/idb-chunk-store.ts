/**
 * `ChunkStore` on IndexedDB (docs/architecture.md §14.3), in a database of its own
 * (`parley-files`) so files never wait behind, or version-lock, the app's database.
 *
 * Stores: `files` (records by root), `hashes` (hash lists by root), `chunks` keyed
 * [root, index]. A batch of chunks and the record's byte count commit in one transaction;
 * chunk writes keep the default (relaxed) durability: a chunk lost in a crash is fetched
 * again, unlike a message.
 */
import type { Topic } from '../core/ids.js';
import type { ChunkStore, FileAmendment, StoredFile } from './chunk-store.js';
import { committed, openDatabase, request } from './idb.js';

const FILES = 'files';
const HASHES = 'hashes';
const CHUNKS = 'chunks';
/** Media settings of this device (auto-download rules). */
export const FILE_SETTINGS = 'settings';

/** The files' own database (a worker opens it by this name too). */
export const FILES_DATABASE = 'parley-files';

export function openFilesDatabase(name = FILES_DATABASE, factory?: IDBFactory): Promise<IDBDatabase> {
  return openDatabase(
    name,
    1,
    (db) => {
      db.createObjectStore(FILES, { keyPath: 'root' }).createIndex('conversation', 'conversation');
      db.createObjectStore(HASHES);
      db.createObjectStore(CHUNKS);
      db.createObjectStore(FILE_SETTINGS);
    },
    factory,
  );
}

const range = (root: string): IDBKeyRange => IDBKeyRange.bound([root, 0], [root, Number.MAX_SAFE_INTEGER]);

export class IdbChunkStore implements ChunkStore {
  constructor(private readonly db: IDBDatabase) {}

  get database(): string {
    return this.db.name;
  }

  async file(root: string): Promise<StoredFile | null> {
    const tx = this.db.transaction(FILES, 'readonly');
    return ((await request(tx.objectStore(FILES).get(root))) as StoredFile | undefined) ?? null;
  }

  async putFile(file: StoredFile): Promise<void> {
    const tx = this.db.transaction(FILES, 'readwrite');
    const store = tx.objectStore(FILES);
    const old = (await request(store.get(file.root))) as StoredFile | undefined;
    store.put({ ...file, bytes: old ? old.bytes : file.bytes });
    await committed(tx);
  }

  async amendFile(root: string, change: FileAmendment): Promise<void> {
    const tx = this.db.transaction(FILES, 'readwrite');
    const store = tx.objectStore(FILES);
    const record = (await request(store.get(root))) as StoredFile | undefined;
    if (record) store.put({ ...record, ...change });
    await committed(tx);
  }

  async hashes(root: string): Promise<Uint8Array | null> {
    const tx = this.db.transaction(HASHES, 'readonly');
    const value = (await request(tx.objectStore(HASHES).get(root))) as Uint8Array | undefined;
    return value ?? null;
  }

  async putHashes(root: string, hashes: Uint8Array): Promise<void> {
    const tx = this.db.transaction([FILES, HASHES], 'readwrite');
    if (await request(tx.objectStore(FILES).getKey(root))) tx.objectStore(HASHES).put(hashes, root);
    await committed(tx);
  }

  async chunk(root: string, index: number): Promise<Uint8Array | null> {
    const tx = this.db.transaction(CHUNKS, 'readonly');
    const value = (await request(tx.objectStore(CHUNKS).get([root, index]))) as Uint8Array | undefined;
    return value ?? null;
  }

  async chunks(root: string, indices: readonly number[]): Promise<Array<Uint8Array | null>> {
    if (indices.length === 0) return [];
    // One transaction for the lot: a transaction's round trip, not the read, is what costs.
    const store = this.db.transaction(CHUNKS, 'readonly').objectStore(CHUNKS);
    const low = Math.min(...indices);
    const high = Math.max(...indices);
    if (indices.length > 1 && high - low < 2 * indices.length) {
      // A run (what serving and opening ask for): two requests instead of one per chunk,
      // whose dispatch and callback on the page's thread cost more than the read.
      const span = IDBKeyRange.bound([root, low], [root, high]);
      const [keys, values] = await Promise.all([request(store.getAllKeys(span)), request(store.getAll(span))]);
      const byIndex = new Map<number, Uint8Array>();
      keys.forEach((key, k) => byIndex.set((key as [string, number])[1], values[k] as Uint8Array));
      return indices.map((i) => byIndex.get(i) ?? null);
    }
    const values = await Promise.all(indices.map((i) => request(store.get([root, i]))));
    return values.map((v) => (v as Uint8Array | undefined) ?? null);
  }

  async putChunks(root: string, chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>): Promise<void> {
    if (chunks.length === 0) return;
    const tx = this.db.transaction([CHUNKS, FILES], 'readwrite');
    const store = tx.objectStore(CHUNKS);
    const files = tx.objectStore(FILES);
    const indices = chunks.map((c) => c.index);
    // The record and which of these chunks are stored already, in one round trip.
    const [record, keys] = await Promise.all([
      request(files.get(root)) as Promise<StoredFile | undefined>,
      request(store.getAllKeys(IDBKeyRange.bound([root, Math.min(...indices)], [root, Math.max(...indices)]))) as Promise<Array<[string, number]>>,
    ]);
    if (record) {
      const had = new Set(keys.map((k) => k[1]));
      let added = 0;
      for (const { index, bytes } of chunks) {
        if (!had.has(index)) added += bytes.length;
        store.put(bytes, [root, index]);
      }
      files.put({ ...record, bytes: record.bytes + added });
    }
    await committed(tx);
  }

  async indices(root: string): Promise<Set<number>> {
    const tx = this.db.transaction(CHUNKS, 'readonly');
    const keys = (await request(tx.objectStore(CHUNKS).getAllKeys(range(root)))) as Array<[string, number]>;
    return new Set(keys.map((k) => k[1]));
  }

  async files(conversation?: Topic): Promise<StoredFile[]> {
    const tx = this.db.transaction(FILES, 'readonly');
    const store = tx.objectStore(FILES);
    return (await request(conversation ? store.index('conversation').getAll(conversation) : store.getAll())) as StoredFile[];
  }

  async setting<T>(key: string): Promise<T | undefined> {
    const tx = this.db.transaction(FILE_SETTINGS, 'readonly');
    return (await request(tx.objectStore(FILE_SETTINGS).get(key))) as T | undefined;
  }

  async putSetting(key: string, value: unknown): Promise<void> {
    const tx = this.db.transaction(FILE_SETTINGS, 'readwrite');
    tx.objectStore(FILE_SETTINGS).put(value, key);
    await committed(tx);
  }

  async remove(root: string): Promise<void> {
    const tx = this.db.transaction([FILES, HASHES, CHUNKS], 'readwrite');
    tx.objectStore(FILES).delete(root);
    tx.objectStore(HASHES).delete(root);
    tx.objectStore(CHUNKS).delete(range(root));
    await committed(tx);
  }
}
