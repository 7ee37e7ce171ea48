/**
 * Settings of the blind mailbox and its blob area (docs/architecture.md §6.3, §7, §14.6) and
 * of mailbox watches on signaling sockets, with their defaults. Part of
 * {@link ParleyServerConfig} (`config.ts`).
 */
import { MailboxLimits } from '../src/core/wire/mailbox.js';
import { blobBytesFor, MailboxBlobLimits } from '../src/core/wire/mailbox-blobs.js';
import { ConfigError } from './errors.js';
import type { MailboxWatchLimits } from './mailbox/notices.js';

/** The blind mailbox (docs/architecture.md §6, §7). Defaults come from the shared `MailboxLimits`. */
export interface MailboxConfig {
  /** Largest single sealed entry (POST body); larger uploads are cut with 413. */
  readonly maxEntryBytes: number;
  /**
   * Largest file members may send (`MAX_FILE_BYTES`, 200 MB), advertised by `/api/config`.
   * Files travel peer to peer, so this is a promise between members the server only states.
   */
  readonly maxFileBytes: number;
  /** Per-mailbox quota: stored bytes. */
  readonly maxMailboxBytes: number;
  /** Per-mailbox quota: stored entries. */
  readonly maxMailboxEntries: number;
  /** One writer may hold at most 1/this of each per-mailbox quota (docs/architecture.md §7.6); 1 turns it off. */
  readonly mailboxWriterShare: number;
  /** Entries older than this are never returned and are purged. */
  readonly mailboxTtlMs: number;
  /** How often expired entries are purged from disk. */
  readonly mailboxPurgeIntervalMs: number;
  /** A GET page stops adding entries past this many data bytes (at least one is returned). */
  readonly mailboxMaxPageBytes: number;
  /**
   * `MAILBOX_MAX_FILE_BYTES` (25 MB): the largest file whose sealed chunks the mailbox's blob
   * area takes, advertised by `/api/config`; larger files only travel peer to peer.
   */
  readonly mailboxMaxFileBytes: number;
  /** `MAILBOX_BLOB_MAX_BYTES`: per-mailbox quota of the blob area, apart from the entries'. */
  readonly mailboxBlobMaxBytes: number;
  /** `MAILBOX_BLOB_TTL_MS`: pieces older than this are never returned and are purged. */
  readonly mailboxBlobTtlMs: number;
  /** `MAILBOX_BLOB_MAX_TOTAL_BYTES`: blob bytes all mailboxes together may hold; past it, 507. */
  readonly mailboxBlobMaxTotalBytes: number;
}

/** The defaults of {@link MailboxConfig} and of mailbox watches. */
export function mailboxDefaults(): MailboxConfig & MailboxWatchLimits {
  return {
    maxEntryBytes: MailboxLimits.maxEntryBytes,
    maxFileBytes: 200 * 1024 * 1024,
    maxMailboxBytes: MailboxLimits.maxMailboxBytes,
    maxMailboxEntries: MailboxLimits.maxMailboxEntries,
    mailboxWriterShare: MailboxLimits.writerShare,
    mailboxTtlMs: MailboxLimits.ttlMs,
    mailboxPurgeIntervalMs: 10 * 60 * 1000,
    mailboxMaxPageBytes: 16 * 1024 * 1024,
    mailboxMaxFileBytes: MailboxBlobLimits.maxFileBytes,
    mailboxBlobMaxBytes: MailboxBlobLimits.maxMailboxBlobBytes,
    mailboxBlobTtlMs: MailboxBlobLimits.ttlMs,
    mailboxBlobMaxTotalBytes: 8 * 1024 * 1024 * 1024,
    maxMailboxWatchesPerSocket: 1000,
    // A device following 1,000 conversations re-watches them all on reconnect.
    mailboxWatchBurst: 2000,
    mailboxWatchesPerSecond: 100,
    maxMailboxWatches: 2_000_000,
  };
}

/** Sizes that could never hold one entry or one file are a mistake, said at start. */
export function validateMailboxSizes(c: MailboxConfig & { readonly mailboxBlobBurstBytes: number }): void {
  if (c.maxEntryBytes > c.maxMailboxBytes) throw new ConfigError('maxEntryBytes must not exceed maxMailboxBytes');
  if (blobBytesFor(c.mailboxMaxFileBytes) > Math.min(c.mailboxBlobMaxBytes, c.mailboxBlobBurstBytes)) {
    throw new ConfigError('mailboxBlobMaxBytes and mailboxBlobBurstBytes must hold one file of mailboxMaxFileBytes');
  }
}
