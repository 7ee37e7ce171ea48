/**
 * What a conversation session offers about its epochs (docs/architecture.md §4, §14.1): the
 * keys it syncs under, epoch secrets and file roots for features that derive their own keys,
 * and keeping up with epochs (following a change, neighbouring mailboxes, upkeep). Every
 * answer comes from the session's `EpochFollower`; `ConversationSession` extends this, so the
 * one object the UI and the rest of the client hold keeps these methods.
 */
import { ObservableV2 } from 'lib0/observable';
import type { ConversationKeys } from '../core/keys.js';
import type { EndReason } from './conversation/epoch-switch.js';
import type { EpochFollower } from './conversation/epoch-follower.js';
import type { UpkeepTask } from './conversation/epoch-upkeep.js';
import { ClientError } from './errors.js';
import type { SessionEvents } from './session-parts.js';

export abstract class SessionEpochs extends ObservableV2<SessionEvents> {
  protected abstract readonly epochs: EpochFollower;
  /** True once the stored document is loaded. */
  abstract readonly ready: boolean;
  /** How this conversation ended for this user, if it did (read-only history then). */
  abstract readonly ended: EndReason | null;

  /** The keys the conversation syncs under now (topic, signaling, mailbox, proof, presence). */
  get keys(): ConversationKeys {
    return this.epochs.keys;
  }

  /** The epoch this device is in (its record id). */
  get epoch(): string {
    return this.epochs.epoch;
  }

  /**
   * The epoch this device is in and its 32-byte secret, for features that derive their own
   * keys from it (HKDF with their own label): it changes on every membership change and
   * weekly, and `rekeyed` fires then. Removed members never hold a later one (§4.4).
   */
  currentEpochKey(): { readonly epoch: string; readonly secret: Uint8Array } {
    const epoch = this.epochs.epoch;
    const secret = this.epochs.secretOf(epoch);
    if (!secret) throw new ClientError('not-member');
    return { epoch, secret };
  }

  /** The secret of an epoch this device holds (for handing it to the user's other devices). */
  epochSecret(id: string): Uint8Array | null {
    return this.epochs.secretOf(id);
  }

  /**
   * The file root of an epoch (docs/architecture.md §14.1): what its files' keys derive
   * from. Held for every epoch whose secret is here, and for older ones handed over at a
   * full-history join or kept after their secret was deleted.
   */
  fileRoot(epoch: string): Promise<string | null> {
    return this.epochs.fileRootOf(epoch);
  }

  /** File roots this device can hand on: every one but `except`'s (newest first, capped). */
  fileRoots(except: string): Promise<Record<string, string>> {
    return this.epochs.fileRoots(except);
  }

  /** Keeps file roots the user's other device handed this one; returns how many were new. */
  keepFileRoots(roots: Readonly<Record<string, string>>): Promise<number> {
    return this.epochs.keepFileRoots(roots);
  }

  /** Follows the membership onto its current epoch (e.g. after a handoff arrived). */
  followEpochs(): Promise<void> {
    return this.epochs.follow();
  }

  /** The server is reachable again (docs/architecture.md §4.3): follow what changed elsewhere. */
  reconnected(): void {
    if (this.ready && !this.ended) this.epochs.reconnected();
  }

  /** Mailboxes of the epochs next to the current one, watched for the other side of a fork. */
  neighbourMailboxes(): Array<{ id: string; token: string }> {
    return this.ended ? [] : this.epochs.neighbourMailboxes();
  }

  /** Something was appended to a neighbouring epoch's mailbox: read it. */
  neighbourNoticed(): void {
    if (this.ready && !this.ended) void this.epochs.pullNeighbours();
  }

  /** Deletes epoch keys retired longer than the mailbox TTL ago; returns their ids (tests). */
  expireEpochKeys(): Promise<readonly string[]> {
    return this.epochs.expireKeys();
  }

  /** Rotates if the epoch is over a week old, or someone left; returns what it did (tests). */
  upkeepNow(): Promise<UpkeepTask | null> {
    return this.epochs.upkeepNow();
  }
}
