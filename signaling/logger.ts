/**
 * Server logging. The server is blind (docs/architecture.md §1): logs carry counts, close codes and
 * error codes only. Fields are restricted to primitives so a caller cannot hand a message
 * object (with its `data`) to the logger by accident, and nothing here ever stringifies an
 * `Error` message from `JSON.parse`, because V8 quotes part of the input in it.
 */

import type { LogFields, Logger } from '../src/core/logger.js';

export type { LogFields, Logger } from '../src/core/logger.js';

/**
 * One JSON line per event on the given stream (stderr by default, because stdout is kept
 * for the single "listening" line that scripts and tests read). `base` fields (the node id)
 * go into every line.
 */
export function createStreamLogger(stream: NodeJS.WritableStream = process.stderr, base: LogFields = {}): Logger {
  const write = (level: string, message: string, fields?: LogFields): void => {
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, ...base, message, ...fields })}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** Discards everything; for tests and benchmarks that do not want noise. */
export function createSilentLogger(): Logger {
  const noop = (): void => {};
  return { info: noop, warn: noop, error: noop };
}
