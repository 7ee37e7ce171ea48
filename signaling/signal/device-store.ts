/**
 * Registered device keys (the SQLite implementation is in `device-sqlite.ts`). The server
 * stores a public key and when it was first and last seen; nothing else about a device.
 */
export interface DeviceStore {
  /** Records that `key` proved itself at `now` (first sight inserts, later ones update). */
  record(key: string, now: number): void;
  /** Registered devices, for /metrics. */
  count(): number;
}
