/**
 * This user's devices, as the self doc they all share lists them: showing them, linking a
 * new one and removing one. Removal revokes the device's certificate in the self doc and in
 * every conversation, so peers stop accepting it.
 */
import type { DeviceId } from '../core/ids.js';
import type { Mesh } from '../net/mesh.js';
import type { SignalingClient } from '../net/signaling-client.js';
import type { Account } from '../store/types.js';
import type { ConversationSession } from './conversation-session.js';
import { DeviceLinkOffer } from './device-link.js';
import { ClientError } from './errors.js';
import type { SelfSession } from './self-session.js';

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
  readonly mesh: Mesh;
  readonly signaling: SignalingClient;
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
      out.push({ id, label: member.label ?? 'Device', current: id === account.device.id, revoked: directory.revocation(id) !== null, since: member.cert.created });
    }
    return out.sort((a, b) => a.since - b.since);
  }

  /** Shows a one-time link another device can open to join this account. */
  offerLink(): Promise<DeviceLinkOffer> {
    const account = this.parts.account();
    if (!account) throw new ClientError('not-registered');
    return DeviceLinkOffer.open(account, this.parts.signaling, this.parts.appUrl, this.parts.now);
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
    await Promise.all([...this.parts.sessions()].map((s) => s.synced.revoke(device, key)));
    this.parts.mesh.disconnectDevice(device);
  }
}
