/**
 * The one logging seam of Parley, shared by the server and the client. Parts that log take a
 * `Logger` in their options; only composition roots (`src/main.ts`, `signaling/main.ts`,
 * `sw/sw.ts`) decide where lines go. Fields are primitives only, so a caller cannot hand a
 * message, a document or a key to the logger by accident (the server must stay blind, and
 * the client must not spill plaintext into a shared console).
 */

/** Primitive-only structured fields for one log line. */
export type LogFields = Readonly<Record<string, string | number | boolean>>;

export interface Logger {
  /** Routine lifecycle events (start, stop, a peer connected). */
  info(message: string, fields?: LogFields): void;
  /** Something a peer or client did wrong, or an unusual but handled condition. */
  warn(message: string, fields?: LogFields): void;
  /** A fault in Parley itself (a handler threw, a listener failed). */
  error(message: string, fields?: LogFields): void;
}

/** Discards everything; for tests and benchmarks that do not want noise. */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The short, primitive description of an unknown thrown value, for a log field. */
export function errorField(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}
