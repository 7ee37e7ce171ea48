/** {@link DeviceStore} on PostgreSQL: the `devices` table of `database.ts`. */
import type { PostgresDatabase } from '../postgres.js';
import { LAST_SEEN_PRECISION_MS, type DeviceStore } from './device-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE devices (
     key text PRIMARY KEY,
     first_seen bigint NOT NULL,
     last_seen bigint NOT NULL
   )`,
];

export async function createPostgresDeviceStore(db: PostgresDatabase): Promise<DeviceStore> {
  await db.migrate(MIGRATIONS, 'devices');
  return {
    async record(key, now) {
      await db.query(
        `INSERT INTO devices (key, first_seen, last_seen) VALUES ($1, $2, $2)
         ON CONFLICT (key) DO UPDATE SET last_seen = excluded.last_seen WHERE devices.last_seen <= excluded.last_seen - $3`,
        [key, now, LAST_SEEN_PRECISION_MS],
      );
    },
    async count() {
      return (await db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM devices')).rows[0]?.n ?? 0;
    },
  };
}
