/**
 * Where outgoing webhook deliveries wait (docs/architecture.md §12): in memory, or in a
 * SQLite file beside the profile (`webhooks.db`) so a restart of `parley webhook` delivers
 * what was still pending. A delivery is removed only once it has settled (delivered,
 * refused, or out of retries), so delivery is at least once: a crash between a receiver's
 * 2xx and the removal posts it again, with the same `X-Parley-Delivery` id for the receiver
 * to drop the repeat. Attempts and the next due time are stored too, so a restart neither
 * resets a delivery's retry budget nor hammers a receiver that is down.
 */
import Database from 'better-sqlite3';

export interface QueuedDelivery {
  readonly seq: number;
  /** The event id: `X-Parley-Delivery`, unique per hook (a repeat is ignored). */
  readonly delivery: string;
  /** The exact body posted (the event's `listen --json` line), signed on each attempt. */
  readonly body: string;
  /** Attempts made so far. */
  readonly attempts: number;
  /** Not before this time (ms since epoch). */
  readonly due: number;
}

export interface DeliveryQueue {
  /** Adds a delivery for `hook` unless that hook already has one with this id; false if it had. */
  add(hook: string, delivery: string, body: string, due: number): boolean;
  /** The oldest waiting delivery of `hook`. */
  next(hook: string): QueuedDelivery | null;
  /** Records a failed attempt: the count and when to try again. */
  retry(seq: number, attempts: number, due: number): void;
  /** Removes a settled delivery. */
  remove(seq: number): void;
  count(hook: string): number;
  close(): void;
}

export class MemoryDeliveryQueue implements DeliveryQueue {
  private seq = 0;
  private readonly rows: Array<QueuedDelivery & { hook: string }> = [];

  add(hook: string, delivery: string, body: string, due: number): boolean {
    if (this.rows.some((r) => r.hook === hook && r.delivery === delivery)) return false;
    this.rows.push({ seq: ++this.seq, hook, delivery, body, attempts: 0, due });
    return true;
  }
  next(hook: string): QueuedDelivery | null {
    const row = this.rows.find((r) => r.hook === hook);
    return row ? { seq: row.seq, delivery: row.delivery, body: row.body, attempts: row.attempts, due: row.due } : null;
  }
  retry(seq: number, attempts: number, due: number): void {
    const i = this.rows.findIndex((r) => r.seq === seq);
    if (i >= 0) this.rows[i] = { ...this.rows[i]!, attempts, due };
  }
  remove(seq: number): void {
    const i = this.rows.findIndex((r) => r.seq === seq);
    if (i >= 0) this.rows.splice(i, 1);
  }
  count(hook: string): number {
    return this.rows.filter((r) => r.hook === hook).length;
  }
  close(): void {}
}

/** The queue in a SQLite file (WAL, `synchronous = FULL`: an added delivery is on disk). */
export class SqliteDeliveryQueue implements DeliveryQueue {
  private readonly db: Database.Database;
  private readonly q;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, hook TEXT NOT NULL, delivery TEXT NOT NULL, body TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, due INTEGER NOT NULL, UNIQUE (hook, delivery));
      CREATE INDEX IF NOT EXISTS deliveries_hook ON deliveries (hook, seq);
    `);
    this.q = {
      add: this.db.prepare<[string, string, string, number]>('INSERT INTO deliveries (hook, delivery, body, due) VALUES (?, ?, ?, ?) ON CONFLICT (hook, delivery) DO NOTHING'),
      next: this.db.prepare<[string], QueuedDelivery>('SELECT seq, delivery, body, attempts, due FROM deliveries WHERE hook = ? ORDER BY seq LIMIT 1'),
      retry: this.db.prepare<[number, number, number]>('UPDATE deliveries SET attempts = ?, due = ? WHERE seq = ?'),
      remove: this.db.prepare<[number]>('DELETE FROM deliveries WHERE seq = ?'),
      count: this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM deliveries WHERE hook = ?'),
    };
  }

  add(hook: string, delivery: string, body: string, due: number): boolean {
    return this.q.add.run(hook, delivery, body, due).changes > 0;
  }
  next(hook: string): QueuedDelivery | null {
    return this.q.next.get(hook) ?? null;
  }
  retry(seq: number, attempts: number, due: number): void {
    this.q.retry.run(attempts, due, seq);
  }
  remove(seq: number): void {
    this.q.remove.run(seq);
  }
  count(hook: string): number {
    return this.q.count.get(hook)!.n;
  }
  close(): void {
    if (this.db.open) this.db.close();
  }
}
