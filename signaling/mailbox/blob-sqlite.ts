/**
 * {@link BlobStore} on the server's SQLite database. One row per piece, in its own table
 * (pieces are up to 2 MiB: a rowid table keeps large rows out of the index pages). Each put
 * is one IMMEDIATE transaction: the quota checks and the insert commit together or not at
 * all, and with WAL + `synchronous=FULL` a stored piece survives `kill -9`.
 *
 * The server-wide total is kept in memory, read once at start and moved by every put and
 * purge: this store is SQLite, so one process owns it.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ServerDatabase } from '../database.js';
import { StorageFullError } from '../errors.js';
import { migrate } from '../database.js';
import { BlobQuotaError, type BlobStore, type BlobStoreLimits, type PieceKey } from './blob-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE mailbox_blobs (
     mailbox TEXT NOT NULL,
     blob TEXT NOT NULL,
     piece INTEGER NOT NULL,
     at INTEGER NOT NULL,
     size INTEGER NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (mailbox, blob, piece)
   ) STRICT`,
  'CREATE INDEX mailbox_blobs_at ON mailbox_blobs (at)',
  // Writers (docs/architecture.md §14.6): only the writer of a piece deletes it; pieces from
  // before this column have none ('') and only expire.
  "ALTER TABLE mailbox_blobs ADD COLUMN writer TEXT NOT NULL DEFAULT ''",
];

/** Rows deleted per purge transaction, so a large purge never blocks the event loop for long. */
const PURGE_BATCH = 500;

interface Sum {
  readonly bytes: number;
}

export function createSqliteBlobStore(db: ServerDatabase, limits: BlobStoreLimits): BlobStore {
  migrate(db, MIGRATIONS, 'mailbox-blobs');
  const q = {
    blobBytes: db.prepare<[string, string, number], Sum>('SELECT coalesce(sum(size), 0) AS bytes FROM mailbox_blobs WHERE mailbox = ? AND blob = ? AND at >= ?'),
    mailboxBytes: db.prepare<[string, number], Sum>('SELECT coalesce(sum(size), 0) AS bytes FROM mailbox_blobs WHERE mailbox = ? AND at >= ?'),
    // An expired piece with the same key is replaced: expired pieces are gone for readers.
    upsert: db.prepare('INSERT OR REPLACE INTO mailbox_blobs (mailbox, blob, piece, at, size, data, writer) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    writerBytes: db.prepare<[string, string, string], Sum & { n: number }>('SELECT coalesce(sum(size), 0) AS bytes, count(*) AS n FROM mailbox_blobs WHERE mailbox = ? AND blob = ? AND writer = ?'),
    deleteWriter: db.prepare('DELETE FROM mailbox_blobs WHERE mailbox = ? AND blob = ? AND writer = ?'),
    piece: db.prepare<[string, string, number], { at: number; size: number }>('SELECT at, size FROM mailbox_blobs WHERE mailbox = ? AND blob = ? AND piece = ?'),
    get: db.prepare<[string, string, number, number], { data: Buffer }>('SELECT data FROM mailbox_blobs WHERE mailbox = ? AND blob = ? AND piece = ? AND at >= ?'),
    expired: db.prepare<[number, number], { r: number; size: number }>('SELECT rowid AS r, size FROM mailbox_blobs WHERE at < ? LIMIT ?'),
    deleteRows: db.prepare('DELETE FROM mailbox_blobs WHERE rowid IN (SELECT value FROM json_each(?))'),
    total: db.prepare<[], Sum>('SELECT coalesce(sum(size), 0) AS bytes FROM mailbox_blobs'),
  };
  let total = q.total.get()?.bytes ?? 0;

  /** Returns the bytes the store grew by, or null when the piece was there already. */
  const put = db.transaction(({ mailbox, blob, piece }: PieceKey, data: Uint8Array, now: number, writer: string): number | null => {
    const cutoff = now - limits.ttlMs;
    // One read of the piece's row: a live one wins (first write), an expired one is replaced.
    const stored = q.piece.get(mailbox, blob, piece);
    if (stored && stored.at >= cutoff) return null;
    const size = data.length;
    if ((q.blobBytes.get(mailbox, blob, cutoff)?.bytes ?? 0) + size > limits.maxBlobBytes) throw new BlobQuotaError('blob', limits.maxBlobBytes);
    if ((q.mailboxBytes.get(mailbox, cutoff)?.bytes ?? 0) + size > limits.maxMailboxBlobBytes) throw new BlobQuotaError('mailbox', limits.maxMailboxBlobBytes);
    const replaced = stored?.size ?? 0;
    if (total - replaced + size > limits.maxTotalBlobBytes) throw new StorageFullError('files', 'cap');
    q.upsert.run(mailbox, blob, piece, now, size, data, writer);
    return size - replaced;
  });

  const deleteBlob = db.transaction((mailbox: string, blob: string, writer: string): { n: number; bytes: number } => {
    const gone = q.writerBytes.get(mailbox, blob, writer) ?? { n: 0, bytes: 0 };
    q.deleteWriter.run(mailbox, blob, writer);
    return gone;
  });

  const purgeBatch = db.transaction((cutoff: number): { n: number; bytes: number } => {
    const rows = q.expired.all(cutoff, PURGE_BATCH);
    q.deleteRows.run(JSON.stringify(rows.map((r) => r.r)));
    return { n: rows.length, bytes: rows.reduce((sum, r) => sum + r.size, 0) };
  });

  return {
    async put(key, data, now, writer = '') {
      let grew: number | null;
      try {
        grew = put.immediate(key, data, now, writer);
      } catch (err) {
        // The transaction rolled back: nothing of this put is stored, nothing else lost.
        if ((err as { code?: unknown }).code === 'SQLITE_FULL') throw new StorageFullError('files', 'disk', { cause: err });
        throw err;
      }
      if (grew === null) return false;
      total += grew;
      return true;
    },

    async get({ mailbox, blob, piece }, now) {
      const row = q.get.get(mailbox, blob, piece, now - limits.ttlMs);
      return row ? new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) : null;
    },

    async deleteBlob(mailbox, blob, writer) {
      // The empty writer is "none": nobody can delete pieces stored without one.
      if (writer === '') return 0;
      const gone = deleteBlob.immediate(mailbox, blob, writer);
      total -= gone.bytes;
      return gone.n;
    },

    async purgeExpired(now) {
      const cutoff = now - limits.ttlMs;
      let n = 0;
      for (;;) {
        const batch = purgeBatch.immediate(cutoff);
        n += batch.n;
        total -= batch.bytes;
        if (batch.n < PURGE_BATCH) return n;
        await yieldToLoop();
      }
    },

    async totalBytes() {
      return total;
    },
  };
}
