/**
 * Follows the membership fold onto the current epoch (docs/architecture.md §4.3): when the
 * fold picks an epoch this device is not in yet, it opens this device's share, moves the
 * room and the mailbox to the new keys, and stores the secret. When a fork leaves no
 * usable epoch, a member writes the merge (after a short random wait, so usually only
 * one does). When this user is no longer a member, it reports how the conversation ended.
 */
import type { Account } from '../../core/identity/account.js';
import type { DeviceId, Topic } from '../../core/ids.js';
import { Disposables } from '../../core/lifecycle.js';
import { errorField, type Logger } from '../../core/logger.js';
import type { Epoch } from '../../core/membership/fold.js';
import { openShare, openWithDeviceKeys } from '../../core/membership/seal.js';
import type { SyncedDoc } from '../../core/synced-doc.js';
import type { StoredEpoch } from '../../store/types.js';
import type { EpochKeyring } from './epoch-keys.js';
import type { MembershipView } from './membership-view.js';

/** How long a member waits before writing a merge itself (someone else may be quicker). */
const MERGE_DELAY_MS = { min: 50, max: 400 };

export type EndReason = 'left' | 'removed' | 'device-removed';

export interface EpochSwitchParts {
  readonly conversation: Topic;
  readonly view: MembershipView;
  readonly keyring: EpochKeyring;
  readonly synced: SyncedDoc;
  readonly account: Account;
  readonly now: () => number;
  /**
   * This device is leaving `from` for epoch `to`, this instant: called synchronously as the
   * keyring enters `to`, so whatever this device writes from here is the new epoch's
   * (docs/architecture.md §7.2, "Moving to a new epoch's mailbox").
   */
  readonly leaving: (from: StoredEpoch, to: string, wroteIt: boolean) => void;
  /** Moves the room and mailbox from one epoch to the next (the keyring already holds both). */
  readonly move: (from: StoredEpoch, to: StoredEpoch, wroteIt: boolean) => Promise<void>;
  /** Stores the keyring (the conversation record). */
  readonly persist: () => Promise<void>;
  /** Writes a merge record. */
  readonly merge: () => Promise<unknown>;
  /** A secret another device of this user handed over for an epoch this device has no share of. */
  readonly handedOver: (epoch: string) => Promise<Uint8Array | null>;
  /** This user is not a member any more. */
  readonly ended: (reason: EndReason) => void;
  /** Another device of this user removed this one (the self doc says so). */
  readonly deviceRemoved: () => boolean;
  readonly logger: Logger;
}

export class EpochSwitch {
  private queue: Promise<void> = Promise.resolve();
  private mergePending = false;
  private endedWith: EndReason | null = null;
  private readonly disposables = new Disposables();

  constructor(private readonly parts: EpochSwitchParts) {}

  /** Why this user is no longer in the conversation, if so. */
  get ended(): EndReason | null {
    return this.endedWith;
  }

  /** Moves onto the fold's current epoch if needed; runs one at a time. */
  settle(): Promise<void> {
    const run = this.queue.then(() => this.settleNow());
    this.queue = run.catch((error: unknown) => this.parts.logger.warn('epoch switch failed', { error: errorField(error) }));
    return run;
  }

  destroy(): void {
    this.disposables.dispose();
  }

  /** The secret of an epoch: held already, or opened from this device's share of it. */
  async secretFor(id: string): Promise<Uint8Array | null> {
    const held = this.parts.keyring.secretOf(id);
    if (held) return held;
    const epoch = this.parts.view.state.epochs.get(id);
    return epoch ? this.openShare(epoch) : null;
  }

  private async settleNow(): Promise<void> {
    const { view, keyring, account } = this.parts;
    const state = view.state;
    const me = account.identity.sign;
    const ending = this.endReason();
    if (ending) {
      if (this.endedWith !== ending) {
        this.endedWith = ending;
        this.parts.ended(ending);
      }
      return;
    }
    if (!state.current) {
      // Someone blocked by the other person would write a merge everyone ignores (§4.4).
      if (state.needsMerge && state.members.has(me) && !state.blocked.has(me)) this.scheduleMerge();
      return;
    }
    const target = state.current;
    if (keyring.current.id === target.id) return;
    const secret = keyring.secretOf(target.id) ?? (await this.openShare(target)) ?? (await this.parts.handedOver(target.id));
    // No share for this device (a device linked after the epoch began): it stays where it
    // is until one of its own devices hands it the key.
    if (!secret) return;
    const from = keyring.current;
    const wroteIt = target.record?.by === account.device.id;
    this.parts.leaving(from, target.id, wroteIt);
    keyring.enter(target.id, target.n, secret, this.parts.now());
    try {
      await this.parts.persist();
    } finally {
      // Left already: a failed store must not leave the conversation with no mailbox bound.
      await this.parts.move(from, keyring.current, wroteIt);
    }
  }

  /** Not a member any more, and why; null while a member. */
  private endReason(): EndReason | null {
    const { view, account, synced } = this.parts;
    if (synced.directory.revocation(account.device.id) || this.parts.deviceRemoved()) return 'device-removed';
    const state = view.state;
    if (state.epochs.size === 0 || state.members.has(account.identity.sign)) return null;
    return view.leaves().some((l) => l.identity === account.identity.sign) ? 'left' : 'removed';
  }

  private async openShare(epoch: Epoch): Promise<Uint8Array | null> {
    const { account, conversation } = this.parts;
    const share = epoch.record?.shares[account.device.id];
    if (!share) return null;
    const context = { conversation, epoch: epoch.id, device: account.device.id as DeviceId };
    const secret = await openWithDeviceKeys(account.dh, (key) => openShare(key, share, context));
    if (!secret) this.parts.logger.warn('epoch share does not open with any key of this device', { epoch: epoch.id });
    return secret;
  }

  private scheduleMerge(): void {
    if (this.mergePending) return;
    this.mergePending = true;
    const delay = MERGE_DELAY_MS.min + Math.random() * (MERGE_DELAY_MS.max - MERGE_DELAY_MS.min);
    this.disposables.timeout(() => {
      this.mergePending = false;
      const state = this.parts.view.state;
      if (!state.needsMerge || !state.members.has(this.parts.account.identity.sign) || state.blocked.has(this.parts.account.identity.sign)) return;
      this.parts.merge().catch((error: unknown) => this.parts.logger.warn('merge failed', { error: errorField(error) }));
    }, delay);
  }
}
