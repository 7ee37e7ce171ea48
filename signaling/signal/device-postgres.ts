/** {@link DeviceStore} on PostgreSQL: the `devices` table of `database.ts`. */
import type { PostgresDatabase } from '../postgres.js';
import type { DeviceStore } from './device-store.js';

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
         ON CONFLICT (key) DO UPDATE SET last_seen = GREATEST(devices.last_seen, excluded.last_seen)`,
        [key, now],
      );
    },
    async count() {
      return (await db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM devices')).rows[0]?.n ?? 0;
    },
  };
}
