/**
 * Blocks in the membership fold (docs/architecture.md §4.4): a person blocked in a 1:1 stays
 * a member but holds no share of the blocker's epochs, and no record can seal them back in
 * before the blocker unblocks them. Pure: the fold hands in its valid epochs and ancestry.
 *
 * - A **block** is a valid epoch record written `blocked`, with no operations, in a
 *   conversation of exactly two members (its writer and the person withheld) at that record,
 *   that seals no share to the person withheld. In a larger group blocking only hides, so
 *   a record written `blocked` there is a plain rotation.
 * - It is **answered** by a valid record of the same writer, written `unblocked`, that
 *   descends from it and seals the person back in. Until then it is **open**.
 * - While a block is open, a record that is not one of its ancestors (those came before)
 *   is **shut out** when it seals a share to the person withheld or was written by them:
 *   a record's writer knows its secret whoever it is sealed to. Records shaped as blocks
 *   are exempt: they seal only their writer, whom nobody else follows onto them, so two
 *   people who block each other each keep their own epoch.
 */
import type { DeviceId } from '../ids.js';
import type { IdentityId } from '../identity/keys.js';
import type { Epoch } from './fold.js';

export interface Block {
  /** The `blocked` epoch record. */
  readonly epoch: string;
  /** Who blocked. */
  readonly by: IdentityId;
  /** Who was withheld. */
  readonly withheld: IdentityId;
}

export interface BlockContext {
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
  if (!record || !writer || record.reason !== 'blocked' || epoch.ops.length > 0) return null;
  const members = context.membersAt(epoch.id);
  if (members.size !== 2 || !members.has(writer)) return null;
  const withheld = [...members].find((m) => m !== writer)!;
  return sealsTo(epoch, withheld, context.identityOf) ? null : { epoch: epoch.id, by: writer, withheld };
}

/** Blocks among the valid epochs that no unblock answered yet. */
export function openBlocks(context: BlockContext): Block[] {
  const all = [...context.epochs.values()].flatMap((e) => blockOf(e, context) ?? []);
  const unblocks = [...context.epochs.values()].filter((e) => e.record?.reason === 'unblocked');
  return all.filter(
    (b) => !unblocks.some((u) => u.id !== b.epoch && u.writer === b.by && context.isAncestor(b.epoch, u.id) && sealsTo(u, b.withheld, context.identityOf)),
  );
}

/**
 * Whether an open block shuts `epoch` out: it is not one of the block's ancestors, not a
 * block itself, and it seals a share to the person withheld or was written by them.
 */
export function shutOut(epoch: Epoch, blocks: readonly Block[], context: BlockContext): boolean {
  if (blocks.length === 0 || blockOf(epoch, context)) return false;
  return blocks.some((b) => !context.isAncestor(epoch.id, b.epoch) && (epoch.writer === b.withheld || sealsTo(epoch, b.withheld, context.identityOf)));
}
