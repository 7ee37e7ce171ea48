/**
 * {@link BlobStore} on PostgreSQL, for several nodes sharing one store (docs/architecture.md
 * §6, §14.6). Same rules as `blob-sqlite.ts`: one row per piece, the first live write wins,
 * the per-file and per-mailbox quotas count live pieces only, and only a piece's writer
 * deletes it.
 *
 * Concurrency: every write first locks its mailbox's row in `mailbox_blob_areas`
 * (`SELECT … FOR UPDATE`), so two nodes storing into one mailbox take turns and its quota
 * holds. That row also keeps the area's stored bytes (live or expired until purged).
 *
 * The server-wide cap is exact: the one row of `mailbox_blob_total` keeps the sum of the
 * areas, and a put moves it last, with one conditional statement (`UPDATE … SET bytes =
 * bytes + n WHERE bytes + n <= cap`). Under READ COMMITTED a second put waits on that row
 * and then re-checks the condition against the committed value, so two puts into different
 * mailboxes can never both pass the cap; an update that matches no row refuses the put and
 * rolls back its insert. Being the last statement, the row is held only from there to
 * COMMIT: puts into different mailboxes send, check and insert their pieces in parallel and
 * take turns only for their commits. Deletes and purges lower it last too, and every
 * transaction locks an area row before the total, never the other way, so none deadlock.
 */
import { StorageFullError } from '../errors.js';
import { rethrowDiskFull, type PostgresDatabase, type Queryable } from '../postgres.js';
import { purgeByMailbox } from './purge-postgres.js';
import type { Totals } from './sql-rows.js';
import { BlobQuotaError, type BlobStore, type BlobStoreLimits, type PieceKey } from './blob-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE mailbox_blob_areas (
     id text PRIMARY KEY,
     bytes bigint NOT NULL
   )`,
  `CREATE TABLE mailbox_blobs (
     mailbox text NOT NULL,
     blob text NOT NULL,
     piece integer NOT NULL,
     at bigint NOT NULL,
     size integer NOT NULL,
     data bytea NOT NULL,
     writer text NOT NULL DEFAULT '',
     PRIMARY KEY (mailbox, blob, piece)
   )`,
  'CREATE INDEX mailbox_blobs_at ON mailbox_blobs (at)',
  // Sealed chunks do not compress; storing them EXTERNAL skips a wasted compression try.
  'ALTER TABLE mailbox_blobs ALTER COLUMN data SET STORAGE EXTERNAL',
  // The server-wide total in one row, so the cap is checked and moved in one statement.
  `CREATE TABLE mailbox_blob_total (
     id smallint PRIMARY KEY CHECK (id = 1),
     bytes bigint NOT NULL
   )`,
  'INSERT INTO mailbox_blob_total (id, bytes) SELECT 1, coalesce(sum(bytes), 0) FROM mailbox_blob_areas',
];

/** Locks the mailbox's blob area row, creating it at zero if it does not exist yet. */
async function lockArea(tx: Queryable, mailbox: string): Promise<void> {
  await tx.query('INSERT INTO mailbox_blob_areas (id, bytes) VALUES ($1, 0) ON CONFLICT (id) DO NOTHING', [mailbox]);
  await tx.query('SELECT 1 FROM mailbox_blob_areas WHERE id = $1 FOR UPDATE', [mailbox]);
}

async function totals(tx: Queryable, where: string, values: readonly unknown[]): Promise<Totals> {
  // count and sum arrive as strings (bigint).
  const { rows } = await tx.query<{ n: string; bytes: string }>(`SELECT count(*)::bigint AS n, coalesce(sum(size), 0)::bigint AS bytes FROM mailbox_blobs WHERE ${where}`, values);
  return { n: Number(rows[0]?.n ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
}

async function serverBytes(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ bytes: string }>('SELECT bytes FROM mailbox_blob_total WHERE id = 1');
  return Number(rows[0]?.bytes ?? 0);
}

/**
 * Moves the server-wide total by `delta` if it stays within `cap`; false if it would not.
 * Run as a transaction's last statement: it holds the one total row until COMMIT.
 */
async function moveTotal(tx: Queryable, delta: number, cap: number): Promise<boolean> {
  const { rowCount } = await tx.query('UPDATE mailbox_blob_total SET bytes = bytes + $1 WHERE id = 1 AND bytes + $1 <= $2', [delta, cap]);
  return rowCount === 1;
}

/** Creates the tables if needed and returns the store. */
export async function createPostgresBlobStore(db: PostgresDatabase, limits: BlobStoreLimits): Promise<BlobStore> {
  await db.migrate(MIGRATIONS, 'mailbox-blobs');

  const putIn = (key: PieceKey, data: Uint8Array, now: number, writer: string): Promise<boolean> =>
    db.transaction(async (tx) => {
      const { mailbox, blob, piece } = key;
      const cutoff = now - limits.ttlMs;
      await lockArea(tx, mailbox);
      const { rows } = await tx.query<{ at: string; size: number }>('SELECT at, size FROM mailbox_blobs WHERE mailbox = $1 AND blob = $2 AND piece = $3', [mailbox, blob, piece]);
      const stored = rows[0];
      // A live piece wins (first write); an expired one is replaced.
      if (stored && Number(stored.at) >= cutoff) return false;
      const size = data.length;
      if ((await totals(tx, 'mailbox = $1 AND blob = $2 AND at >= $3', [mailbox, blob, cutoff])).bytes + size > limits.maxBlobBytes) throw new BlobQuotaError('blob', limits.maxBlobBytes);
      if ((await totals(tx, 'mailbox = $1 AND at >= $2', [mailbox, cutoff])).bytes + size > limits.maxMailboxBlobBytes) throw new BlobQuotaError('mailbox', limits.maxMailboxBlobBytes);
      const replaced = stored?.size ?? 0;
      // A cheap early refusal when the cap is plainly reached; the exact check is moveTotal's.
      if ((await serverBytes(tx)) - replaced + size > limits.maxTotalBlobBytes) throw new StorageFullError('files', 'cap');
      await tx.query(
        `INSERT INTO mailbox_blobs (mailbox, blob, piece, at, size, data, writer) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (mailbox, blob, piece) DO UPDATE SET at = excluded.at, size = excluded.size, data = excluded.data, writer = excluded.writer`,
        [mailbox, blob, piece, now, size, Buffer.from(data.buffer, data.byteOffset, data.byteLength), writer],
      );
      await tx.query('UPDATE mailbox_blob_areas SET bytes = bytes + $1 WHERE id = $2', [size - replaced, mailbox]);
      // Throwing rolls the insert back: nothing of a refused put is stored.
      if (!(await moveTotal(tx, size - replaced, limits.maxTotalBlobBytes))) throw new StorageFullError('files', 'cap');
      return true;
    });

  /** Deletes the pieces matching `where` in one locked area; returns how many went and their bytes. */
  const deleteIn = async (tx: Queryable, mailbox: string, where: string, values: readonly unknown[]): Promise<Totals> => {
    const gone = await totals(tx, `mailbox = $1 AND ${where}`, [mailbox, ...values]);
    if (gone.n === 0) return gone;
    await tx.query(`DELETE FROM mailbox_blobs WHERE mailbox = $1 AND ${where}`, [mailbox, ...values]);
    await tx.query('UPDATE mailbox_blob_areas SET bytes = bytes - $1 WHERE id = $2', [gone.bytes, mailbox]);
    return gone;
  };

  /** Lowers the server-wide total; a transaction's last statement, like {@link moveTotal}. */
  const freeTotal = async (tx: Queryable, bytes: number): Promise<void> => {
    if (bytes > 0) await tx.query('UPDATE mailbox_blob_total SET bytes = bytes - $1 WHERE id = 1', [bytes]);
  };

  return {
    put(key, data, now, writer = '') {
      return putIn(key, data, now, writer).catch(rethrowDiskFull('files'));
    },

    async get({ mailbox, blob, piece }, now) {
      const { rows } = await db.query<{ data: Buffer }>('SELECT data FROM mailbox_blobs WHERE mailbox = $1 AND blob = $2 AND piece = $3 AND at >= $4', [mailbox, blob, piece, now - limits.ttlMs]);
      const data = rows[0]?.data;
      return data ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    },

    async deleteBlob(mailbox, blob, writer) {
      // The empty writer is "none": nobody can delete pieces stored without one.
      if (writer === '') return 0;
      return db.transaction(async (tx) => {
        const { rows } = await tx.query('SELECT 1 FROM mailbox_blob_areas WHERE id = $1 FOR UPDATE', [mailbox]);
        if (rows.length === 0) return 0;
        const gone = await deleteIn(tx, mailbox, 'blob = $2 AND writer = $3', [blob, writer]);
        await freeTotal(tx, gone.bytes);
        return gone.n;
      });
    },

    purgeExpired(now) {
      const cutoff = now - limits.ttlMs;
      // One update of the total per batch of mailboxes, at its end, rather than one per mailbox.
      let freed = 0;
      return purgeByMailbox(
        db,
        { owners: 'mailbox_blob_areas', rows: 'mailbox_blobs' },
        cutoff,
        async (tx, id) => {
          const gone = await deleteIn(tx, id, 'at < $2', [cutoff]);
          freed += gone.bytes;
          return gone.n;
        },
        async (tx) => {
          const bytes = freed;
          freed = 0;
          await freeTotal(tx, bytes);
        },
      );
    },

    totalBytes() {
      return serverBytes(db);
    },
  };
}
