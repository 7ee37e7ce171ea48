/**
 * Typed errors for the server (docs/architecture.md §9: errors are classes with a `cause`), so the
 * entry point can tell a bad configuration (exit with a message) from a failed start.
 */

/** A configuration value (usually from the environment) is missing or malformed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The HTTP server could not bind or start (port in use, address not available, …). */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The VAPID key file exists but cannot be used; never silently replaced (see push/vapid-keys.ts). */
export class VapidKeyError extends Error {
  override readonly name = 'VapidKeyError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * There is no room for what was sent: the server's storage cap (`MAILBOX_MAX_TOTAL_BYTES` for
 * entries, `MAILBOX_BLOB_MAX_TOTAL_BYTES` for files) or the disk itself is full. Nothing
 * changed; what was stored before is intact. Routes answer 507 with the message, which says
 * the same for a full cap and a full disk: clients need not know which.
 */
export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';
  readonly code = 'storage-full';

  constructor(
    /** What could not be stored: mailbox entries or the pieces of files. */
    readonly area: 'entries' | 'files',
    /** `cap`: the configured total; `disk`: the database could not grow. */
    readonly reason: 'cap' | 'disk',
    options?: { cause?: unknown },
  ) {
    super(`the server has no room for more ${area === 'entries' ? 'mailbox entries' : 'files in mailboxes'} now`, options);
  }
}

/** Bytes as people read them in an error text: 10 bytes, 64 KiB, 2.3 MiB. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const round = (n: number): number => Math.round(n * 10) / 10;
  return bytes < 1024 * 1024 ? `${round(bytes / 1024)} KiB` : `${round(bytes / 1024 / 1024)} MiB`;
}

/**
 * A shared backend (PostgreSQL, Redis) cannot be reached or dropped the connection. The
 * request did not complete; HTTP routes answer 503 with `Retry-After`, and the client tries
 * again. An append that failed this way may or may not have committed: a retry can store it
 * twice, which readers tolerate because entries are idempotent CRDT updates.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'store-unavailable';

  constructor(
    /** Which backend failed. */
    readonly backend: 'postgres' | 'redis',
    options?: { cause?: unknown },
  ) {
    super(`${backend} is unavailable`, options);
  }
}
