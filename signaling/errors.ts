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
