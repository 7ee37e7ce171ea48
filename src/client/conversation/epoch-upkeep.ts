/**
 * Membership changes nobody asks for but somebody must make (docs/architecture.md §4.4,
 * §4.7), made by any member device after a short random wait — usually only one does,
 * and when several do the fold picks one:
 * - someone left: remove them (the leaver cannot: they would learn the new secret);
 * - a member holds no share of the current epoch (their device was unknown to its writer):
 *   rotate so that they get one;
 * - the current epoch is older than a week: rotate (weekly forward secrecy);
 * - in a 1:1, a block of this user's that they lifted on a device that had not yet received
 *   it (that unblock lifts nothing): unblock on top of it (§4.4), once per block and only
 *   when the person has a device to seal to (else the record would unblock nothing and the
 *   block would stay owed, run after run). Two devices doing it at once write two unblocks
 *   of the block; both count, and the fold picks one.
 */
import type { Account } from '../../core/identity/account.js';
import type { IdentityId } from '../../core/identity/keys.js';
import { liftedBlocks, type Block, type BlockDecision } from '../../core/membership/blocks.js';
import { Disposables } from '../../core/lifecycle.js';
import { errorField, type Logger } from '../../core/logger.js';
import type { Membership } from './membership.js';
import type { MembershipView } from './membership-view.js';

export const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const DELAY_MS = { min: 300, max: 1_500 };

export interface EpochUpkeepParts {
  readonly account: Account;
  readonly view: MembershipView;
  readonly changes: Membership;
  readonly now: () => number;
  /** Whether this device may act now (loaded, in the current epoch, not ended). */
  readonly active: () => boolean;
  /** What the user last decided about blocking someone; absent outside a 1:1. */
  readonly blockDecision?: (identity: IdentityId) => BlockDecision | null;
  readonly logger: Logger;
}

export type UpkeepTask =
  | { readonly kind: 'remove'; readonly identity: IdentityId }
  | { readonly kind: 'rotate'; readonly reason: 'member-without-share' | 'weekly' }
  /**
   * The blocks the unblock answers, as `due()` found them: finding them reads the user's
   * block decision (every version of a contact record), so running the task reads it no
   * second time.
   */
  | { readonly kind: 'rotate'; readonly reason: 'unblocked'; readonly answers: readonly Block[] };

export class EpochUpkeep {
  private scheduled = false;
  /**
   * Blocks this device already wrote an unblock on top of: one that sealed nobody (their
   * devices all revoked since) lifts nothing, and the block must not be answered again.
   */
  private readonly answered = new Set<string>();
  private readonly disposables = new Disposables();

  constructor(private readonly parts: EpochUpkeepParts) {}

  /** What needs doing now, if anything (one task at a time). */
  due(): UpkeepTask | null {
    const { view, account, now } = this.parts;
    const state = view.state;
    const current = state.current;
    if (!current || !state.members.has(account.identity.sign)) return null;
    // Before the next check: an unblock written while the other person blocks this user
    // counts once they unblock too, and is written once (the block then has an unblock).
    const owed = this.owedUnblocks();
    if (owed.length > 0) return { kind: 'rotate', reason: 'unblocked', answers: owed };
    // Blocked by the other person of a 1:1: whatever this device wrote would be ignored (§4.4).
    if (state.blocked.has(account.identity.sign)) return null;
    const leavers = view.stateAt(state.heads.map((h) => h.id)).left;
    for (const identity of leavers) if (identity !== account.identity.sign && state.members.has(identity)) return { kind: 'remove', identity };
    const record = current.record;
    if (record) {
      const holders = new Set(Object.values(record.owners));
      // A 1:1 moved on without the person blocked: they hold no share, as meant, until the
      // blocker unblocks them (the fold's open blocks, §4.4).
      for (const identity of state.members.keys()) {
        if (!holders.has(identity) && !state.blocked.has(identity) && this.hasKnownDevice(identity)) return { kind: 'rotate', reason: 'member-without-share' };
      }
      if (now() - record.at > WEEK_MS) return { kind: 'rotate', reason: 'weekly' };
    }
    return null;
  }

  /** Looks again after a random wait (someone else may do it first). */
  schedule(): void {
    if (this.scheduled || !this.due()) return;
    this.scheduled = true;
    const delay = DELAY_MS.min + Math.random() * (DELAY_MS.max - DELAY_MS.min);
    this.disposables.timeout(() => {
      this.scheduled = false;
      void this.runNow().catch((error: unknown) => this.parts.logger.warn('membership upkeep failed', { error: errorField(error) }));
    }, delay);
  }

  /** Does what is due now (tests call it directly with a moved clock). */
  async runNow(): Promise<UpkeepTask | null> {
    if (!this.parts.active()) return null;
    const task = this.due();
    if (!task) return null;
    if (task.kind === 'remove') {
      await this.parts.changes.remove(task.identity);
      return task;
    }
    const answering = task.reason === 'unblocked' ? task.answers.map((b) => b.epoch) : [];
    for (const id of answering) this.answered.add(id);
    try {
      await this.parts.changes.rotate(task.reason);
    } catch (error) {
      for (const id of answering) this.answered.delete(id);
      throw error;
    }
    return task;
  }

  destroy(): void {
    this.disposables.dispose();
  }

  /** Lifted blocks of this user's (1:1 only) this device should write an unblock on top of. */
  private owedUnblocks(): Block[] {
    const decision = this.parts.blockDecision;
    if (!decision) return [];
    const lifted = liftedBlocks(this.parts.view.state.unlifted, this.parts.account.identity.sign, decision);
    return lifted.filter((b) => !this.answered.has(b.epoch) && this.hasKnownDevice(b.withheld));
  }

  /** A device of this identity has a key someone could seal to. */
  private hasKnownDevice(identity: IdentityId): boolean {
    return this.parts.changes.targets().some((t) => t.identity === identity);
  }
}
