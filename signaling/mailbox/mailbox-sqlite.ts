/**
 * {@link MailboxStore} on the server's SQLite database.
 *
 * Why the `mailboxes` row: it holds the last sequence number handed out, so a seq is never
 * reused even after every entry was deleted or expired (a client's cursor `after=N` must
 * never skip a new entry numbered ≤ N), and running byte/entry totals, so a quota check is
 * one row read instead of a SUM over up to 10,000 entries. The row outlives its entries on
 * purpose; it is about 100 bytes.
 *
 * Every write is one IMMEDIATE transaction: a refused append (quota, bad snapshot) rolls
 * back completely, and with WAL + `synchronous=FULL` a returned append survives `kill -9`.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ServerDatabase } from '../database.js';
import { StorageFullError } from '../errors.js';
import { migrate } from '../database.js';
import type { BoxRow, Totals } from './sql-rows.js';
import { checkWriterShare, writerQuota } from './writer-quota.js';
import { MailboxQuotaError, MailboxSnapshotError, type MailboxStore, type MailboxStoreLimits, type StoredMailboxEntry } from './mailbox-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE mailboxes (
     id TEXT PRIMARY KEY,
     last_seq INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     entries INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID`,
  // A rowid table rather than WITHOUT ROWID: entries are up to 8 MiB, and large rows in a
  // clustered index would bloat every interior page.
  `CREATE TABLE mailbox_entries (
     mailbox TEXT NOT NULL,
     seq INTEGER NOT NULL,
     at INTEGER NOT NULL,
     size INTEGER NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (mailbox, seq)
   ) STRICT`,
  'CREATE INDEX mailbox_entries_at ON mailbox_entries (at)',
  // Writers (docs/architecture.md §7.6): deletes and snapshots reach only their writer's
  // entries, and each writer has a share of the quotas. Entries from before this column
  // have no writer ('') and only expire.
  "ALTER TABLE mailbox_entries ADD COLUMN writer TEXT NOT NULL DEFAULT ''",
  'CREATE INDEX mailbox_entries_writer ON mailbox_entries (mailbox, writer, seq)',
];

/** Rows deleted per purge transaction, so a large purge never blocks the event loop for long. */
const PURGE_BATCH = 2000;

/** Creates the tables if needed and returns the store. */
export function createSqliteMailboxStore(db: ServerDatabase, limits: MailboxStoreLimits): MailboxStore {
  migrate(db, MIGRATIONS, 'mailbox');
  const q = {
    box: db.prepare<[string], BoxRow>('SELECT last_seq, bytes, entries FROM mailboxes WHERE id = ?'),
    saveBox: db.prepare(
      `INSERT INTO mailboxes (id, last_seq, bytes, entries) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET last_seq = excluded.last_seq, bytes = excluded.bytes, entries = excluded.entries`,
    ),
    adjustBox: db.prepare('UPDATE mailboxes SET bytes = bytes - ?, entries = entries - ? WHERE id = ?'),
    totalsUpTo: db.prepare<[string, string, number], Totals>(
      'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM mailbox_entries WHERE mailbox = ? AND writer = ? AND seq <= ?',
    ),
    writerTotals: db.prepare<[string, string, number], Totals>(
      'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM mailbox_entries WHERE mailbox = ? AND writer = ? AND at >= ?',
    ),
    totalsExpiredAfter: db.prepare<[string, number, number], Totals>(
      'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM mailbox_entries WHERE mailbox = ? AND seq > ? AND at < ?',
    ),
    deleteUpTo: db.prepare('DELETE FROM mailbox_entries WHERE mailbox = ? AND writer = ? AND seq <= ?'),
    deleteExpiredIn: db.prepare('DELETE FROM mailbox_entries WHERE mailbox = ? AND at < ?'),
    insert: db.prepare('INSERT INTO mailbox_entries (mailbox, seq, at, size, data, writer) VALUES (?, ?, ?, ?, ?, ?)'),
    page: db.prepare<[string, number, number, number], { seq: number; at: number; data: Buffer }>(
      'SELECT seq, at, data FROM mailbox_entries WHERE mailbox = ? AND seq > ? AND at >= ? ORDER BY seq LIMIT ?',
    ),
    expiredBatch: db.prepare<[number, number], { r: number; mailbox: string; size: number }>(
      'SELECT rowid AS r, mailbox, size FROM mailbox_entries WHERE at < ? LIMIT ?',
    ),
    deleteRows: db.prepare('DELETE FROM mailbox_entries WHERE rowid IN (SELECT value FROM json_each(?))'),
    exists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM mailboxes WHERE id = ?'),
    lastSeq: db.prepare<[string], { last_seq: number }>('SELECT last_seq FROM mailboxes WHERE id = ?'),
    total: db.prepare<[], { bytes: number }>('SELECT coalesce(sum(bytes), 0) AS bytes FROM mailboxes'),
  };

  const share = writerQuota(limits);
  const append = db.transaction((mailbox: string, data: Uint8Array, snapshotUpTo: number | null, now: number, writer: string) => {
    const box = q.box.get(mailbox) ?? { last_seq: 0, bytes: 0, entries: 0 };
    let covered: Totals = { n: 0, bytes: 0 };
    if (snapshotUpTo !== null) {
      if (snapshotUpTo > box.last_seq) throw new MailboxSnapshotError(`the snapshot covers up to ${snapshotUpTo} but the last entry is ${box.last_seq}`);
      // A snapshot replaces only its own writer's entries; without a writer, none.
      if (writer !== '') covered = q.totalsUpTo.get(mailbox, writer, snapshotUpTo) ?? covered;
    }
    if (share) checkWriterShare(share, q.writerTotals.get(mailbox, writer, now - limits.ttlMs) ?? { n: 0, bytes: 0 }, covered, data.length);
    let bytes = box.bytes - covered.bytes + data.length;
    let entries = box.entries - covered.n + 1;
    const over = (): boolean => bytes > limits.maxMailboxBytes || entries > limits.maxMailboxEntries;
    if (over()) {
      // Expired entries still count until the periodic purge runs; reclaim them here
      // rather than refuse a mailbox whose live content fits. Only on this rare path, since
      // the scan walks the whole mailbox.
      const cutoff = now - limits.ttlMs;
      const expired = q.totalsExpiredAfter.get(mailbox, snapshotUpTo ?? 0, cutoff) ?? { n: 0, bytes: 0 };
      bytes -= expired.bytes;
      entries -= expired.n;
      if (over()) {
        throw bytes > limits.maxMailboxBytes ? new MailboxQuotaError('bytes', limits.maxMailboxBytes) : new MailboxQuotaError('entries', limits.maxMailboxEntries);
      }
      q.deleteExpiredIn.run(mailbox, cutoff);
    }
    if (snapshotUpTo !== null && covered.n > 0) q.deleteUpTo.run(mailbox, writer, snapshotUpTo);
    const seq = box.last_seq + 1;
    q.insert.run(mailbox, seq, now, data.length, data, writer);
    q.saveBox.run(mailbox, seq, bytes, entries);
    return seq;
  });

  const deleteUpTo = db.transaction((mailbox: string, upTo: number, writer: string) => {
    const totals = q.totalsUpTo.get(mailbox, writer, upTo) ?? { n: 0, bytes: 0 };
    if (totals.n === 0) return 0;
    q.deleteUpTo.run(mailbox, writer, upTo);
    q.adjustBox.run(totals.bytes, totals.n, mailbox);
    return totals.n;
  });

  const purgeBatch = db.transaction((cutoff: number) => {
    const rows = q.expiredBatch.all(cutoff, PURGE_BATCH);
    const perBox = new Map<string, { n: number; bytes: number }>();
    for (const row of rows) {
      const t = perBox.get(row.mailbox) ?? { n: 0, bytes: 0 };
      t.n++;
      t.bytes += row.size;
      perBox.set(row.mailbox, t);
    }
    for (const [mailbox, t] of perBox) q.adjustBox.run(t.bytes, t.n, mailbox);
    q.deleteRows.run(JSON.stringify(rows.map((r) => r.r)));
    return rows.length;
  });

  return {
    async append(mailbox, data, { snapshotUpTo, now, writer = '' }) {
      try {
        return { seq: append.immediate(mailbox, data, snapshotUpTo, now, writer), at: now };
      } catch (err) {
        // The transaction rolled back: nothing of this append is stored, nothing else lost.
        if ((err as { code?: unknown }).code === 'SQLITE_FULL') throw new StorageFullError('entries', 'disk', { cause: err });
        throw err;
      }
    },

    async exists(mailbox) {
      return q.exists.get(mailbox) !== undefined;
    },

    async lastSeq(mailbox) {
      return q.lastSeq.get(mailbox)?.last_seq ?? 0;
    },

    async totalBytes() {
      return q.total.get()?.bytes ?? 0;
    },

    async list(mailbox, after, limit, now) {
      const entries: StoredMailboxEntry[] = [];
      let bytes = 0;
      let more = false;
      // One row past the limit tells whether more follow; iterate() stops reading blobs
      // as soon as the page is full instead of loading up to `limit` large entries.
      for (const row of q.page.iterate(mailbox, after, now - limits.ttlMs, limit + 1)) {
        if (entries.length === limit || (entries.length > 0 && bytes + row.data.length > limits.maxPageBytes)) {
          more = true;
          break;
        }
        entries.push({ seq: row.seq, at: row.at, data: row.data });
        bytes += row.data.length;
      }
      return { entries, more };
    },

    async deleteUpTo(mailbox, upTo, writer) {
      // Entries appended without a writer only expire: nobody can prove to be their writer.
      if (writer === '') return 0;
      return deleteUpTo.immediate(mailbox, upTo, writer);
    },

    async purgeExpired(now) {
      const cutoff = now - limits.ttlMs;
      let total = 0;
      for (;;) {
        const n = purgeBatch.immediate(cutoff);
        total += n;
        if (n < PURGE_BATCH) return total;
        await yieldToLoop();
      }
    },
  };
}
