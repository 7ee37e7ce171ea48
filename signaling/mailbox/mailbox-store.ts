/**
 * The mailbox storage seam (docs/architecture.md §9: interfaces at the seams). The HTTP route owns
 * the protocol (auth, parsing, status codes); a store owns durability, sequence numbers,
 * quotas and expiry. Implementations: `mailbox-sqlite.ts` (embedded) and `mailbox-postgres.ts` (shared by nodes).
 *
 * A store sees mailbox ids (hashes of tokens), writer ids (hashes of writer keys) and sealed
 * bytes. It never sees a token or a writer key.
 *
 * Writers (docs/architecture.md §7.6): every member holds the mailbox token, so deleting is
 * tied to authorship. Each entry records the writer id its append named (or '' for none); a
 * delete and a snapshot reach only their own writer's entries, and each writer may hold only
 * a share of the mailbox's quotas.
 */

/** Limits the store enforces. */
export interface MailboxStoreLimits {
  /** Per-mailbox quota: stored bytes. */
  readonly maxMailboxBytes: number;
  /** Per-mailbox quota: stored entries. */
  readonly maxMailboxEntries: number;
  /** One writer may hold at most 1/writerShare of each per-mailbox quota (1: no writer quota). */
  readonly writerShare?: number;
  /** Entry lifetime; older entries are invisible and purged. */
  readonly ttlMs: number;
  /** A page stops growing past this many data bytes (but always holds one entry). */
  readonly maxPageBytes: number;
}

/** One stored entry as the store returns it; the route encodes `data` as base64url. */
export interface StoredMailboxEntry {
  /** Per-mailbox sequence number: strictly increasing, never reused. */
  readonly seq: number;
  /** When it was stored, ms since epoch. */
  readonly at: number;
  /** The sealed bytes exactly as appended. */
  readonly data: Uint8Array;
}

/** One page of a listing. */
export interface StoredMailboxPage {
  /** Entries in ascending `seq`. */
  readonly entries: readonly StoredMailboxEntry[];
  /** True when more unexpired entries follow the last one returned. */
  readonly more: boolean;
}

/** Options of {@link MailboxStore.append}. */
export interface StoredAppendOptions {
  /**
   * The new entry is a snapshot covering every entry with `seq ≤ snapshotUpTo`, which is
   * deleted in the same transaction. `null` for an ordinary append.
   */
  readonly snapshotUpTo: number | null;
  /** The store's notion of now, ms since epoch (becomes the entry's `at`). */
  readonly now: number;
  /**
   * The writer id (64 lower-case hex: SHA-256 of the writer's key), or absent for none. A
   * snapshot covers only its own writer's entries (none without a writer), and a writer's
   * entries count against its share of the quotas.
   */
  readonly writer?: string;
}

export interface MailboxStore {
  /**
   * Appends one sealed entry and returns its sequence number once it is durable. Throws
   * {@link MailboxQuotaError}, {@link MailboxSnapshotError} or `StorageFullError` (errors.ts),
   * in which case nothing changed.
   */
  append(mailbox: string, data: Uint8Array, options: StoredAppendOptions): Promise<{ readonly seq: number; readonly at: number }>;
  /** Up to `limit` unexpired entries with `seq > after`, oldest first. */
  list(mailbox: string, after: number, limit: number, now: number): Promise<StoredMailboxPage>;
  /**
   * Deletes every entry of `writer` with `seq ≤ upTo`; returns how many were deleted.
   * Entries of other writers, and entries appended without a writer, stay (they expire).
   */
  deleteUpTo(mailbox: string, upTo: number, writer: string): Promise<number>;
  /** Deletes entries stored before `now - ttl`, in bounded batches; returns how many. */
  purgeExpired(now: number): Promise<number>;
  /** Whether the mailbox was ever appended to (its row outlives its entries). */
  exists(mailbox: string): Promise<boolean>;
  /**
   * The highest sequence number ever appended to the mailbox, 0 when never appended to (it
   * outlives the entry itself). A new watcher is told it, so an append that raced its
   * watch is not missed.
   */
  lastSeq(mailbox: string): Promise<number>;
  /** Sealed bytes stored across all mailboxes (expired but not yet purged included). */
  totalBytes(): Promise<number>;
}

/** An append would take the mailbox over its byte or entry quota. */
export class MailboxQuotaError extends Error {
  override readonly name = 'MailboxQuotaError';
  /** Whose quota: the whole mailbox's, or the appending writer's share. */
  readonly scope: 'mailbox' | 'writer';

  constructor(
    /** Which quota: stored bytes or stored entries. */
    readonly quota: 'bytes' | 'entries',
    /** The configured limit of that quota. */
    readonly limit: number,
    options?: { cause?: unknown; scope?: 'mailbox' | 'writer' },
  ) {
    super(`the ${options?.scope === 'writer' ? "writer's share of the mailbox" : 'mailbox'} would exceed its quota of ${limit} ${quota}`, options);
    this.scope = options?.scope ?? 'mailbox';
  }
}

/** A snapshot claims to cover entries that were never appended. */
export class MailboxSnapshotError extends Error {
  override readonly name = 'MailboxSnapshotError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
