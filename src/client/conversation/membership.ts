/**
 * Membership changes this device makes in one conversation (docs/architecture.md §4.2):
 * epoch records (genesis, add, remove, promote, rotate, merge), leave notes, group
 * settings, invites and join requests. Each epoch record carries a fresh secret sealed to
 * every device of the resulting members; moving onto it is `EpochSwitch`'s job, which
 * follows the fold whoever wrote the record.
 */
import * as Y from 'yjs';
import { randomBytes, toBase64Url, toHex } from '../../core/bytes.js';
import type { DeviceId, Topic } from '../../core/ids.js';
import type { IdentityId } from '../../core/identity/keys.js';
import type { Account } from '../../core/identity/account.js';
import { LOCAL_ORIGIN, type SyncedDoc } from '../../core/synced-doc.js';
import { SECRET_BYTES } from '../../core/keys.js';
import { sealShare } from '../../core/membership/seal.js';
import { MAX_PARENTS, type EpochRecord, type GroupField, type MembershipOp, type RequestRecord, type Role } from '../../core/membership/records.js';
import type { MembershipView } from './membership-view.js';
import { ClientError } from '../errors.js';

/** A device that should receive the new secret, and the key to seal it to. */
export interface ShareTarget {
  readonly device: DeviceId;
  readonly identity: IdentityId;
  readonly dh: string;
}

export interface MembershipParts {
  readonly conversation: Topic;
  readonly synced: SyncedDoc;
  readonly view: MembershipView;
  readonly account: Account;
  readonly now: () => number;
  /**
   * Members who get no share of new epochs while this holds: the other person of a 1:1 the
   * user blocked (docs/architecture.md §4.4). They stay members, so nothing tells them.
   */
  readonly withheld?: (identity: IdentityId) => boolean;
}

type EpochBody = Omit<EpochRecord, 'c' | 'k' | 'n' | 'sig'>;

export class Membership {
  constructor(private readonly parts: MembershipParts) {}

  private get me(): IdentityId {
    return this.parts.account.identity.sign;
  }

  /** The creator's first record: the conversation id commits to `nonce`. */
  async genesis(nonce: string, secret: Uint8Array, id: string, others: readonly ShareTarget[] = []): Promise<EpochRecord> {
    const ops: MembershipOp[] = [{ op: 'add', identity: this.me, role: 'admin' }];
    for (const identity of new Set(others.map((o) => o.identity))) if (identity !== this.me) ops.push({ op: 'add', identity, role: 'member' });
    const targets = [...this.ownTargets(), ...others];
    return this.write({ id, seq: 0, parents: [], ops, nonce, reason: 'create' }, secret, targets);
  }

  /** Adds people (joiners: their devices are not members yet, so their keys come along). */
  add(joiners: readonly ShareTarget[], role: Role = 'member'): Promise<EpochRecord> {
    const identities = [...new Set(joiners.map((j) => j.identity))];
    return this.change(
      identities.map((identity) => ({ op: 'add', identity, role })),
      'add',
      joiners,
    );
  }

  /** Removes someone: nothing new reaches them, and their later writes are not shown. */
  remove(identity: IdentityId): Promise<EpochRecord> {
    if (identity === this.me) throw new ClientError('cannot-remove-self');
    return this.change([{ op: 'remove', identity, cutoffs: this.cutoffsOf(identity) }], 'remove');
  }

  setRole(identity: IdentityId, role: Role): Promise<EpochRecord> {
    return this.change([{ op: 'role', identity, role }], role === 'admin' ? 'promote' : 'demote');
  }

  /**
   * A fresh secret for the same members (weekly, a revoked invite or device, a fork);
   * `extra`: devices of members that get a share although not yet in the document.
   */
  rotate(reason: string, extra: readonly ShareTarget[] = []): Promise<EpochRecord> {
    return this.change([], reason, extra);
  }

  /** Records a join request for the admins to approve ("approve new members" is on). */
  async recordRequest(invite: string, request: { cert: RequestRecord['cert']; dh: string; name: string }, joiner: DeviceId): Promise<void> {
    const device = this.parts.account.device.id;
    await this.parts.synced.writer.setRecord(
      'requests',
      `${invite}:${joiner}:${device}`,
      { type: 'request', by: device, at: this.parts.now(), invite, cert: request.cert, dh: request.dh, name: request.name },
      LOCAL_ORIGIN,
    );
  }

  /** An admin turns a join request down. */
  async decline(request: RequestRecord, joiner: DeviceId): Promise<void> {
    if (!this.parts.view.isAdmin(this.me)) throw new ClientError('not-admin');
    const device = this.parts.account.device.id;
    const { type: _t, by: _b, at: _a, c: _c, k: _k, sig: _s, declined: _d, ...fields } = request;
    await this.parts.synced.writer.setRecord(
      'requests',
      `${request.invite}:${joiner}:${device}`,
      { type: 'request', by: device, at: this.parts.now(), ...fields, declined: true },
      LOCAL_ORIGIN,
    );
  }

  /** This user's signed note that they left; any member may then remove them. */
  async leave(): Promise<void> {
    const epoch = this.parts.view.state.current?.id;
    if (!epoch) return;
    const device = this.parts.account.device.id;
    await this.parts.synced.writer.setRecord('leaves', device, { type: 'leave', by: device, at: this.parts.now(), identity: this.me, epoch }, LOCAL_ORIGIN);
  }

  /** Sets a group setting (admins; the newest valid one wins). */
  async setGroup(field: GroupField, value: string | boolean): Promise<void> {
    const epoch = this.parts.view.state.current?.id;
    if (!epoch || !this.parts.view.isAdmin(this.me)) throw new ClientError('not-admin');
    const device = this.parts.account.device.id;
    await this.parts.synced.writer.setRecord('group', `${field}:${device}`, { type: 'group', by: device, at: this.parts.now(), field, value, epoch }, LOCAL_ORIGIN);
  }

  /** Makes an invite; returns its id and secret (the link carries the secret). */
  async createInvite(expires: number): Promise<{ id: string; secret: Uint8Array }> {
    const epoch = this.parts.view.state.current?.id;
    if (!epoch || !this.parts.view.isMember(this.me)) throw new ClientError('not-member');
    const secret = randomBytes(SECRET_BYTES);
    const id = await inviteIdOf(secret);
    const device = this.parts.account.device.id;
    await this.parts.synced.writer.setRecord(
      'invites',
      `${id}:${device}`,
      { type: 'invite', by: device, at: this.parts.now(), invite: id, secret: toBase64Url(secret), expires, epoch },
      LOCAL_ORIGIN,
    );
    return { id, secret };
  }

  async revokeInvite(id: string): Promise<void> {
    const invite = this.parts.view.invites().find((i) => i.id === id);
    if (!invite) return;
    if (invite.by !== this.me && !this.parts.view.isAdmin(this.me)) throw new ClientError('not-admin');
    const epoch = this.parts.view.state.current!.id;
    const device = this.parts.account.device.id;
    const madeHere = this.parts.synced.doc.getMap('invites').has(`${id}:${device}`);
    await this.parts.synced.writer.setRecord(
      'invites',
      `${id}:${device}`,
      // The key is the invite's and the writer's: when the device that made the invite revokes
      // it, this record replaces the one that made it, so it keeps the secret (members go on
      // refusing on the invite's channel, with a reason).
      { type: 'invite', by: device, at: this.parts.now(), invite: id, expires: invite.expires, revoked: true, epoch, ...(madeHere && invite.secret ? { secret: invite.secret } : {}) },
      LOCAL_ORIGIN,
    );
  }

  /** Writes a merge when a fork left no usable epoch (fold rule 5). */
  merge(): Promise<EpochRecord> {
    return this.change([], 'merge');
  }

  /**
   * Every member device with a known key — from its member record, or from the newest epoch
   * record that sealed to it (a joiner whose member record has not arrived) — plus `extra`;
   * none of a withheld member's.
   */
  targets(extra: readonly ShareTarget[] = [], of: ReadonlySet<IdentityId> = new Set(this.parts.view.state.members.keys())): ShareTarget[] {
    const { directory } = this.parts.synced;
    const withheld = this.parts.withheld ?? ((): boolean => false);
    const members = new Set([...of].filter((identity) => !withheld(identity)));
    const out = new Map<DeviceId, ShareTarget>();
    const epochs = [...this.parts.view.state.epochs.values()].sort((a, b) => a.n - b.n);
    for (const epoch of epochs) {
      const record = epoch.record;
      if (!record) continue;
      for (const [device, identity] of Object.entries(record.owners)) {
        const dh = record.keys[device];
        if (dh && members.has(identity) && directory.revocation(device as DeviceId, identity)?.identity !== identity) out.set(device as DeviceId, { device: device as DeviceId, identity, dh });
      }
    }
    for (const [device, record] of directory.members()) {
      const identity = record.cert.identity.sign;
      if (!members.has(identity) || directory.revocation(device) || !record.dh) continue;
      out.set(device, { device, identity, dh: record.dh });
    }
    for (const t of extra) out.set(t.device, t);
    return [...out.values()];
  }

  private ownTargets(): ShareTarget[] {
    const a = this.parts.account;
    const dh = a.dh?.at(-1)?.public;
    if (!dh) throw new ClientError('no-device-key');
    return [{ device: a.device.id, identity: this.me, dh }];
  }

  private async change(ops: MembershipOp[], reason: string, joiners: readonly ShareTarget[] = []): Promise<EpochRecord> {
    const { view } = this.parts;
    const state = view.state;
    if (state.heads.length === 0) throw new ClientError('not-member');
    // Building on every head also merges any fork this device sees.
    const heads = [...state.heads].sort((a, b) => b.n - a.n).slice(0, MAX_PARENTS);
    const n = Math.max(...heads.map((h) => h.n)) + 1;
    const members = new Set(view.stateAt(heads.map((h) => h.id)).members.keys());
    for (const op of ops) {
      if (op.op === 'add') members.add(op.identity);
      if (op.op === 'remove') members.delete(op.identity);
    }
    // Someone an open block withholds gets no share (the record would be ignored, §4.4):
    // this device may not know of the block yet (its self doc behind). Only the blocker's
    // unblock seals them back in.
    for (const [identity, by] of state.blocked) {
      if (identity !== this.me && !(reason === 'unblocked' && by.size === 1 && by.has(this.me))) members.delete(identity);
    }
    const targets = this.targets(joiners, members).filter((t) => members.has(t.identity));
    if (!targets.some((t) => t.device === this.parts.account.device.id)) targets.push(...this.ownTargets());
    return this.write({ id: epochId(n), seq: n, parents: heads.map((h) => h.id), ops, reason }, randomBytes(SECRET_BYTES), targets);
  }

  private async write(fields: Pick<EpochBody, 'id' | 'seq' | 'parents' | 'ops' | 'nonce' | 'reason'>, secret: Uint8Array, targets: readonly ShareTarget[]): Promise<EpochRecord> {
    const shares: Record<string, string> = {};
    const owners: Record<string, IdentityId> = {};
    const keys: Record<string, string> = {};
    await Promise.all(
      targets.map(async (t) => {
        shares[t.device] = await sealShare(t.dh, secret, { conversation: this.parts.conversation, epoch: fields.id, device: t.device });
        owners[t.device] = t.identity;
        keys[t.device] = t.dh;
      }),
    );
    const device = this.parts.account.device.id;
    const body: EpochBody = {
      type: 'epoch',
      by: device,
      at: this.parts.now(),
      ...fields,
      ...(fields.nonce === undefined ? {} : { nonce: fields.nonce }),
      ...(fields.reason === undefined ? {} : { reason: fields.reason }),
      shares,
      owners,
      keys,
    };
    return this.parts.synced.writer.setRecord('epochs', fields.id, body, LOCAL_ORIGIN);
  }

  /** For each Yjs client of the identity's devices, the clock this device has seen. */
  private cutoffsOf(identity: IdentityId): Record<string, number> {
    const { doc, directory } = this.parts.synced;
    const out: Record<string, number> = {};
    doc.store.clients.forEach((_, client) => {
      const owner = directory.clientOwner(client);
      if (owner && directory.identityOf(owner) === identity) out[String(client)] = Y.getState(doc.store, client);
    });
    return out;
  }
}

const epochId = (n: number): string => `e${n}-${toBase64Url(randomBytes(9))}`;

/** An invite's public id: hex of the first 128 bits of SHA-256 over its secret. */
export async function inviteIdOf(secret: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', secret.slice()));
  return toHex(digest.slice(0, 16));
}
