/**
 * Registered device keys (implementations: `device-sqlite.ts`, `device-postgres.ts`). The server
 * stores a public key and when it was first and last seen; nothing else about a device.
 */
export interface DeviceStore {
  /** Records that `key` proved itself at `now` (first sight inserts, later ones update). */
  record(key: string, now: number): Promise<void>;
  /** Registered devices, for /metrics. */
  count(): Promise<number>;
}
