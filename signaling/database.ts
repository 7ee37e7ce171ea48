/**
 * The server's embedded store: one SQLite file in the data directory (better-sqlite3, v12:
 * v13 crashes on Node 20). WAL with `synchronous=FULL`, so a write that returned survives a
 * `kill -9`. It holds only public keys, opaque ids and ciphertext.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export type ServerDatabase = Database.Database;

/** Schema changes, applied in order once each; the index is the schema version. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE devices (
     key TEXT PRIMARY KEY,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL
   ) STRICT`,
];

export function openServerDatabase(dataDir: string, file = 'parley.db'): ServerDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, MIGRATIONS);
  return db;
}

/** Applies pending migrations; modules with their own tables pass theirs too. */
export function migrate(db: ServerDatabase, steps: readonly string[], scope = 'core'): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (scope TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT');
  const row = db.prepare('SELECT version FROM schema_versions WHERE scope = ?').get(scope) as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current >= steps.length) return;
  db.transaction(() => {
    for (let i = current; i < steps.length; i++) db.exec(steps[i]!);
    db.prepare('INSERT INTO schema_versions (scope, version) VALUES (?, ?) ON CONFLICT(scope) DO UPDATE SET version = excluded.version').run(scope, steps.length);
  })();
}
