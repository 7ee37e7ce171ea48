/** Row shapes the SQLite and PostgreSQL mailbox stores both read. */

/** A `mailboxes` row: the counters an append checks and moves in one transaction. */
export interface BoxRow {
  readonly last_seq: number;
  readonly bytes: number;
  readonly entries: number;
}

/** How many entries (or pieces) a selection holds, and their bytes. */
export interface Totals {
  readonly n: number;
  readonly bytes: number;
}
