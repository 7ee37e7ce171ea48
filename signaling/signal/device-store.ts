/**
 * Registered device keys (implementations: `device-sqlite.ts`, `device-postgres.ts`). The server
 * stores a public key and when it was first and last seen; nothing else about a device.
 */
/**
 * A known key's last-seen time is written again only once it is this much older: a device
 * that reconnects (and registers) every few seconds then costs no durable write each time.
 */
export const LAST_SEEN_PRECISION_MS = 60 * 60 * 1000;

export interface DeviceStore {
  /**
   * Records that `key` proved itself at `now`: first sight inserts; a later one moves
   * last-seen on only when it is {@link LAST_SEEN_PRECISION_MS} old or more.
   */
  record(key: string, now: number): Promise<void>;
  /** Registered devices, for /metrics. */
  count(): Promise<number>;
}
