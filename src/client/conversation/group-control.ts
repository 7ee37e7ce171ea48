/**
 * What the Members screen shows and does for one group (docs/architecture.md §4): every
 * member with their devices, role and verified state; removing, promoting, leaving;
 * renaming and the group's settings; invites; join requests waiting for approval. The
 * rules are enforced by every peer (core/membership/rules.ts); this refuses early with a
 * clear error what those rules would ignore.
 */
import { fromBase64Url } from '../../core/bytes.js';
import type { DeviceId } from '../../core/ids.js';
import type { Account } from '../../core/identity/account.js';
import type { IdentityId } from '../../core/identity/keys.js';
import { inviteUrl } from '../../core/invite.js';
import type { HistoryVisibility, Role } from '../../core/membership/records.js';
import type { SyncedDoc } from '../../core/synced-doc.js';
import { ClientError } from '../errors.js';
import type { Membership } from './membership.js';
import type { GroupSettings, InviteInfo, MembershipView, RequestInfo } from './membership-view.js';
import type { MemberView } from './member-view.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface MemberDevice {
  readonly id: DeviceId;
  readonly label: string;
  readonly current: boolean;
}

export interface MemberInfo {
  readonly identity: IdentityId;
  readonly name: string;
  readonly role: Role;
  /** This user. */
  readonly me: boolean;
  /** A contact whose safety number this user verified. */
  readonly verified: boolean;
  readonly devices: readonly MemberDevice[];
}

export interface InviteLinkInfo extends InviteInfo {
  /** The link, for invites this user made (others' links are not shown). */
  readonly link: string | null;
  readonly mine: boolean;
}

export interface GroupControlParts {
  readonly account: Account;
  readonly synced: SyncedDoc;
  readonly view: MembershipView;
  readonly changes: Membership;
  readonly names: MemberView;
  readonly appUrl: string;
  readonly now: () => number;
  /** Whether this user verified an identity's safety number. */
  readonly isVerified: (identity: IdentityId) => boolean;
  /** This user left: stop syncing, keep the history. */
  readonly left: () => Promise<void>;
}

export class GroupControl {
  constructor(private readonly parts: GroupControlParts) {}

  private get me(): IdentityId {
    return this.parts.account.identity.sign;
  }

  /** Every member, admins first, then by name; with their devices. */
  members(): MemberInfo[] {
    const { synced, view, names } = this.parts;
    const devices = new Map<IdentityId, MemberDevice[]>();
    for (const [device, record] of synced.directory.members()) {
      const identity = record.cert.identity.sign;
      if (synced.directory.revocation(device)) continue;
      const list = devices.get(identity) ?? [];
      list.push({ id: device, label: record.label ?? 'Device', current: device === this.parts.account.device.id });
      devices.set(identity, list);
    }
    const out: MemberInfo[] = [];
    for (const [identity, role] of view.state.members) {
      const own = devices.get(identity) ?? [];
      out.push({
        identity,
        name: own[0] ? names.nameOf(own[0].id) : 'Someone',
        role,
        me: identity === this.me,
        verified: this.parts.isVerified(identity),
        devices: own,
      });
    }
    return out.sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'admin' ? -1 : 1));
  }

  get isAdmin(): boolean {
    return this.parts.view.isAdmin(this.me);
  }

  settings(): GroupSettings {
    return this.parts.view.settings();
  }

  async rename(name: string): Promise<void> {
    const clean = name.trim();
    if (clean.length === 0) throw new ClientError('name-empty');
    if (clean.length > 64) throw new ClientError('name-too-long', { detail: { max: 64 } });
    this.requireAdmin();
    await this.parts.changes.setGroup('name', clean);
  }

  async setApproval(on: boolean): Promise<void> {
    this.requireAdmin();
    await this.parts.changes.setGroup('approval', on);
  }

  async setHistory(visibility: HistoryVisibility): Promise<void> {
    this.requireAdmin();
    await this.parts.changes.setGroup('history', visibility);
  }

  /** Removes someone: a new epoch without them (admins). */
  async remove(identity: IdentityId): Promise<void> {
    this.requireAdmin();
    await this.parts.changes.remove(identity);
  }

  async setRole(identity: IdentityId, role: Role): Promise<void> {
    this.requireAdmin();
    await this.parts.changes.setRole(identity, role);
  }

  /** Leaves: a signed note (any member then removes this user), then syncing stops. */
  async leave(): Promise<void> {
    await this.parts.changes.leave();
    await this.parts.left();
  }

  invites(): InviteLinkInfo[] {
    return this.parts.view
      .invites()
      .map((i) => ({
        ...i,
        mine: i.by === this.me,
        link: i.by === this.me && i.secret ? inviteUrl(this.parts.appUrl, { secret: fromBase64Url(i.secret)!, expires: i.expires }) : null,
      }))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The newest invite link this user made that still works, or '' when there is none. */
  currentInviteLink(): string {
    const now = this.parts.now();
    return this.invites().find((i) => i.mine && !i.revoked && i.expires > now && i.link)?.link ?? '';
  }

  /** A new invite link that expires after `days` days. */
  async createInvite(days: number): Promise<string> {
    if (!Number.isFinite(days) || days <= 0 || days > 365) throw new ClientError('invite-expired');
    const expires = this.parts.now() + Math.round(days * DAY_MS);
    const { secret } = await this.parts.changes.createInvite(expires);
    return inviteUrl(this.parts.appUrl, { secret, expires });
  }

  /** Revokes an invite and rotates, so nobody who used it can read what comes next. */
  async revokeInvite(id: string): Promise<void> {
    await this.parts.changes.revokeInvite(id);
    await this.parts.changes.rotate('invite-revoked');
  }

  requests(): RequestInfo[] {
    return this.parts.view.pendingRequests();
  }

  /** Lets a waiting person in (admins, when "approve new members" is on). */
  async approve(device: DeviceId): Promise<void> {
    this.requireAdmin();
    const request = this.requests().find((r) => r.device === device);
    if (!request) return;
    await this.parts.changes.add([{ device, identity: request.identity, dh: request.dh }]);
  }

  async decline(device: DeviceId): Promise<void> {
    this.requireAdmin();
    const request = this.requests().find((r) => r.device === device);
    if (request) await this.parts.changes.decline(request.record, device);
  }

  private requireAdmin(): void {
    if (!this.isAdmin) throw new ClientError('not-admin');
  }
}
