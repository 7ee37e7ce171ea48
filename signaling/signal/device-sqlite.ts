/** {@link DeviceStore} on the server's SQLite database (the `devices` table of `database.ts`). */
import type { ServerDatabase } from '../database.js';
import { LAST_SEEN_PRECISION_MS, type DeviceStore } from './device-store.js';

export function createSqliteDeviceStore(db: ServerDatabase): DeviceStore {
  const upsert = db.prepare(
    `INSERT INTO devices (key, first_seen, last_seen) VALUES (?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET last_seen = excluded.last_seen WHERE devices.last_seen <= excluded.last_seen - ${LAST_SEEN_PRECISION_MS}`,
  );
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM devices');
  return {
    record: async (key, now) => void upsert.run(key, now, now),
    count: async () => count.get()?.n ?? 0,
  };
}
