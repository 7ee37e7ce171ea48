/**
 * What switching a group to full history gives the members already in it
 * (docs/architecture.md §14.1): the older epochs' file roots, sealed once by the admin's
 * device that made the switch under the secret of the epoch it switched in
 * (core/membership/history-roots.ts), and kept by every device that holds that secret.
 * Only the record of the device whose "full" setting is the one in force is read: a setting
 * only an admin can make, so nobody else can plant wrong roots for the others to keep.
 */
import type { Account } from '../../core/identity/account.js';
import type { Topic } from '../../core/ids.js';
import { errorField, type Logger } from '../../core/logger.js';
import { isHistoryRootsRecord, openHistoryRoots, sealHistoryRoots, type HistoryRootsRecord } from '../../core/membership/history-roots.js';
import { ShareError } from '../../core/membership/seal.js';
import { LOCAL_ORIGIN, type SyncedDoc } from '../../core/synced-doc.js';
import type { MembershipView } from './membership-view.js';

export interface HistoryRootsParts {
  readonly conversation: Topic;
  readonly synced: SyncedDoc;
  readonly view: MembershipView;
  readonly account: Account;
  readonly now: () => number;
  readonly logger: Logger;
  /** The secret of an epoch this device holds. */
  readonly secretOf: (epoch: string) => Uint8Array | null;
  /** Every file root this device can give but `except`'s (newest first, capped). */
  readonly fileRoots: (except: string) => Promise<Record<string, string>>;
  /** Keeps handed roots of epochs this device holds nothing of; returns how many were new. */
  readonly keep: (roots: Readonly<Record<string, string>>) => Promise<number>;
}

export class HistoryRoots {
  /** Records already opened, by signature. */
  private readonly opened = new Set<string>();
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly parts: HistoryRootsParts) {}

  /** The group's settings or its `roots` map changed: publish or keep what is due. */
  refresh(): void {
    this.running = this.running.then(() => this.run()).catch((error: unknown) => this.parts.logger.warn('history file roots not handed over', { error: errorField(error) }));
  }

  private async run(): Promise<void> {
    const settings = this.parts.view.settings();
    const set = settings.historySetBy;
    if (settings.history !== 'full' || !set) return;
    const key = `${set.epoch}:${set.device}`;
    const map = this.parts.synced.doc.getMap<HistoryRootsRecord>('roots');
    if (set.device === this.parts.account.device.id && !map.has(key)) await this.publish(key, set.epoch);
    const record = map.get(key);
    if (!record || !isHistoryRootsRecord(record) || record.by !== set.device || record.epoch !== set.epoch || this.opened.has(record.sig)) return;
    // Not a member in that epoch (joined later: the grant carried the roots), or its secret is gone.
    const secret = this.parts.secretOf(record.epoch);
    if (!secret) return;
    this.opened.add(record.sig);
    try {
      await this.parts.keep(await openHistoryRoots(secret, record.files, { conversation: this.parts.conversation, epoch: record.epoch }));
    } catch (error) {
      if (!(error instanceof ShareError)) throw error;
      this.parts.logger.warn('history file roots did not open', { from: record.by, error: errorField(error) });
    }
  }

  private async publish(key: string, epoch: string): Promise<void> {
    const secret = this.parts.secretOf(epoch);
    if (!secret) return;
    const roots = await this.parts.fileRoots(epoch);
    if (Object.keys(roots).length === 0) return;
    const files = await sealHistoryRoots(secret, roots, { conversation: this.parts.conversation, epoch });
    await this.parts.synced.writer.setRecord('roots', key, { type: 'history-roots', by: this.parts.account.device.id, at: this.parts.now(), epoch, files }, LOCAL_ORIGIN);
  }
}
