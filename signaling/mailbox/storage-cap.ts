/**
 * The server-wide storage cap (`MAILBOX_MAX_TOTAL_BYTES`) around any {@link MailboxStore}.
 * Per-mailbox quotas alone let anyone fill the disk by minting tokens for fresh mailboxes;
 * this refuses an append once everything stored would pass the cap, with
 * {@link StorageFullError} (507), so the disk never fills and nothing stored is lost.
 *
 * The total is read from the store (a sum over the per-mailbox totals) at most every
 * `refreshMs`, plus this node's own appends since; a delete or purge forces a fresh read on
 * the next append, so freed space is usable at once. On a cluster another node's appends
 * show up within `refreshMs`: the cap may be passed by what the cluster stores in that time,
 * which the per-address rates bound.
 */
import { StorageFullError } from '../errors.js';
import type { MailboxStore } from './mailbox-store.js';

export interface StorageCapOptions {
  /** Sealed bytes the server may store in all mailboxes together. */
  readonly maxTotalBytes: number;
  /** How stale the cached total may be, in ms. */
  readonly refreshMs?: number;
  /** Monotonic clock in ms. */
  readonly now?: () => number;
}

/** A store with the cap applied, and the cached total for metrics. */
export interface CappedMailboxStore extends MailboxStore {
  /** Bytes stored, as last known (for `/metrics`). */
  readonly knownTotalBytes: number;
}

export function withStorageCap(store: MailboxStore, { maxTotalBytes, refreshMs = 1000, now = () => performance.now() }: StorageCapOptions): CappedMailboxStore {
  let total = 0;
  let readAt = -Infinity;
  const current = async (): Promise<number> => {
    if (now() - readAt > refreshMs) {
      total = await store.totalBytes();
      readAt = now();
    }
    return total;
  };
  const stale = <T>(result: T): T => {
    readAt = -Infinity;
    return result;
  };
  return {
    get knownTotalBytes() {
      return total;
    },
    async append(mailbox, data, options) {
      if ((await current()) + data.length > maxTotalBytes) throw new StorageFullError('entries', 'cap');
      const result = await store.append(mailbox, data, options);
      total += data.length;
      // A snapshot replaced older entries: the real total is lower than counted.
      if (options.snapshotUpTo !== null) readAt = -Infinity;
      return result;
    },
    list: (mailbox, after, limit, at) => store.list(mailbox, after, limit, at),
    deleteUpTo: async (mailbox, upTo, writer) => stale(await store.deleteUpTo(mailbox, upTo, writer)),
    purgeExpired: async (at) => stale(await store.purgeExpired(at)),
    exists: (mailbox) => store.exists(mailbox),
    lastSeq: (mailbox) => store.lastSeq(mailbox),
    totalBytes: () => store.totalBytes(),
  };
}
