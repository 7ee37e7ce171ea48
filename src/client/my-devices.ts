/**
 * This user's devices, as the self doc they all share lists them: showing them, linking a
 * new one and removing one. Removal revokes the device's certificate in the self doc and in
 * every conversation, so peers stop accepting it.
 */
import type { DeviceId } from '../core/ids.js';
import type { DocDirectory } from '../core/authorship/directory.js';
import type { IdentityId } from '../core/identity/keys.js';
import { whenThere, type MeshHandle } from './network-handles.js';
import type { Signaling } from '../net/signaling-port.js';
import type { Account } from '../store/types.js';
import { rotatable } from './conversation-registry.js';
import type { ConversationSession } from './conversation-session.js';
import type { DeviceLinkOffer } from './device-link.js';
import { ClientError } from './errors.js';
import type { SelfSession } from './self-session.js';

/** How long a removed device stays connected to learn that it was removed. */
const DISCONNECT_AFTER_MS = 2_000;

export interface DeviceInfo {
  readonly id: DeviceId;
  readonly label: string;
  /** This very device. */
  readonly current: boolean;
  readonly revoked: boolean;
  /** Certified since, ms since epoch. */
  readonly since: number;
}

export interface MyDevicesParts {
  readonly account: () => Account | null;
  readonly self: () => SelfSession | null;
  readonly sessions: () => Iterable<ConversationSession>;
  readonly mesh: MeshHandle;
  readonly signaling: Signaling;
  readonly appUrl: string;
  readonly now: () => number;
}

export class MyDevices {
  constructor(private readonly parts: MyDevicesParts) {}

  /** This user's devices, oldest first. */
  list(): DeviceInfo[] {
    const self = this.parts.self();
    const account = this.parts.account();
    if (!self || !account) return [];
    const { directory } = self.synced;
    const out: DeviceInfo[] = [];
    for (const [id, member] of directory.members()) {
      if (member.cert.identity.sign !== account.identity.sign) continue;
      const label = self.deviceName(id) ?? member.label ?? 'Device';
      out.push({ id, label, current: id === account.device.id, revoked: directory.revocation(id) !== null, since: member.cert.created });
    }
    return out.sort((a, b) => a.since - b.since);
  }

  /** Whether another device of this user removed this one. */
  get thisDeviceRemoved(): boolean {
    const account = this.parts.account();
    return account !== null && (this.parts.self()?.synced.directory.revocation(account.device.id) ?? null) !== null;
  }

  /** Names a device of this user (shown on all of their devices, never to others). */
  async rename(device: DeviceId, name: string): Promise<void> {
    const clean = name.trim();
    if (clean.length === 0) throw new ClientError('name-empty');
    if (clean.length > 80) throw new ClientError('name-too-long', { detail: { max: 80 } });
    await this.parts.self()?.setDeviceName(device, clean);
  }

  /** Shows a one-time link another device can open to join this account. */
  offerLink(): Promise<DeviceLinkOffer> {
    const account = this.parts.account();
    if (!account) throw new ClientError('not-registered');
    // Linking runs rarely: its code loads then, not with the app (docs/architecture.md §11).
    return import('./device-link.js').then(({ DeviceLinkOffer }) => DeviceLinkOffer.open(account, this.parts.signaling, this.parts.appUrl, this.parts.now));
  }

  /**
   * Removes a device: its certificate is revoked in the self doc and every conversation.
   * Only the device holding the identity keys can do this.
   */
  async revoke(device: DeviceId): Promise<void> {
    const account = this.parts.account();
    if (!account) throw new ClientError('not-registered');
    if (!account.identityKeys) throw new ClientError('needs-first-device', { detail: { action: 'remove-device' } });
    if (device === account.device.id) throw new ClientError('cannot-remove-self');
    const key = account.identityKeys.signPrivate;
    await this.parts.self()?.synced.revoke(device, key);
    const sessions = [...this.parts.sessions()];
    await Promise.all(sessions.map((s) => s.synced.revoke(device, key)));
    // The revocations reach the removed device first, so it can say "This device was removed".
    setTimeout(() => void whenThere(this.parts.mesh, (mesh) => mesh.disconnectDevice(device)), DISCONNECT_AFTER_MS);
    // A new epoch everywhere it was, sealed to every device but it: it reads nothing new.
    // Only on epochs this device holds: one it sits behind is a 1:1 whose other person
    // blocked this user (the new epoch would seal this user back in, its shares going to
    // every member), or one it has not caught up with; there the revoked device's share
    // makes the current epoch unusable to everyone, so a member who holds it moves on
    // (docs/architecture.md §4.3, §4.4).
    const held = rotatable(sessions).filter((s) => s.epochSecret(s.membership.state.current!.id) !== null);
    await Promise.all(held.map((s) => s.changes.rotate('device-revoked')));
  }

  /** Whether any document this device holds says `device` was revoked (by its own identity). */
  isRevoked(device: DeviceId, identity: IdentityId): boolean {
    // Only the device's own identity can revoke it: a revocation of a device this document has
    // not seen yet is checked against the identity the device presents.
    const by = (directory: DocDirectory): boolean => directory.revocation(device, identity)?.identity === identity;
    if (this.parts.self() && by(this.parts.self()!.synced.directory)) return true;
    for (const s of this.parts.sessions()) if (by(s.synced.directory)) return true;
    return false;
  }

  /**
   * The device holding the identity keys carries this user's revocations into every
   * conversation, including ones joined after the revocation.
   */
  async carryRevocations(session: ConversationSession): Promise<void> {
    const account = this.parts.account();
    const self = this.parts.self();
    if (!account?.identityKeys || !self) return;
    for (const [device] of self.synced.directory.members()) {
      if (self.synced.directory.revocation(device) && !session.synced.directory.revocation(device)) {
        await session.synced.revoke(device, account.identityKeys.signPrivate);
      }
    }
  }
}
