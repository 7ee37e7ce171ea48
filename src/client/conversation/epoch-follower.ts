/**
 * Keeps one conversation on its current epoch (docs/architecture.md §4): the secrets this
 * device holds (EpochKeyring), following the fold onto new epochs (EpochSwitch), the
 * changes somebody must make (EpochUpkeep), and moving the room and mailbox when the epoch
 * changes. On open it reads the mailbox before joining any peer, so a change made while
 * this device was away is followed before it could talk to someone who was removed.
 */
import type { Account } from '../../core/identity/account.js';
import type { Topic } from '../../core/ids.js';
import type { ConversationKeys } from '../../core/keys.js';
import type { Logger } from '../../core/logger.js';
import type { SyncedDoc } from '../../core/synced-doc.js';
import type { ConversationRecord } from '../../store/types.js';
import { EpochKeyring } from './epoch-keys.js';
import { EpochSwitch, type EndReason } from './epoch-switch.js';
import { EpochUpkeep, type UpkeepTask } from './epoch-upkeep.js';
import type { Membership } from './membership.js';
import type { MembershipView } from './membership-view.js';
import type { ConversationTransport } from './transport.js';

/** Reading the mailbox before joining peers waits at most this long (offline start). */
const FIRST_PULL_TIMEOUT_MS = 3_000;
/** Epochs followed in a row on open at most (each needs a mailbox read). */
const CATCH_UP_ROUNDS = 4;

export interface EpochFollowerParts {
  readonly record: ConversationRecord;
  readonly keys: ConversationKeys;
  readonly account: Account;
  readonly synced: SyncedDoc;
  readonly view: MembershipView;
  readonly changes: Membership;
  readonly transport: ConversationTransport;
  readonly now: () => number;
  readonly logger: Logger;
  /** Stores changed record fields (epoch secrets). */
  readonly save: (fields: Partial<ConversationRecord>) => Promise<void>;
  readonly handedOver: (conversation: Topic, epoch: string) => Promise<Uint8Array | null>;
  readonly deviceRemoved: () => boolean;
  /** The session finished loading (no moves or upkeep before). */
  readonly loaded: () => boolean;
  readonly rekeyed: () => void;
  readonly ended: (reason: EndReason) => void;
}

export class EpochFollower {
  private readonly keyring: EpochKeyring;
  private readonly switcher: EpochSwitch;
  private readonly upkeep: EpochUpkeep;
  private current: ConversationKeys;

  constructor(private readonly parts: EpochFollowerParts) {
    this.current = parts.keys;
    this.keyring = new EpochKeyring(parts.record);
    this.switcher = new EpochSwitch({
      conversation: parts.record.id,
      view: parts.view,
      keyring: this.keyring,
      synced: parts.synced,
      account: parts.account,
      now: parts.now,
      move: (from, to, wroteIt) => this.move(from.id, to.id, wroteIt),
      persist: () => parts.save(this.keyring.recordFields()),
      merge: () => parts.changes.merge(),
      handedOver: async (epoch) => parts.handedOver(parts.record.id, epoch),
      ended: parts.ended,
      deviceRemoved: parts.deviceRemoved,
      logger: parts.logger,
    });
    this.upkeep = new EpochUpkeep({
      account: parts.account,
      view: parts.view,
      changes: parts.changes,
      now: parts.now,
      active: () => parts.loaded() && this.ended === null && parts.view.state.current?.id === this.keyring.current.id,
      logger: parts.logger,
    });
  }

  /** Keys of the current epoch (topic, signaling, mailbox, proof, presence). */
  get keys(): ConversationKeys {
    return this.current;
  }

  /** The current epoch's record id. */
  get epoch(): string {
    return this.keyring.current.id;
  }

  get ended(): EndReason | null {
    return this.switcher.ended;
  }

  secretOf(id: string): Uint8Array | null {
    return this.keyring.secretOf(id);
  }

  /** Follows epochs this device missed: read the mailbox, move on, repeat (bounded). */
  async catchUp(): Promise<void> {
    // Not "from now": writes an earlier run of this device made but never delivered (a
    // process that exited right after joining) must still reach the mailbox, so a device
    // that never pushed to this mailbox starts with a snapshot, as before epochs.
    await this.parts.transport.bindMailbox(this.current, false);
    for (let round = 0; round < CATCH_UP_ROUNDS && !this.ended; round++) {
      const before = this.keyring.current.id;
      const mailbox = this.parts.transport.mailbox;
      if (mailbox) await Promise.race([mailbox.pull(), new Promise((r) => setTimeout(r, FIRST_PULL_TIMEOUT_MS))]);
      await this.switcher.settle();
      if (this.keyring.current.id === before) return;
    }
  }

  /** Membership changed: follow it, then see whether something is due. */
  follow(): Promise<void> {
    if (!this.parts.loaded()) return Promise.resolve();
    return this.switcher.settle().then(() => this.upkeep.schedule());
  }

  /** Something may be due soon (a week passed, someone left). */
  scheduleUpkeep(): void {
    this.upkeep.schedule();
  }

  /** Does what is due now; returns what it did (tests move the clock and call this). */
  upkeepNow(): Promise<UpkeepTask | null> {
    return this.upkeep.runNow();
  }

  /** Reads the mailboxes of retired epochs, then deletes keys past the mailbox TTL. */
  async pullRetired(): Promise<void> {
    const retired = await Promise.all(this.keyring.retired.map((e) => this.keyring.keysOf(e.id)));
    await this.parts.transport.pullRetired(retired);
    if (this.keyring.expire(this.parts.now()).length > 0) await this.parts.save(this.keyring.recordFields());
  }

  destroy(): void {
    this.switcher.destroy();
    this.upkeep.destroy();
  }

  /** Moves the room and mailbox to another epoch's keys (EpochSwitch decided). */
  private async move(fromId: string, toId: string, wroteIt: boolean): Promise<void> {
    const from = this.current;
    const to = await this.keyring.keysOf(toId);
    this.current = to;
    // Whoever wrote the record hands it to the old mailbox; joiners need a full snapshot.
    const added = this.parts.view.state.current?.ops.some((o) => o.op === 'add') ?? false;
    await this.parts.transport.move(from, to, wroteIt, wroteIt && added);
    this.parts.logger.info('moved to a new epoch', { from: fromId, to: toId });
    this.parts.rekeyed();
  }
}
