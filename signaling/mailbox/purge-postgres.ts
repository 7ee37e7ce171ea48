/**
 * Expiry on PostgreSQL, mailbox by mailbox (docs/architecture.md §6.9): the mailboxes with
 * expired rows, each purged in a short transaction that locks its owner row first (the order
 * writes take, so a purge cannot deadlock with them). SKIP LOCKED lets two nodes purging at
 * once share the work instead of queueing behind each other.
 */
import type { PostgresDatabase, Queryable } from '../postgres.js';

/** Mailboxes purged per transaction, so one purge never holds many row locks at once. */
const PURGE_BATCH = 200;

export interface PurgeTables {
  /** Table of one row per mailbox (`id`), the row every write locks. */
  readonly owners: 'mailboxes' | 'mailbox_blob_areas';
  /** Table of the rows that expire (`mailbox`, `at`). */
  readonly rows: 'mailbox_entries' | 'mailbox_blobs';
}

/**
 * Calls `purgeOne` for every mailbox with rows older than `cutoff`, its owner row locked, and
 * `afterBatch` (if given) last in each batch's transaction; resolves the total `purgeOne`
 * returned.
 */
export async function purgeByMailbox(
  db: PostgresDatabase,
  tables: PurgeTables,
  cutoff: number,
  purgeOne: (tx: Queryable, mailbox: string) => Promise<number>,
  afterBatch?: (tx: Queryable) => Promise<void>,
): Promise<number> {
  let total = 0;
  for (;;) {
    const purged = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `SELECT id FROM ${tables.owners} WHERE id IN (SELECT DISTINCT mailbox FROM ${tables.rows} WHERE at < $1 LIMIT $2)
         FOR UPDATE SKIP LOCKED`,
        [cutoff, PURGE_BATCH],
      );
      let n = 0;
      for (const { id } of rows) n += await purgeOne(tx, id);
      await afterBatch?.(tx);
      return { mailboxes: rows.length, n };
    });
    total += purged.n;
    if (purged.mailboxes < PURGE_BATCH) return total;
  }
}
