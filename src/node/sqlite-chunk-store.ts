/**
 * `ChunkStore` on the profile's SQLite database (docs/architecture.md §12, §14.3): the store
 * a bot or the CLI keeps files' sealed chunks in, meeting the contract IndexedDB meets in
 * Chromium (tests/contracts/chunk-store-contract.ts). Chunks stay sealed at rest, exactly
 * as they travel. A batch of chunks and the file's byte count commit in one transaction.
 */
import type Database from 'better-sqlite3';
import type { Topic } from '../core/ids.js';
import type { ChunkStore, FileAmendment, StoredFile } from '../store/chunk-store.js';
import { decode, encode, type RecordTable } from './sqlite-stores.js';

const SETTINGS = 'file-setting';

export class SqliteChunkStore implements ChunkStore {
  private readonly db: Database.Database;
  private readonly q;

  constructor(private readonly records: RecordTable) {
    const db = (this.db = records.db);
    this.q = {
      file: db.prepare<[string], { bytes: number; value: Buffer }>('SELECT bytes, value FROM files WHERE root = ?'),
      putFile: db.prepare<[string, string, number, Buffer]>(
        'INSERT INTO files (root, conversation, bytes, value) VALUES (?, ?, ?, ?) ON CONFLICT (root) DO UPDATE SET conversation = excluded.conversation, value = excluded.value',
      ),
      addBytes: db.prepare<[number, string]>('UPDATE files SET bytes = bytes + ? WHERE root = ?'),
      hashes: db.prepare<[string], { hashes: Buffer }>('SELECT hashes FROM file_hashes WHERE root = ?'),
      putHashes: db.prepare<[string, Buffer]>('INSERT INTO file_hashes (root, hashes) VALUES (?, ?) ON CONFLICT (root) DO UPDATE SET hashes = excluded.hashes'),
      chunk: db.prepare<[string, number], { bytes: Buffer }>('SELECT bytes FROM file_chunks WHERE root = ? AND idx = ?'),
      hasChunk: db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM file_chunks WHERE root = ? AND idx = ?'),
      putChunk: db.prepare<[string, number, Buffer]>('INSERT INTO file_chunks (root, idx, bytes) VALUES (?, ?, ?) ON CONFLICT (root, idx) DO UPDATE SET bytes = excluded.bytes'),
      indices: db.prepare<[string], { idx: number }>('SELECT idx FROM file_chunks WHERE root = ?'),
      all: db.prepare<[], { bytes: number; value: Buffer }>('SELECT bytes, value FROM files ORDER BY root'),
      of: db.prepare<[string], { bytes: number; value: Buffer }>('SELECT bytes, value FROM files WHERE conversation = ? ORDER BY root'),
      removeFile: db.prepare<[string]>('DELETE FROM files WHERE root = ?'),
      removeHashes: db.prepare<[string]>('DELETE FROM file_hashes WHERE root = ?'),
      removeChunks: db.prepare<[string]>('DELETE FROM file_chunks WHERE root = ?'),
    };
  }

  async file(root: string): Promise<StoredFile | null> {
    const row = this.q.file.get(root);
    return row ? row2file(row) : null;
  }

  async putFile(file: StoredFile): Promise<void> {
    this.q.putFile.run(file.root, file.conversation, file.bytes, encode({ ...file, bytes: 0 }));
  }

  async amendFile(root: string, change: FileAmendment): Promise<void> {
    this.db.transaction(() => {
      const row = this.q.file.get(root);
      if (!row) return;
      const file = row2file(row);
      this.q.putFile.run(root, file.conversation, file.bytes, encode({ ...file, ...change, bytes: 0 }));
    })();
  }

  async hashes(root: string): Promise<Uint8Array | null> {
    const row = this.q.hashes.get(root);
    return row ? new Uint8Array(row.hashes) : null;
  }

  async putHashes(root: string, hashes: Uint8Array): Promise<void> {
    this.db.transaction(() => {
      if (this.q.file.get(root)) this.q.putHashes.run(root, Buffer.from(hashes));
    })();
  }

  async chunk(root: string, index: number): Promise<Uint8Array | null> {
    const row = this.q.chunk.get(root, index);
    return row ? new Uint8Array(row.bytes) : null;
  }

  async chunks(root: string, indices: readonly number[]): Promise<Array<Uint8Array | null>> {
    return indices.map((index) => {
      const row = this.q.chunk.get(root, index);
      return row ? new Uint8Array(row.bytes) : null;
    });
  }

  async putChunks(root: string, chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>): Promise<void> {
    this.db.transaction(() => {
      if (!this.q.file.get(root)) return;
      let added = 0;
      for (const { index, bytes } of chunks) {
        if (!this.q.hasChunk.get(root, index)) added += bytes.length;
        this.q.putChunk.run(root, index, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      }
      if (added > 0) this.q.addBytes.run(added, root);
    })();
  }

  async indices(root: string): Promise<Set<number>> {
    return new Set(this.q.indices.all(root).map((r) => r.idx));
  }

  async files(conversation?: Topic): Promise<StoredFile[]> {
    return (conversation ? this.q.of.all(conversation) : this.q.all.all()).map(row2file);
  }

  async remove(root: string): Promise<void> {
    this.db.transaction(() => {
      this.q.removeChunks.run(root);
      this.q.removeHashes.run(root);
      this.q.removeFile.run(root);
    })();
  }

  async setting<T>(key: string): Promise<T | undefined> {
    return this.records.get<T>(SETTINGS, key) ?? undefined;
  }

  async putSetting(key: string, value: unknown): Promise<void> {
    this.records.put(SETTINGS, key, value);
  }
}

const row2file = (row: { bytes: number; value: Buffer }): StoredFile => ({ ...decode<StoredFile>(row.value), bytes: row.bytes });
