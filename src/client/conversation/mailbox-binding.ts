/**
 * Binds one conversation to its blind mailbox (docs/architecture.md §7): which member
 * devices still lack this device's writes (so they go to the mailbox), the signed read
 * cursors, and trimming what every member device has read.
 */
import * as Y from 'yjs';
import type { DeviceId } from '../../core/ids.js';
import type { ConversationKeys } from '../../core/keys.js';
import type { SyncedDoc } from '../../core/synced-doc.js';
import { mailboxIdOf } from '../../core/wire/mailbox.js';
import type { MailboxClient } from '../../net/mailbox-client.js';
import { MailboxCourier } from '../../net/mailbox-courier.js';
import type { MailboxStateStore } from '../../store/mailbox-state.js';
import { MailboxSync } from '../mailbox-sync.js';
import { updateReadRecord, type ReadRecord } from './receipts.js';

/**
 * Origin of this device's read-cursor records. They sync to peers but do not trigger a
 * mailbox append of their own: otherwise every member's cursor update would append an
 * entry that moves everyone else's cursor, forever.
 */
const READ_ORIGIN = Symbol('parley-read');
/** Read cursors are rewritten at most this often. */
const READ_RECORD_EVERY_MS = 30_000;

export interface MailboxParts {
  readonly client: MailboxClient;
  readonly progress: MailboxStateStore;
  /** SHA-256 hex of this device's push endpoint, if it has one. */
  readonly exclude: () => string | undefined;
  /** The mailbox is unreachable: ask for a Background Sync. */
  readonly onOffline: () => void;
}

export interface MailboxBindingParts {
  readonly mailbox: MailboxParts;
  readonly keys: Pick<ConversationKeys, 'mailboxToken' | 'mailboxKey'>;
  readonly synced: SyncedDoc;
  readonly device: DeviceId;
  readonly now: () => number;
  /** The mailbox holds this device's writes up to this state. */
  readonly delivered: (state: Map<number, number>) => void;
  readonly failed: (error: Error) => void;
}

export class MailboxBinding {
  readonly sync: MailboxSync;
  readonly credential: { readonly id: string; readonly token: string };
  /** The newest state vector each member device acknowledged over a data channel. */
  private readonly ackedBy = new Map<string, Map<number, number>>();
  private lastReadRecordAt = 0;
  private trimmedTo = 0;
  /**
   * This device's own clock that the mailbox holds: from the stored progress when started,
   * then from each append. Only ever too low (a read still under way, an append the service
   * worker made), which makes `carriedOwn` cautious, never wrong.
   */
  private sentOwn = 0;
  private readonly courier: MailboxCourier;

  /** The mailbox id (hex SHA-256 of the token) and token, for push subscriptions. */
  static credentialOf(keys: Pick<ConversationKeys, 'mailboxToken'>): { id: string; token: string } | null {
    const id = mailboxIdOf(keys.mailboxToken);
    return id ? { id, token: keys.mailboxToken } : null;
  }

  /** Null when the token does not make a valid mailbox id (never for derived tokens). */
  static create(parts: MailboxBindingParts): MailboxBinding | null {
    const id = mailboxIdOf(parts.keys.mailboxToken);
    return id ? new MailboxBinding(parts, id) : null;
  }

  private constructor(
    private readonly parts: MailboxBindingParts,
    id: string,
  ) {
    this.credential = { id, token: parts.keys.mailboxToken };
    const doc = parts.synced.doc;
    const courier = (this.courier = new MailboxCourier({
      client: parts.mailbox.client,
      id,
      token: parts.keys.mailboxToken,
      key: parts.keys.mailboxKey,
      doc,
      authorize: (update) => parts.synced.authorizer.authorize(update),
      progress: parts.mailbox.progress,
      exclude: parts.mailbox.exclude,
    }));
    this.sync = new MailboxSync({
      courier,
      doc,
      undelivered: () => this.undelivered(),
      onDelivered: (state) => {
        this.noteSent(state);
        parts.delivered(state);
      },
      onRead: (readSeq) => void this.noteRead(readSeq),
      onOffline: parts.mailbox.onOffline,
      onError: parts.failed,
    });
  }

  /** Starts watching local writes and the minute pulls (see MailboxSync). */
  start(): void {
    this.sync.start();
    const { progress } = this.parts.mailbox;
    progress.get(this.credential.id).then(
      (stored) => {
        if (stored.sentState) this.noteSent(Y.decodeStateVector(stored.sentState));
      },
      // Unread, it stays 0: the next epoch's mailbox then carries all of this device's writes.
      () => undefined,
    );
  }

  /**
   * How far this device's own writes are carried without this mailbox: the clock up to which
   * the mailbox holds them or every other member device acknowledged them. A new epoch's
   * mailbox starts from here (docs/architecture.md §7.2, "Moving to a new epoch's mailbox"):
   * what this device wrote after it — a write still in its grace period, an append that
   * failed, a message sent while the record was being handed over — goes into the new one.
   */
  carriedOwn(): number {
    const { doc, directory } = this.parts.synced;
    let acked = Infinity;
    for (const [device] of directory.members()) {
      if (device === this.parts.device || directory.revocation(device)) continue;
      acked = Math.min(acked, this.ackedBy.get(device)?.get(doc.clientID) ?? 0);
    }
    return Math.max(this.sentOwn, Number.isFinite(acked) ? acked : 0);
  }

  /** A member device reported over a data channel that it holds this state. */
  acknowledged(device: string, stateVector: Map<number, number>): void {
    this.ackedBy.set(device, stateVector);
  }

  /** Stops for good; a push already under way appends nothing more (`MailboxCourier.stop`). */
  destroy(): void {
    this.courier.stop();
    this.sync.destroy();
  }

  private noteSent(state: Map<number, number>): void {
    this.sentOwn = Math.max(this.sentOwn, state.get(this.parts.synced.doc.clientID) ?? 0);
  }

  /** Someone lacks this device's writes unless every other member device acknowledged them. */
  private undelivered(): boolean {
    const { doc, directory } = this.parts.synced;
    const mine = Y.getState(doc.store, doc.clientID);
    let members = 0;
    for (const [device] of directory.members()) {
      if (device === this.parts.device || directory.revocation(device)) continue;
      members++;
      if ((this.ackedBy.get(device)?.get(doc.clientID) ?? 0) < mine) return true;
    }
    // Nobody else yet: a later joiner may find only the mailbox.
    return members === 0;
  }

  /**
   * Publishes how far this device read the mailbox (a signed record in `reads`), and
   * deletes entries once every member device has read them (docs/architecture.md §7).
   */
  private async noteRead(readSeq: number): Promise<void> {
    const { doc, directory } = this.parts.synced;
    const me = this.parts.device;
    const reads = doc.getMap<ReadRecord>('reads');
    const mine = reads.get(me)?.mailboxSeq ?? 0;
    if (readSeq > mine && this.parts.now() - this.lastReadRecordAt >= READ_RECORD_EVERY_MS) {
      this.lastReadRecordAt = this.parts.now();
      // The same record carries this device's receipts (receipts.ts): they are kept.
      await updateReadRecord(this.parts.synced, me, (current) => ({ ...current, mailboxSeq: readSeq }), this.parts.now, READ_ORIGIN);
    }
    let everyone = Infinity;
    let others = 0;
    for (const [device] of directory.members()) {
      if (directory.revocation(device)) continue;
      if (device !== me) others++;
      const seq = device === me ? Math.max(readSeq, mine) : (reads.get(device)?.mailboxSeq ?? 0);
      everyone = Math.min(everyone, seq);
    }
    if (others > 0 && Number.isFinite(everyone) && everyone > this.trimmedTo) {
      this.trimmedTo = everyone;
      await this.sync.trim(everyone);
    }
  }
}
