/**
 * Periodic removal of expired mailbox entries. Listing already hides them; purging gives
 * the disk back. One unref'd timer, so an idle server can still exit, and `stop()` waits
 * for a running purge so the database is never closed under it.
 */
import type { Logger } from '../logger.js';
import type { MailboxStore } from './mailbox-store.js';

export interface MailboxPurger {
  /** Runs one purge now (also what the timer does); resolves with the rows removed. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a purge in progress. Idempotent. */
  stop(): Promise<void>;
}

export interface MailboxPurgeOptions {
  /** The mailbox entries, or the blob area. */
  readonly store: Pick<MailboxStore, 'purgeExpired'>;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Called with the number of rows each purge removed (metrics). */
  readonly onPurged?: (n: number) => void;
  /** Wall clock, ms since epoch; injectable for tests. */
  readonly now?: () => number;
  /** What is purged, for the log line of a failure ('mailbox' by default). */
  readonly what?: string;
}

export function startMailboxPurge({ store, intervalMs, logger, onPurged, now = Date.now, what = 'mailbox' }: MailboxPurgeOptions): MailboxPurger {
  let running: Promise<number> | undefined;
  let stopped = false;

  const runOnce = (): Promise<number> => {
    if (stopped) return Promise.resolve(0);
    // Never two purges at once: a slow one simply absorbs the next tick.
    running ??= store
      .purgeExpired(now())
      .then(
        (n) => {
          if (n > 0) onPurged?.(n);
          return n;
        },
        (err: unknown) => {
          logger.error('purge failed', { what, name: err instanceof Error ? err.name : 'unknown' });
          return 0;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
