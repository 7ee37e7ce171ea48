/**
 * The membership fold (docs/architecture.md §4.2, §4.3): from the epoch records of a
 * conversation, which are valid, who is a member with which role, and which epoch is
 * current. A pure function of a grow-only set of records, so every device holding the same
 * records reaches the same answer, whatever order they arrived in.
 *
 * - Membership is an operation-based CRDT over the record DAG: among an identity's add and
 *   remove operations in the ancestors, the causally latest decide; a removal wins over a
 *   concurrent add, an add after a removal re-admits. Roles likewise, a demotion winning.
 * - A record is valid when its parents are, its writer is a member of the state at its
 *   parents (with a device that is not revoked) and every operation is allowed (rules.ts).
 * - The current epoch is the usable head with the highest number, then the lowest id. A
 *   head is usable when it gave no share to a removed identity or revoked device, and no
 *   member was added on a branch it does not include. With no usable head, a merge record
 *   must be written (needsMerge).
 * - A record that seals a share to someone a 1:1's `blocked` record withheld, or that they
 *   wrote, is ignored unless it follows the blocker's unblock (blocks.ts), with everything
 *   built on it.
 */
import type { DeviceId } from '../ids.js';
import type { IdentityId } from '../identity/keys.js';
import { IMPLICIT_GENESIS, type Cutoffs, type EpochRecord, type LeaveRecord, type MembershipOp, type Role } from './records.js';
import { opAllowed } from './rules.js';
import { BlockRule, blockWithholds, type Block, type BlockContext } from './blocks.js';
import type { PolicyRecord } from '../policy/conversation-policy.js';

export interface FoldInput {
  /** The conversation id (genesis records must commit to it). */
  readonly conversation: string;
  /** Epoch records of the right shape (records.ts); validity is decided here. */
  readonly records: readonly EpochRecord[];
  /**
   * Admins of an implicit genesis (1:1 chats, groups from before epochs), or null when
   * the conversation has an explicit genesis record.
   */
  readonly implicit: readonly IdentityId[] | null;
  /**
   * The conversation's kind: only in a direct chat does a `blocked` record withhold
   * (`blockWithholds`). Required: a fold that left it out would quietly hold no block.
   */
  readonly kind: PolicyRecord['kind'];
  /** The identity a member device belongs to (from its certified member record). */
  readonly identityOf: (device: DeviceId) => IdentityId | null;
  /** Whether `identity` revoked `device` (only a device's own identity can revoke it). */
  readonly revoked: (device: DeviceId, identity: IdentityId) => boolean;
  /**
   * Whether a record's device wrote it after its identity revoked the device (the record's
   * place in the document is past the revocation's cutoff): such a record is ignored. Without
   * it, every record of a revoked device is.
   */
  readonly writtenAfterRevocation?: (record: EpochRecord, writer: IdentityId) => boolean;
  /** Leave notes whose writer device belongs to the leaving identity. */
  readonly leaves: readonly LeaveRecord[];
  /** Whether `nonce` by `identity` makes this conversation's id (genesis check). */
  readonly isGenesisOf: (identity: IdentityId, nonce: string) => boolean;
}

/** A valid epoch record, or the implicit genesis (no writer, no shares). */
export interface Epoch {
  readonly id: string;
  readonly n: number;
  readonly parents: readonly string[];
  readonly ops: readonly MembershipOp[];
  readonly writer: IdentityId | null;
  readonly record: EpochRecord | null;
}

export interface MembershipState {
  /** Valid epochs by id (none an open block shuts out). */
  readonly epochs: ReadonlyMap<string, Epoch>;
  /** Valid epochs no valid epoch names as a parent. */
  readonly heads: readonly Epoch[];
  /** Members of the merged state of all heads, with their roles. */
  readonly members: ReadonlyMap<IdentityId, Role>;
  /** Identities removed (and not re-added), with the lowest cutoff per client id. */
  readonly removed: ReadonlyMap<IdentityId, Cutoffs>;
  /**
   * Members a block withholds (blocks.ts) that no head follows an unblock of, with who
   * blocked them: a record written now that seals them a share, or that they write, is ignored.
   */
  readonly blocked: ReadonlyMap<IdentityId, ReadonlySet<IdentityId>>;
  /**
   * Blocks among the epochs kept that no valid record unblocks: one its writer's user has
   * since lifted is owed an unblock on top (blocks.ts `liftedBlocks`).
   */
  readonly unlifted: readonly Block[];
  /** The epoch everyone converges on, or null while a fork needs a merge. */
  readonly current: Epoch | null;
  /** The heads anyone may move to (rule 3, none a block holds), best first: `current` leads. */
  readonly usable: readonly Epoch[];
  readonly needsMerge: boolean;
}

/** Membership of one set of heads: the merged result of every operation in their ancestry. */
export interface StateAt {
  readonly members: ReadonlyMap<IdentityId, Role>;
  /** Identities that left (signed note) after their latest add, within this ancestry. */
  readonly left: ReadonlySet<IdentityId>;
}

export class MembershipFold {
  private readonly valid = new Map<string, Epoch>();
  private readonly ancestry = new Map<string, ReadonlySet<string>>();

  constructor(private readonly input: FoldInput) {}

  run(): MembershipState {
    const { input } = this;
    if (input.implicit) {
      this.accept({ id: IMPLICIT_GENESIS, n: 0, parents: [], ops: input.implicit.map((identity) => ({ op: 'add', identity, role: 'admin' })), writer: null, record: null });
    }
    // Parents always have lower numbers, so numeric order is a topological order.
    const pending = [...input.records].sort((a, b) => a.seq - b.seq || compareIds(a.id, b.id));
    for (const record of pending) {
      const epoch = this.check(record);
      if (epoch) this.accept(epoch);
    }
    // Blocks (blocks.ts): records that seal a blocked person back in, or that they wrote, are
    // ignored until the blocker unblocks them, and so is everything built on them.
    const blocks = new BlockRule(this.blockContext());
    const alive = new Map<string, Epoch>();
    for (const e of this.valid.values()) {
      if (e.parents.every((p) => alive.has(p)) && !blocks.shutsOut(e)) alive.set(e.id, e);
    }
    const named = new Set<string>();
    for (const e of alive.values()) for (const p of e.parents) named.add(p);
    const heads = [...alive.values()].filter((e) => !named.has(e.id));
    const merged = this.stateAt(heads.map((h) => h.id));
    const removed = this.removedIdentities(heads.map((h) => h.id), merged.members);
    const usable = heads.filter((h) => this.usable(h, merged.members, heads) && !blocks.holds(h));
    usable.sort((a, b) => b.n - a.n || compareIds(a.id, b.id));
    const current = usable[0] ?? null;
    const unlifted = blocks.unlifted().filter((b) => alive.has(b.epoch));
    return { epochs: alive, heads, members: merged.members, removed, blocked: blocks.blockedAt(heads), unlifted, current, usable, needsMerge: current === null && heads.length > 0 };
  }

  /** The membership at a set of epochs (their ancestry, inclusive). */
  stateAt(ids: readonly string[]): StateAt {
    const scope = new Set<string>();
    for (const id of ids) for (const a of this.ancestorsOf(id)) scope.add(a);
    const byIdentity = new Map<IdentityId, Array<{ epoch: string; op: MembershipOp }>>();
    for (const id of scope) {
      for (const op of this.valid.get(id)!.ops) {
        let list = byIdentity.get(op.identity);
        if (!list) byIdentity.set(op.identity, (list = []));
        list.push({ epoch: id, op });
      }
    }
    const members = new Map<IdentityId, Role>();
    const left = new Set<IdentityId>();
    for (const [identity, ops] of byIdentity) {
      const membership = this.latest(ops.filter((o) => o.op.op !== 'role'));
      if (membership.length === 0 || membership.some((o) => o.op.op === 'remove')) continue;
      const roles = this.latest(ops.filter((o) => o.op.op !== 'remove'));
      members.set(identity, roles.some((o) => 'role' in o.op && o.op.role === 'member') ? 'member' : 'admin');
      const adds = ops.filter((o) => o.op.op === 'add').map((o) => o.epoch);
      if (this.input.leaves.some((l) => l.identity === identity && scope.has(l.epoch) && adds.every((a) => this.ancestorsOf(l.epoch).has(a)))) left.add(identity);
    }
    // A group whose admins all left or were removed would be stuck: every member is an admin.
    if (members.size > 0 && ![...members.values()].includes('admin')) for (const identity of members.keys()) members.set(identity, 'admin');
    return { members, left };
  }

  /** Whether `ancestor` is `epoch` or one of its ancestors. */
  isAncestor(ancestor: string, epoch: string): boolean {
    return this.ancestorsOf(epoch).has(ancestor);
  }

  private accept(epoch: Epoch): void {
    const set = new Set<string>([epoch.id]);
    for (const p of epoch.parents) for (const a of this.ancestry.get(p) ?? []) set.add(a);
    this.ancestry.set(epoch.id, set);
    this.valid.set(epoch.id, epoch);
  }

  private ancestorsOf(id: string): ReadonlySet<string> {
    return this.ancestry.get(id) ?? new Set();
  }

  /** The operations no other operation in the list causally follows. */
  private latest<T extends { epoch: string }>(ops: readonly T[]): T[] {
    return ops.filter((o) => !ops.some((other) => other.epoch !== o.epoch && this.ancestorsOf(other.epoch).has(o.epoch)));
  }

  private check(record: EpochRecord): Epoch | null {
    const { input } = this;
    const writer = input.identityOf(record.by as DeviceId);
    if (!writer) return null;
    // A record its device wrote before being revoked stands (whoever it added stays added).
    if (input.writtenAfterRevocation ? input.writtenAfterRevocation(record, writer) : input.revoked(record.by as DeviceId, writer)) return null;
    if (record.parents.length === 0) {
      // The one genesis: the creator's, committed to by the conversation id.
      if (input.implicit || this.valid.size > 0 || !record.nonce || !input.isGenesisOf(writer, record.nonce)) return null;
      if (!record.ops.some((o) => o.op === 'add' && o.identity === writer && o.role === 'admin')) return null;
      if (!record.ops.every((o) => o.op === 'add')) return null;
      return { id: record.id, n: 0, parents: [], ops: record.ops, writer, record };
    }
    const parents = record.parents.map((p) => this.valid.get(p));
    if (parents.some((p) => !p)) return null;
    if (record.seq !== Math.max(...parents.map((p) => p!.n)) + 1) return null;
    const state = this.stateAt(record.parents);
    if (!state.members.has(writer)) return null;
    const touched = new Set<IdentityId>();
    for (const op of record.ops) {
      if (touched.has(op.identity)) return null;
      touched.add(op.identity);
      if (!opAllowed(op, writer, state)) return null;
    }
    return { id: record.id, n: record.seq, parents: record.parents, ops: record.ops, writer, record };
  }

  private blockContext(): BlockContext {
    return {
      withholds: blockWithholds(this.input),
      epochs: this.valid,
      membersAt: (epoch) => new Set(this.stateAt([epoch]).members.keys()),
      isAncestor: (ancestor, epoch) => this.isAncestor(ancestor, epoch),
      identityOf: this.input.identityOf,
    };
  }

  private usable(head: Epoch, members: ReadonlyMap<IdentityId, Role>, heads: readonly Epoch[]): boolean {
    const record = head.record;
    if (record) {
      for (const [device, owner] of Object.entries(record.owners)) {
        if (!members.has(owner) || this.input.revoked(device as DeviceId, owner)) return false;
        const known = this.input.identityOf(device as DeviceId);
        if (known !== null && known !== owner) return false;
      }
    } else if (heads.length > 1) {
      // The implicit genesis has no shares: once anything forks from it, only records do.
      return false;
    }
    // Someone added on a branch this head does not include has no share in it.
    const mine = this.ancestorsOf(head.id);
    for (const other of heads) {
      if (other === head) continue;
      for (const id of this.ancestorsOf(other.id)) {
        if (mine.has(id)) continue;
        if (this.valid.get(id)!.ops.some((o) => o.op === 'add' && members.has(o.identity))) return false;
      }
    }
    return true;
  }

  private removedIdentities(heads: readonly string[], members: ReadonlyMap<IdentityId, Role>): Map<IdentityId, Cutoffs> {
    const out = new Map<IdentityId, Record<string, number>>();
    const scope = new Set<string>();
    for (const id of heads) for (const a of this.ancestorsOf(id)) scope.add(a);
    for (const id of scope) {
      for (const op of this.valid.get(id)!.ops) {
        if (op.op !== 'remove' || members.has(op.identity)) continue;
        let cut = out.get(op.identity);
        if (!cut) {
          out.set(op.identity, { ...op.cutoffs });
          continue;
        }
        // Several removals: the earliest cutoff per client wins; a client one of them did
        // not know is cut at 0.
        const merged: Record<string, number> = {};
        for (const client of new Set([...Object.keys(cut), ...Object.keys(op.cutoffs)])) merged[client] = Math.min(cut[client] ?? 0, op.cutoffs[client] ?? 0);
        cut = merged;
        out.set(op.identity, cut);
      }
    }
    return out;
  }
}

/** Runs the fold once. */
export function foldMembership(input: FoldInput): MembershipState {
  return new MembershipFold(input).run();
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
