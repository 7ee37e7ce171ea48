/** {@link PresenceStore} on PostgreSQL: the `presence_last_seen` table of `presence-sqlite.ts`. */
import type { PostgresDatabase } from '../postgres.js';
import type { PresenceStore } from './presence-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE presence_last_seen (
     id text PRIMARY KEY,
     last_seen bigint NOT NULL
   )`,
];

export async function createPostgresPresenceStore(db: PostgresDatabase): Promise<PresenceStore> {
  await db.migrate(MIGRATIONS, 'presence');
  return {
    async lastSeen(ids) {
      const out = new Map<string, number>();
      if (ids.length === 0) return out;
      const { rows } = await db.query<{ id: string; last_seen: number }>('SELECT id, last_seen FROM presence_last_seen WHERE id = ANY ($1::text[])', [ids]);
      for (const row of rows) out.set(row.id, row.last_seen);
      return out;
    },
    async record(entries) {
      if (entries.size === 0) return;
      // One statement for the whole batch; GREATEST so two nodes never move a time backwards.
      await db.query(
        `INSERT INTO presence_last_seen (id, last_seen) SELECT * FROM unnest($1::text[], $2::bigint[])
         ON CONFLICT (id) DO UPDATE SET last_seen = GREATEST(presence_last_seen.last_seen, excluded.last_seen)`,
        [[...entries.keys()], [...entries.values()]],
      );
    },
  };
}
