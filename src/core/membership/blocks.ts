/**
 * Blocks in the membership fold (docs/architecture.md §4.4): a person blocked in a 1:1 stays
 * a member but holds no share of the blocker's epochs, and no record can seal them back in
 * before the blocker unblocks them. Pure: the fold hands in its valid epochs and ancestry.
 *
 * - A **block** is a valid epoch record written `blocked`, with no operations, in a 1:1
 *   (`blockWithholds`) of exactly two members (its writer and the person withheld) at that
 *   record, that seals no share to the person withheld. In a group, even one of two,
 *   blocking only hides, so a record written `blocked` there is a plain rotation.
 * - An **unblock** of it is a valid record of the same writer, written `unblocked`, that
 *   descends from it and seals the person back in.
 * - A record that is not one of the block's ancestors (those came before) and does not
 *   descend from one of its unblocks is **shut out** when it seals a share to the person
 *   withheld or was written by them: a record's writer knows its secret whoever it is
 *   sealed to. So is everything built on it, and it stays shut out after an unblock. Records
 *   shaped as blocks are exempt: they seal only their writer, whom nobody else follows onto
 *   them, so two people who block each other each keep their own epoch; and once both
 *   unblocked, each one's unblock counts.
 * - A block the user has since **lifted** on a device that had not yet received it (its
 *   unblock does not descend from it, so lifts nothing) is owed an unblock on top of it by a
 *   device of the blocker (`liftedBlocks`).
 */
import type { DeviceId } from '../ids.js';
import type { IdentityId } from '../identity/keys.js';
import type { PolicyRecord } from '../policy/conversation-policy.js';
import type { Epoch } from './fold.js';
import type { EpochRecord } from './records.js';

/**
 * Whether blocking someone in this conversation withholds them (docs/architecture.md §4.4):
 * the one answer, for the fold, the lists the user sees and the writer of epochs, to "is
 * this a 1:1". Only a direct chat, whose document admits its two people and nobody else
 * (`admitsIdentity`). In a group, even one of exactly two, blocking only hides: withholding
 * there would be a removal in all but name, one any member could make of anyone (an admin
 * included), and it would go on holding them out once the group grows.
 */
export function blockWithholds(conversation: Pick<PolicyRecord, 'kind'>): boolean {
  return conversation.kind === 'direct';
}

export interface Block {
  /** The `blocked` epoch record. */
  readonly epoch: string;
  /** Who blocked. */
  readonly by: IdentityId;
  /** Who was withheld. */
  readonly withheld: IdentityId;
  /** The record itself: which device wrote it, and when by that device's clock. */
  readonly record: EpochRecord;
}

export interface BlockContext {
  /** A block withholds here (`blockWithholds`); otherwise nothing is a block. */
  readonly withholds: boolean;
  /** Valid epochs, parents before children. */
  readonly epochs: ReadonlyMap<string, Epoch>;
  /** Members at an epoch (its ancestry, inclusive). */
  readonly membersAt: (epoch: string) => ReadonlySet<IdentityId>;
  /** Whether `ancestor` is `epoch` or one of its ancestors. */
  readonly isAncestor: (ancestor: string, epoch: string) => boolean;
  readonly identityOf: (device: DeviceId) => IdentityId | null;
}

/**
 * Whether `identity` holds an epoch's secret: its record sealed a share to one of their
 * devices (as named, or as known here); the implicit genesis's is everyone's it made admin.
 */
export function sealsTo(epoch: Epoch, identity: IdentityId, identityOf: BlockContext['identityOf']): boolean {
  const owners = epoch.record?.owners;
  if (!owners) return epoch.ops.some((o) => o.op === 'add' && o.identity === identity);
  return Object.entries(owners).some(([device, owner]) => owner === identity || identityOf(device as DeviceId) === identity);
}

/** The block this epoch is, if it is one (see the file comment). */
export function blockOf(epoch: Epoch, context: BlockContext): Block | null {
  const { record, writer } = epoch;
  if (!context.withholds || !record || !writer || record.reason !== 'blocked' || epoch.ops.length > 0) return null;
  const members = context.membersAt(epoch.id);
  if (members.size !== 2 || !members.has(writer)) return null;
  const withheld = [...members].find((m) => m !== writer)!;
  return sealsTo(epoch, withheld, context.identityOf) ? null : { epoch: epoch.id, by: writer, withheld, record };
}

/**
 * The blocks among a fold's valid epochs and their unblocks, and what they shut out. Built
 * from the valid epochs alone (not from what it shuts out), so the fold stays a pure
 * function of the record set, whatever order the records arrived in.
 */
export class BlockRule {
  readonly blocks: readonly Block[];
  /** Unblocks of each block, by the block's epoch id. */
  private readonly unblocks = new Map<string, readonly Epoch[]>();

  constructor(private readonly context: BlockContext) {
    const epochs = [...context.epochs.values()];
    this.blocks = epochs.flatMap((e) => blockOf(e, context) ?? []);
    const candidates = epochs.filter((e) => e.record?.reason === 'unblocked');
    for (const b of this.blocks) {
      this.unblocks.set(
        b.epoch,
        candidates.filter((u) => u.id !== b.epoch && u.writer === b.by && context.isAncestor(b.epoch, u.id) && sealsTo(u, b.withheld, context.identityOf)),
      );
    }
  }

  /** Blocks no valid record unblocks (one shut out by the other person's own block still counts here). */
  unlifted(): Block[] {
    return this.blocks.filter((b) => this.unblocks.get(b.epoch)!.length === 0);
  }

  /**
   * Whether an epoch is ignored: some block it does not precede withholds someone the
   * epoch seals a share to or who wrote it, and it does not follow one of that block's
   * unblocks (a record shut out before the unblock stays so; the blocked person's own
   * records then start again from the unblock).
   */
  shutsOut(epoch: Epoch): boolean {
    return this.blocks.some((b) => !this.context.isAncestor(epoch.id, b.epoch) && this.keepsOut(epoch, b));
  }

  /**
   * Whether nobody may move onto a head: the person a block withholds holds it (an ancestor
   * of the block, left as a head when everything after it was shut out) or wrote it.
   */
  holds(head: Epoch): boolean {
    return this.blocks.some((b) => head.id !== b.epoch && this.keepsOut(head, b));
  }

  /**
   * Who a record written now on top of `heads` may not seal a share to, with who blocked
   * them: people withheld by a block none of the heads follows an unblock of.
   */
  blockedAt(heads: readonly Epoch[]): Map<IdentityId, Set<IdentityId>> {
    const out = new Map<IdentityId, Set<IdentityId>>();
    for (const b of this.blocks) {
      if (this.unblocks.get(b.epoch)!.some((u) => heads.some((h) => this.context.isAncestor(u.id, h.id)))) continue;
      out.set(b.withheld, (out.get(b.withheld) ?? new Set()).add(b.by));
    }
    return out;
  }

  private keepsOut(epoch: Epoch, b: Block): boolean {
    if (blockOf(epoch, this.context)) return false;
    if (epoch.writer !== b.withheld && !sealsTo(epoch, b.withheld, this.context.identityOf)) return false;
    const unblocks = this.unblocks.get(b.epoch)!;
    if (unblocks.some((u) => this.context.isAncestor(u.id, epoch.id))) return false;
    // Two people who blocked each other: each one's unblock counts once the other's exists.
    return !(unblocks.length > 0 && this.isUnblock(epoch));
  }

  private isUnblock(epoch: Epoch): boolean {
    return this.blocks.some((b) => this.unblocks.get(b.epoch)!.includes(epoch));
  }
}

/**
 * The user's latest say about blocking someone, as their own devices share it (the self
 * doc's contact record, docs/architecture.md §4.4).
 */
export interface BlockDecision {
  readonly blocked: boolean;
  /** When it was made, by the clock of the device that made it. */
  readonly at: number;
  /**
   * The `blocked` decisions it replaced, in the order the record's versions have: the device
   * that made each, when by its clock, and when the first decision after it that was not
   * `blocked` was made (by that decision's device's clock; null when none came after it).
   */
  readonly replaced: readonly BlockedVersion[];
}

export interface BlockedVersion {
  readonly by: DeviceId;
  readonly at: number;
  readonly liftedAt: number | null;
}

/**
 * Blocks of `me`'s, with no unblock, that the user has since lifted: an unblock made on a
 * device that had not yet received the `blocked` record does not descend from it, so it
 * lifts nothing, and a device of the blocker owes one on top. Lifted means the current
 * decision says "not blocked", and the decision that ended the block's own — the newest
 * `blocked` decision the block's device made no later than the block, by that device's
 * clock — was made after the block (the two devices' clocks, the only order the two have;
 * a clock far behind leaves the block in place, as before). A later decision does not
 * count: a device whose copy of the decisions lacks the one a newer block came from (its
 * self doc behind) would otherwise read any edit of the contact, made after an earlier
 * unblock, as lifting the newer block.
 */
export function liftedBlocks(unlifted: readonly Block[], me: IdentityId, decisionOf: (identity: IdentityId) => BlockDecision | null): Block[] {
  return unlifted.filter((b) => {
    if (b.by !== me) return false;
    const decision = decisionOf(b.withheld);
    if (!decision || decision.blocked) return false;
    let origin: BlockedVersion | null = null;
    for (const d of decision.replaced) if (d.by === b.record.by && d.at <= b.record.at && (!origin || d.at >= origin.at)) origin = d;
    return origin?.liftedAt != null && origin.liftedAt > b.record.at;
  });
}
