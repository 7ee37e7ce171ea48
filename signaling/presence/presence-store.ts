/**
 * Last-seen times of opaque presence ids, persisted so they survive a restart. Nothing
 * else is stored: the id (a hash the server cannot invert) and one timestamp. The SQLite
 * implementation is in `presence-sqlite.ts`.
 */
export interface PresenceStore {
  /** Stored last-seen times for those of `ids` that have one. */
  lastSeen(ids: readonly string[]): Promise<Map<string, number>>;
  /** Records last-seen times (never moving one backwards), all in one transaction. */
  record(entries: ReadonlyMap<string, number>): Promise<void>;
}
