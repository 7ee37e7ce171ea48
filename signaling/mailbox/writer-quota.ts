/**
 * Each writer's share of a mailbox's quotas (docs/architecture.md §7.6), one rule for every
 * store: a writer — or all appends without a writer, together — may hold at most
 * 1/writerShare of the mailbox's bytes and entries, so one member filling her share leaves
 * room for the others' entries.
 */
import { MailboxQuotaError, type MailboxStoreLimits } from './mailbox-store.js';
import type { Totals } from './sql-rows.js';

/** A writer's limits, or null when the store has no writer quota (share 1 or unset). */
export interface WriterQuota {
  readonly bytes: number;
  readonly entries: number;
}

export function writerQuota(limits: MailboxStoreLimits): WriterQuota | null {
  const share = limits.writerShare ?? 1;
  if (share <= 1) return null;
  return { bytes: Math.floor(limits.maxMailboxBytes / share), entries: Math.max(1, Math.floor(limits.maxMailboxEntries / share)) };
}

/**
 * Throws {@link MailboxQuotaError} (scope 'writer') when appending `size` bytes would take the
 * writer past its share; `held` is what it holds unexpired, `covered` what its snapshot replaces.
 */
export function checkWriterShare(quota: WriterQuota, held: Totals, covered: Totals, size: number): void {
  if (Number(held.bytes) - Number(covered.bytes) + size > quota.bytes) throw new MailboxQuotaError('bytes', quota.bytes, { scope: 'writer' });
  if (Number(held.n) - Number(covered.n) + 1 > quota.entries) throw new MailboxQuotaError('entries', quota.entries, { scope: 'writer' });
}
