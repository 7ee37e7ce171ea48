/** {@link PresenceStore} on the server's SQLite database: one row per id that went offline. */
import type { ServerDatabase } from '../database.js';
import { migrate } from '../database.js';
import type { PresenceStore } from './presence-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE presence_last_seen (
     id TEXT PRIMARY KEY,
     last_seen INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID`,
];

export function createSqlitePresenceStore(db: ServerDatabase): PresenceStore {
  migrate(db, MIGRATIONS, 'presence');
  // One statement for up to MAX_PRESENCE_IDS ids rather than one query per id.
  const select = db.prepare<[string], { id: string; last_seen: number }>(
    'SELECT id, last_seen FROM presence_last_seen WHERE id IN (SELECT value FROM json_each(?))',
  );
  const upsert = db.prepare(
    `INSERT INTO presence_last_seen (id, last_seen) VALUES (?, ?)
     ON CONFLICT(id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`,
  );
  const record = db.transaction((entries: ReadonlyMap<string, number>) => {
    for (const [id, at] of entries) upsert.run(id, at);
  });
  return {
    async lastSeen(ids) {
      const out = new Map<string, number>();
      if (ids.length === 0) return out;
      for (const row of select.all(JSON.stringify(ids))) out.set(row.id, row.last_seen);
      return out;
    },
    async record(entries) {
      if (entries.size > 0) record.immediate(entries);
    },
  };
}
