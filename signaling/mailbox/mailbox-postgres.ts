/**
 * {@link MailboxStore} on PostgreSQL, for several nodes sharing one store
 * (docs/architecture.md §6). Same tables and rules as `mailbox-sqlite.ts`: the `mailboxes`
 * row keeps the last seq handed out (never reused) and running totals (quota checks read one
 * row).
 *
 * Concurrency: every write first locks its `mailboxes` row (`SELECT … FOR UPDATE`), so two
 * nodes appending to one mailbox take turns and seqs stay dense and unique; writes to
 * different mailboxes never wait for each other. Purges lock the same row first, in the same
 * order, so they cannot deadlock with an append. An append answers after COMMIT returned.
 */
import { rethrowDiskFull, type PostgresDatabase, type Queryable } from '../postgres.js';
import { purgeByMailbox } from './purge-postgres.js';
import type { BoxRow, Totals } from './sql-rows.js';
import { checkWriterShare, writerQuota } from './writer-quota.js';
import { MailboxQuotaError, MailboxSnapshotError, type MailboxStore, type MailboxStoreLimits, type StoredMailboxEntry } from './mailbox-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE mailboxes (
     id text PRIMARY KEY,
     last_seq bigint NOT NULL,
     bytes bigint NOT NULL,
     entries bigint NOT NULL
   )`,
  `CREATE TABLE mailbox_entries (
     mailbox text NOT NULL,
     seq bigint NOT NULL,
     at bigint NOT NULL,
     size integer NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (mailbox, seq)
   )`,
  'CREATE INDEX mailbox_entries_at ON mailbox_entries (at)',
  // Sealed entries do not compress; storing them EXTERNAL skips a wasted compression try.
  'ALTER TABLE mailbox_entries ALTER COLUMN data SET STORAGE EXTERNAL',
  // Writers (docs/architecture.md §7.6), as in SQLite: deletes and snapshots reach only their
  // writer's entries; entries from before this column have no writer ('') and only expire.
  "ALTER TABLE mailbox_entries ADD COLUMN writer text NOT NULL DEFAULT ''",
  'CREATE INDEX mailbox_entries_writer ON mailbox_entries (mailbox, writer, seq)',
];

/** Locks the mailbox row, creating it at zero if it does not exist yet. */
async function lockBox(tx: Queryable, mailbox: string): Promise<BoxRow> {
  await tx.query('INSERT INTO mailboxes (id, last_seq, bytes, entries) VALUES ($1, 0, 0, 0) ON CONFLICT (id) DO NOTHING', [mailbox]);
  const { rows } = await tx.query<BoxRow>('SELECT last_seq, bytes, entries FROM mailboxes WHERE id = $1 FOR UPDATE', [mailbox]);
  return rows[0]!;
}

async function totals(tx: Queryable, where: string, values: readonly unknown[]): Promise<Totals> {
  const { rows } = await tx.query<Totals>(`SELECT count(*)::bigint AS n, coalesce(sum(size), 0)::bigint AS bytes FROM mailbox_entries WHERE ${where}`, values);
  return rows[0] ?? { n: 0, bytes: 0 };
}

/** Creates the tables if needed and returns the store. */
export async function createPostgresMailboxStore(db: PostgresDatabase, limits: MailboxStoreLimits): Promise<MailboxStore> {
  await db.migrate(MIGRATIONS, 'mailbox');

  const expireIn = async (tx: Queryable, mailbox: string, cutoff: number): Promise<number> => {
    const gone = await totals(tx, 'mailbox = $1 AND at < $2', [mailbox, cutoff]);
    if (gone.n === 0) return 0;
    await tx.query('DELETE FROM mailbox_entries WHERE mailbox = $1 AND at < $2', [mailbox, cutoff]);
    await tx.query('UPDATE mailboxes SET bytes = bytes - $1, entries = entries - $2 WHERE id = $3', [gone.bytes, gone.n, mailbox]);
    return gone.n;
  };

  const share = writerQuota(limits);
  const appendIn = (mailbox: string, data: Uint8Array, snapshotUpTo: number | null, now: number, writer: string): Promise<{ seq: number; at: number }> =>
    db.transaction(async (tx) => {
      const box = await lockBox(tx, mailbox);
      let covered: Totals = { n: 0, bytes: 0 };
      if (snapshotUpTo !== null) {
        if (snapshotUpTo > box.last_seq) throw new MailboxSnapshotError(`the snapshot covers up to ${snapshotUpTo} but the last entry is ${box.last_seq}`);
        // A snapshot replaces only its own writer's entries; without a writer, none.
        if (writer !== '') covered = await totals(tx, 'mailbox = $1 AND writer = $2 AND seq <= $3', [mailbox, writer, snapshotUpTo]);
      }
      if (share) checkWriterShare(share, await totals(tx, 'mailbox = $1 AND writer = $2 AND at >= $3', [mailbox, writer, now - limits.ttlMs]), covered, data.length);
      let bytes = box.bytes - covered.bytes + data.length;
      let entries = box.entries - covered.n + 1;
      const over = (): boolean => bytes > limits.maxMailboxBytes || entries > limits.maxMailboxEntries;
      if (over()) {
        // As in SQLite: expired entries still count until purged; reclaim them rather
        // than refuse a mailbox whose live content fits.
        const cutoff = now - limits.ttlMs;
        const expired = await totals(tx, 'mailbox = $1 AND seq > $2 AND at < $3', [mailbox, snapshotUpTo ?? 0, cutoff]);
        bytes -= expired.bytes;
        entries -= expired.n;
        if (over()) {
          throw bytes > limits.maxMailboxBytes ? new MailboxQuotaError('bytes', limits.maxMailboxBytes) : new MailboxQuotaError('entries', limits.maxMailboxEntries);
        }
        await tx.query('DELETE FROM mailbox_entries WHERE mailbox = $1 AND at < $2', [mailbox, cutoff]);
      }
      if (snapshotUpTo !== null && covered.n > 0) {
        await tx.query('DELETE FROM mailbox_entries WHERE mailbox = $1 AND writer = $2 AND seq <= $3', [mailbox, writer, snapshotUpTo]);
      }
      const seq = box.last_seq + 1;
      await tx.query('INSERT INTO mailbox_entries (mailbox, seq, at, size, data, writer) VALUES ($1, $2, $3, $4, $5, $6)', [
        mailbox,
        seq,
        now,
        data.length,
        Buffer.from(data.buffer, data.byteOffset, data.byteLength),
        writer,
      ]);
      await tx.query('UPDATE mailboxes SET last_seq = $1, bytes = $2, entries = $3 WHERE id = $4', [seq, bytes, entries, mailbox]);
      return { seq, at: now };
    });

  return {
    append(mailbox, data, { snapshotUpTo, now, writer = '' }) {
      return appendIn(mailbox, data, snapshotUpTo, now, writer).catch(rethrowDiskFull('entries'));
    },

    async exists(mailbox) {
      return (await db.query('SELECT 1 FROM mailboxes WHERE id = $1', [mailbox])).rows.length > 0;
    },

    async lastSeq(mailbox) {
      // bigint arrives as a string.
      const { rows } = await db.query<{ last_seq: string }>('SELECT last_seq FROM mailboxes WHERE id = $1', [mailbox]);
      return Number(rows[0]?.last_seq ?? 0);
    },

    async totalBytes() {
      const { rows } = await db.query<{ bytes: number }>('SELECT coalesce(sum(bytes), 0)::bigint AS bytes FROM mailboxes');
      return Number(rows[0]?.bytes ?? 0);
    },

    async list(mailbox, after, limit, now) {
      // Sizes first, data only for the rows that fit the page: `data` is TOASTed, so rows
      // whose CASE is false never have their (up to 8 MiB) value read.
      const { rows } = await db.query<{ seq: number; at: number; rn: number; data: Buffer | null }>(
        `SELECT p.seq, p.at, p.rn,
                CASE WHEN p.rn <= $4 AND (p.rn = 1 OR p.running <= $5) THEN e.data END AS data
         FROM (
           SELECT seq, at, row_number() OVER (ORDER BY seq) AS rn, sum(size) OVER (ORDER BY seq) AS running
           FROM (SELECT seq, at, size FROM mailbox_entries WHERE mailbox = $1 AND seq > $2 AND at >= $3 ORDER BY seq LIMIT $4 + 1) AS first
         ) AS p
         JOIN mailbox_entries e ON e.mailbox = $1 AND e.seq = p.seq
         ORDER BY p.seq`,
        [mailbox, after, now - limits.ttlMs, limit, limits.maxPageBytes],
      );
      const entries: StoredMailboxEntry[] = [];
      let more = false;
      for (const row of rows) {
        if (row.data === null) {
          more = true;
          break;
        }
        entries.push({ seq: row.seq, at: row.at, data: row.data });
      }
      return { entries, more };
    },

    async deleteUpTo(mailbox, upTo, writer) {
      // Entries appended without a writer only expire: nobody can prove to be their writer.
      if (writer === '') return 0;
      return db.transaction(async (tx) => {
        const { rows } = await tx.query('SELECT 1 FROM mailboxes WHERE id = $1 FOR UPDATE', [mailbox]);
        if (rows.length === 0) return 0;
        const gone = await totals(tx, 'mailbox = $1 AND writer = $2 AND seq <= $3', [mailbox, writer, upTo]);
        if (gone.n === 0) return 0;
        await tx.query('DELETE FROM mailbox_entries WHERE mailbox = $1 AND writer = $2 AND seq <= $3', [mailbox, writer, upTo]);
        await tx.query('UPDATE mailboxes SET bytes = bytes - $1, entries = entries - $2 WHERE id = $3', [gone.bytes, gone.n, mailbox]);
        return gone.n;
      });
    },

    purgeExpired(now) {
      const cutoff = now - limits.ttlMs;
      return purgeByMailbox(db, { owners: 'mailboxes', rows: 'mailbox_entries' }, cutoff, (tx, id) => expireIn(tx, id, cutoff));
    },
  };
}
