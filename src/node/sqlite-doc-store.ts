/**
 * Yjs documents in the profile's SQLite database, the way y-indexeddb keeps them in the
 * browser: one row per update, applied in order on open, compacted into one row (the whole
 * document state) once a document has gathered COMPACT_AFTER rows.
 *
 * Updates are buffered and written in one transaction per event-loop turn: a bot answering
 * a burst of messages writes one commit per turn, not one per Yjs update. Documents carry
 * no acknowledgement of their own (the outbox does, docs/architecture.md §7), so a crash can
 * lose at most the last turn's updates, which peers or the mailbox send again.
 */
import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import type { DocStore, PersistedDoc } from '../store/types.js';

/** y-indexeddb's own trim size: beyond it, opening a document replays too many rows. */
const COMPACT_AFTER = 500;

interface OpenDoc {
  readonly name: string;
  readonly doc: Y.Doc;
  readonly pending: Uint8Array[];
  rows: number;
}

export class SqliteDocStore implements DocStore {
  private readonly open_ = new Set<OpenDoc>();
  private flushScheduled = false;
  private readonly loadStmt: Database.Statement<[string], { id: number; data: Buffer }>;
  private readonly insertStmt: Database.Statement<[string, Buffer]>;
  private readonly trimStmt: Database.Statement<[string, number]>;
  private readonly clearStmt: Database.Statement<[string]>;

  constructor(private readonly db: Database.Database) {
    this.loadStmt = db.prepare('SELECT id, data FROM doc_updates WHERE name = ? ORDER BY id');
    this.insertStmt = db.prepare('INSERT INTO doc_updates (name, data) VALUES (?, ?)');
    this.trimStmt = db.prepare('DELETE FROM doc_updates WHERE name = ? AND id <= ?');
    this.clearStmt = db.prepare('DELETE FROM doc_updates WHERE name = ?');
  }

  open(name: string, doc: Y.Doc): PersistedDoc {
    const rows = this.loadStmt.all(name);
    // Stored rows were checked before they were stored: applied as one trusted transaction.
    if (rows.length > 0) Y.transact(doc, () => rows.forEach((r) => Y.applyUpdate(doc, r.data)), this, false);
    const entry: OpenDoc = { name, doc, pending: [], rows: rows.length };
    if (rows.length > COMPACT_AFTER) this.compact(entry);
    const onUpdate = (update: Uint8Array, origin: unknown): void => {
      if (origin === this) return;
      entry.pending.push(update.slice());
      this.scheduleFlush();
    };
    doc.on('update', onUpdate);
    this.open_.add(entry);
    return {
      whenLoaded: Promise.resolve(),
      destroy: async () => {
        doc.off('update', onUpdate);
        if (this.db.open) this.flush(entry);
        this.open_.delete(entry);
      },
    };
  }

  async clear(name: string): Promise<void> {
    for (const entry of this.open_) if (entry.name === name) entry.pending.length = 0;
    this.clearStmt.run(name);
  }

  /** Writes every buffered update now (shutdown). */
  flushAll(): void {
    for (const entry of this.open_) this.flush(entry);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.db.open) this.flushAll();
    });
  }

  private flush(entry: OpenDoc): void {
    if (entry.pending.length === 0) return;
    const batch = entry.pending.splice(0);
    this.db.transaction(() => batch.forEach((u) => this.insertStmt.run(entry.name, Buffer.from(u.buffer, u.byteOffset, u.byteLength))))();
    entry.rows += batch.length;
    if (entry.rows > COMPACT_AFTER) this.compact(entry);
  }

  /** Replaces a document's rows by one row holding its whole state. */
  private compact(entry: OpenDoc): void {
    const state = Y.encodeStateAsUpdate(entry.doc);
    this.db.transaction(() => {
      const info = this.insertStmt.run(entry.name, Buffer.from(state.buffer, state.byteOffset, state.byteLength));
      this.trimStmt.run(entry.name, Number(info.lastInsertRowid) - 1);
    })();
    entry.rows = 1;
  }
}
