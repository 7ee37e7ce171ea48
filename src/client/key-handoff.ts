/**
 * Epoch secrets between one user's own devices (docs/architecture.md §4.2). A device
 * linked after an epoch began has no share in it; any other device of the same user that
 * holds the secret seals it to the new device's X25519 key in the private self doc. The
 * receiving device opens it with the same key it opens shares with, so deleting old device
 * keys makes old handoffs unreadable too. Older epochs' file roots go the same way
 * (file-roots-handoff.ts): only the current secret is ever handed over.
 */
import type { Topic } from '../core/ids.js';
import type { Account } from '../core/identity/account.js';
import { Disposables } from '../core/lifecycle.js';
import { errorField, type Logger } from '../core/logger.js';
import { openShare, openWithDeviceKeys, sealShare } from '../core/membership/seal.js';
import type { DeviceId } from '../core/ids.js';
import type { ConversationSession } from './conversation-session.js';
import { FileRootsHandoff, type OwnDevice } from './file-roots-handoff.js';
import type { SelfSession } from './self-session.js';

const DISTRIBUTE_DELAY_MS = 300;

export interface KeyHandoffParts {
  readonly account: () => Account | null;
  readonly self: () => SelfSession | null;
  readonly sessions: () => Iterable<ConversationSession>;
  readonly logger: Logger;
}

export class KeyHandoff {
  private pending = false;
  private running: Promise<void> = Promise.resolve();
  private readonly disposables = new Disposables();
  /** Older epochs' file roots, for the account and self doc it was made with. */
  private roots: { self: SelfSession; account: Account; handoff: FileRootsHandoff } | null = null;

  constructor(private readonly parts: KeyHandoffParts) {}

  /** Hands current secrets to own devices that lack them, soon (changes come in bursts). */
  refresh(): void {
    if (this.pending || this.disposables.isDisposed) return;
    this.pending = true;
    this.disposables.timeout(() => {
      this.pending = false;
      this.running = this.running.then(() => this.distribute()).catch((error: unknown) => this.parts.logger.warn('key handoff failed', { error: errorField(error) }));
    }, DISTRIBUTE_DELAY_MS);
  }

  /** The secret handed to this device for a conversation's epoch, if one was. */
  async received(conversation: Topic, epoch?: string): Promise<{ epoch: string; n: number; secret: Uint8Array } | null> {
    const account = this.parts.account();
    const record = this.parts.self()?.handoff(account?.device.id ?? '', conversation);
    if (!account || !record || (epoch !== undefined && record.epoch !== epoch)) return null;
    const context = { conversation, epoch: record.epoch, device: account.device.id };
    const secret = await openWithDeviceKeys(account.dh, (key) => openShare(key, record.share, context));
    return secret && { epoch: record.epoch, n: record.seq, secret };
  }

  destroy(): void {
    this.disposables.dispose();
  }

  private async distribute(): Promise<void> {
    const account = this.parts.account();
    const self = this.parts.self();
    if (!account || !self) return;
    const { directory } = self.synced;
    const devices: OwnDevice[] = [];
    for (const [id, member] of directory.members()) {
      if (id === account.device.id || member.cert.identity.sign !== account.identity.sign || directory.revocation(id) || !member.dh) continue;
      devices.push({ id: id as DeviceId, dh: member.dh });
    }
    if (this.roots?.self !== self || this.roots.account !== account) this.roots = { self, account, handoff: new FileRootsHandoff(account, self, this.parts.logger) };
    const roots = this.roots.handoff;
    await roots.sweep();
    for (const session of this.parts.sessions()) {
      if (!session.ready || session.ended) continue;
      await roots.take(session);
      const epoch = session.membership.state.current;
      const secret = epoch ? session.epochSecret(epoch.id) : null;
      if (!epoch || !secret) continue;
      for (const device of devices) {
        await roots.give(session, device);
        if (epoch.record?.shares[device.id]) continue;
        if (self.handoff(device.id, session.id)?.epoch === epoch.id) continue;
        const share = await sealShare(device.dh, secret, { conversation: session.id, epoch: epoch.id, device: device.id });
        await self.setHandoff(device.id, { conversation: session.id, epoch: epoch.id, seq: epoch.n, share });
      }
    }
  }
}
