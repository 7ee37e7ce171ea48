/**
 * The membership of one conversation as its document says it (docs/architecture.md §4):
 * the fold of its epoch records, group settings, invites and join requests, recomputed
 * when any of them changes. Read-only; `membership.ts` writes.
 */
import type * as Y from 'yjs';
import type { ConversationEvent } from '../../core/events.js';
import type { DeviceId, Topic } from '../../core/ids.js';
import type { IdentityId } from '../../core/identity/keys.js';
import { Disposables } from '../../core/lifecycle.js';
import { newestItems, versionsFrom, type MapVersion } from '../../core/map-versions.js';
import { conversationIdOf } from '../../core/membership/conversation-id.js';
import { blockWithholds } from '../../core/membership/blocks.js';
import { MembershipFold, type MembershipState, type StateAt } from '../../core/membership/fold.js';
import type { PolicyRecord } from '../../core/policy/conversation-policy.js';
import {
  isEpochRecord,
  isGroupRecord,
  isInviteRecord,
  isLeaveRecord,
  isRequestRecord,
  type EpochRecord,
  type GroupRecord,
  type HistoryVisibility,
  type InviteRecord,
  type LeaveRecord,
  type RequestRecord,
  type Role,
} from '../../core/membership/records.js';
import { isAdmin } from '../../core/membership/rules.js';
import type { SignedRecord } from '../../core/identity/signed.js';
import type { SyncedDoc } from '../../core/synced-doc.js';
import type { DocDirectory } from '../../core/authorship/directory.js';
import type { ConversationRecord } from '../../store/types.js';

/** Maps whose records decide membership. */
export const MEMBERSHIP_MAPS = ['epochs', 'leaves', 'group', 'invites', 'requests', 'members', 'revoked'] as const;

export interface GroupSettings {
  /** Empty until an admin names the group. */
  readonly name: string;
  /** "Approve new members": joiners wait for an admin. */
  readonly approval: boolean;
  readonly history: HistoryVisibility;
  /** Who set `history` and in which epoch; absent while nobody did (the default). */
  readonly historySetBy?: { readonly device: DeviceId; readonly epoch: string };
}

export interface InviteInfo {
  readonly id: string;
  readonly secret: string | null;
  readonly by: IdentityId;
  readonly createdAt: number;
  readonly expires: number;
  readonly revoked: boolean;
}

export interface RequestInfo {
  readonly device: DeviceId;
  readonly identity: IdentityId;
  readonly name: string;
  readonly dh: string;
  readonly invite: string;
  readonly at: number;
  readonly record: RequestRecord;
}

export interface MembershipViewParts {
  readonly conversation: Topic;
  readonly synced: SyncedDoc;
  /** Admins of an implicit genesis (1:1 chats, groups from before epochs), or null. */
  readonly implicit: () => readonly IdentityId[] | null;
  /** The conversation's kind: a block withholds only in a direct chat (`blockWithholds`, §4.4). */
  readonly kind: PolicyRecord['kind'];
  /**
   * Whether the user blocked someone (their self doc): in a 1:1, lists for the user leave out
   * what a blocked person made or asked for even before the block record has arrived here.
   */
  readonly isBlocked: (identity: IdentityId) => boolean;
}

export class MembershipView {
  private cached: MembershipState | null = null;
  /** The group settings folded from `group` records, until a membership map changes. */
  private cachedSettings: GroupSettings | null = null;
  private fold: MembershipFold | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly disposables = new Disposables();

  constructor(private readonly parts: MembershipViewParts) {
    const doc = parts.synced.doc;
    const maps = new Set<unknown>(MEMBERSHIP_MAPS.map((name) => doc.getMap(name)));
    // After the transaction, not from map observers: the directory (who a device is) updates
    // in its own afterTransaction handler, registered earlier, and the fold needs it.
    const onTransaction = (tr: Y.Transaction): void => {
      for (const type of tr.changed.keys()) {
        if (maps.has(type)) return this.invalidate();
      }
    };
    doc.on('afterTransaction', onTransaction);
    this.disposables.add(() => doc.off('afterTransaction', onTransaction));
  }

  /** Called after any change that may change the membership. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get state(): MembershipState {
    if (!this.cached) {
      this.fold = new MembershipFold(this.foldInput());
      this.cached = this.fold.run();
    }
    return this.cached;
  }

  /** Membership at a set of epochs (for rules checked against a record's parents). */
  stateAt(ids: readonly string[]): StateAt {
    void this.state;
    return this.fold!.stateAt(ids);
  }

  isMember(identity: IdentityId): boolean {
    return this.state.members.has(identity);
  }

  roleOf(identity: IdentityId): Role | null {
    return this.state.members.get(identity) ?? null;
  }

  isAdmin(identity: IdentityId): boolean {
    return isAdmin(this.state, identity);
  }

  /** Changes whenever someone's events start or stop being shown (members and removals). */
  whoIsShown(): string {
    const state = this.state;
    return `${[...state.members.keys()].sort().join(',')}|${[...state.removed.keys()].sort().join(',')}`;
  }

  /**
   * When `identity` was first added by a signed record, by its writer's clock; null for the
   * creator and for anyone never added (history visibility, docs/architecture.md §4.6).
   */
  joinedAt(identity: IdentityId): number | null {
    let at: number | null = null;
    for (const epoch of this.state.epochs.values()) {
      if (!epoch.record || !epoch.ops.some((op) => op.op === 'add' && op.identity === identity)) continue;
      if (at === null || epoch.record.at < at) at = epoch.record.at;
    }
    return at;
  }

  /** Removed, and not added again. */
  wasRemoved(identity: IdentityId): boolean {
    return this.state.removed.has(identity);
  }

  /**
   * Whether an event is shown: events of a removed person past the cutoff their removal
   * recorded, and events of someone never added (explicit groups), are not — in any
   * arrival order, since the timeline refolds when membership changes.
   */
  shows(event: Pick<ConversationEvent, 'author' | 'c' | 'k'>): boolean {
    const identity = this.parts.synced.directory.identityOf(event.author);
    if (identity === null) return true;
    const state = this.state;
    if (state.members.has(identity)) return true;
    const cutoffs = state.removed.get(identity);
    if (!cutoffs) return state.epochs.size === 0;
    return event.k < (cutoffs[String(event.c)] ?? 0);
  }

  settings(): GroupSettings {
    // Read for every batch of arriving events (history visibility): fold them once per change.
    this.cachedSettings ??= this.foldSettings();
    return this.cachedSettings;
  }

  private foldSettings(): GroupSettings {
    const state = this.state;
    const best = new Map<string, GroupRecord>();
    for (const [, value] of this.records('group', isGroupRecord)) {
      if (!state.epochs.has(value.epoch)) continue;
      const writer = this.parts.synced.directory.identityOf(value.by);
      if (!writer || !isAdmin(this.stateAt([value.epoch]), writer)) continue;
      const known = best.get(value.field);
      if (!known || value.at > known.at || (value.at === known.at && value.by > known.by)) best.set(value.field, value);
    }
    const history = best.get('history');
    return {
      name: (best.get('name')?.value as string | undefined) ?? '',
      approval: (best.get('approval')?.value as boolean | undefined) ?? false,
      history: (history?.value as HistoryVisibility | undefined) ?? 'full',
      ...(history ? { historySetBy: { device: history.by, epoch: history.epoch } } : {}),
    };
  }

  /** Invites made by members, with their revocations applied. */
  invites(): InviteInfo[] {
    const made = new Map<string, { record: InviteRecord; by: IdentityId }>();
    const revokedBy = new Map<string, IdentityId[]>();
    const directory = this.parts.synced.directory;
    for (const [, value] of this.records('invites', isInviteRecord)) {
      const by = directory.identityOf(value.by);
      if (!by || !this.state.epochs.has(value.epoch)) continue;
      // Someone a 1:1's block withholds makes no invite the blocker's devices answer: whoever
      // joined by it would be sealed the blocker's epoch, a way back in by proxy (§4.4).
      if (this.withheld(by)) continue;
      if (value.revoked) {
        const list = revokedBy.get(value.invite) ?? [];
        list.push(by);
        revokedBy.set(value.invite, list);
      }
      // A revocation by the device that made the invite replaces its record and carries the secret.
      const prior = made.get(value.invite);
      if (value.secret && this.stateAt([value.epoch]).members.has(by) && (!prior || (prior.record.revoked && !value.revoked))) {
        made.set(value.invite, { record: value, by });
      }
    }
    return [...made.values()].map(({ record, by }) => ({
      id: record.invite,
      secret: record.secret ?? null,
      by,
      createdAt: record.at,
      expires: record.expires,
      // The creator or any current admin may revoke.
      revoked: (revokedBy.get(record.invite) ?? []).some((who) => who === by || this.isAdmin(who)),
    }));
  }

  /** Join requests waiting for an admin: not yet members, not turned down. */
  pendingRequests(): RequestInfo[] {
    const { pending } = this.requests();
    return [...pending.values()].sort((a, b) => a.at - b.at);
  }

  /** Whether an admin turned down this device's request to join. */
  isDeclined(device: DeviceId): boolean {
    return this.requests().declined.has(device);
  }

  private requests(): { pending: Map<DeviceId, RequestInfo>; declined: Set<DeviceId> } {
    const out = new Map<DeviceId, RequestInfo>();
    const declined = new Set<DeviceId>();
    for (const [key, value] of this.records('requests', isRequestRecord)) {
      const device = key.split(':')[1] as DeviceId;
      const identity = value.cert.identity.sign;
      const writer = this.parts.synced.directory.identityOf(value.by);
      if (value.declined) {
        if (writer && this.isAdmin(writer)) declined.add(device);
        continue;
      }
      if (this.isMember(identity)) continue;
      // As for invites: a request someone a 1:1's block withholds recorded (for a second
      // identity of theirs), or one for them, never reaches the blocker's approval list;
      // approving it would seal the blocker's epoch to them by proxy (§4.4).
      if ((writer && this.withheld(writer)) || this.withheld(identity)) continue;
      out.set(device, { device, identity, name: value.name, dh: value.dh, invite: value.invite, at: value.at, record: value });
    }
    for (const d of declined) out.delete(d);
    return { pending: out, declined };
  }

  /**
   * Whether lists for the user leave out what `who` made or asked for (§4.4): someone a 1:1's
   * block withholds, or whom the user's self doc says they blocked where a block would
   * withhold them — the other member of a 1:1 (`blockWithholds`, as the fold and the writer
   * of epochs decide it) — before this document holds the block record. In a group, even one
   * of two, blocking only hides and no block rotation is written, so nothing of theirs is
   * left out there: their invites still get answered and revoked.
   */
  private withheld(who: IdentityId): boolean {
    const { blocked, members } = this.state;
    return blocked.has(who) || (blockWithholds(this.parts) && members.has(who) && this.parts.isBlocked(who));
  }

  /** The leave notes of members, for the rule that lets anyone remove someone who left. */
  leaves(): LeaveRecord[] {
    const out: LeaveRecord[] = [];
    for (const [, value] of this.records('leaves', isLeaveRecord)) {
      if (this.parts.synced.directory.identityOf(value.by) === value.identity) out.push(value);
    }
    return out;
  }

  destroy(): void {
    this.disposables.dispose();
    this.listeners.clear();
  }

  private invalidate(): void {
    if (this.cached === null && this.cachedSettings === null && this.listeners.size === 0) return;
    this.cached = null;
    this.cachedSettings = null;
    this.fold = null;
    for (const l of this.listeners) l();
  }

  /**
   * Per key of a membership map, the newest version `accept` takes — or for `first`, the
   * first ever written. Any member device may write any key of these maps (the rules decide
   * here), so another device's write under a key must not erase what the key's own writer
   * put there: the guards tie each key to its writer's device (`group`, `invites`,
   * `requests`, `leaves`), and an epoch's record is written once (docs/architecture.md
   * §4.4): Bob replacing Alice's `blocked` record, or anyone's removal, under its id. The
   * document keeps what was replaced (`gc: false`, §3.1), and every peer orders the
   * versions of one key alike.
   */
  private *records<T extends SignedRecord>(map: string, accept: (value: SignedRecord, key: string) => value is T, which: 'newest' | 'first' = 'newest'): IterableIterator<[string, T, MapVersion]> {
    for (const [key, newest] of newestItems(this.parts.synced.doc.getMap(map))) {
      // A key deleted outright (the authorizer refuses that from peers) is gone, as in Y.Map.
      if (newest.deleted) continue;
      for (const version of versionsFrom(newest, which)) {
        const value = version.value;
        if (typeof value === 'object' && value !== null && accept(value as SignedRecord, key)) {
          yield [key, value as T, version];
          break;
        }
      }
    }
  }

  /** The epoch record written first under each id, with where it sits (see `records`). */
  private firstEpochRecords(): Map<EpochRecord, MapVersion> {
    const out = new Map<EpochRecord, MapVersion>();
    for (const [, record, version] of this.records('epochs', isEpochRecord, 'first')) out.set(record, version);
    return out;
  }

  private foldInput() {
    const { synced, conversation } = this.parts;
    const placed = this.firstEpochRecords();
    const records = [...placed.keys()];
    return {
      conversation,
      records,
      implicit: this.parts.implicit(),
      kind: this.parts.kind,
      identityOf: (device: DeviceId) => synced.directory.identityOf(device),
      revoked: (device: DeviceId, identity: IdentityId) => synced.directory.revocation(device, identity)?.identity === identity,
      writtenAfterRevocation: (record: EpochRecord, writer: IdentityId) => {
        const revocation = synced.directory.revocation(record.by as DeviceId, writer);
        if (revocation?.identity !== writer) return false;
        // The revocation names, per Yjs client id, how far its identity had seen that client
        // (the same cutoff the timeline applies, docs/architecture.md §4.4).
        const version = placed.get(record);
        const cutoff = version ? revocation.clients[String(version.client)] : undefined;
        return cutoff === undefined || version!.clock >= cutoff;
      },
      leaves: this.leaves(),
      isGenesisOf: (identity: IdentityId, nonce: string) => conversationIdOf(identity, nonce) === conversation,
    };
  }
}

/** Admins of an implicit genesis: both people of a 1:1, everyone in a group from before epochs. */
export function implicitAdmins(record: ConversationRecord, directory: DocDirectory, me: IdentityId): IdentityId[] | null {
  if (record.genesis === 'explicit') return null;
  if (record.kind === 'direct' && record.peer) return [me, record.peer as IdentityId];
  const out = new Set<IdentityId>();
  for (const [, member] of directory.members()) out.add(member.cert.identity.sign);
  return [...out];
}
