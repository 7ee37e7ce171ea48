/**
 * Older epochs' file roots between one user's own devices (docs/architecture.md §14.1). A
 * device linked later holds the secret of the epoch it arrived in (by key handoff) and of
 * every later one it got a share of, but of no earlier epoch, so files sent before it was
 * linked would not open. Each of the user's other devices seals to it the file roots it holds
 * of epochs the new device has no share of, as far as the group lets this person read
 * (`readsFilesOf`: everything in a full-history group; in a from-join group the epochs this
 * person held a share of), in the self doc's `roots` map. Roots only: an old epoch secret
 * would open that epoch's mailbox and signaling, a root opens its files and nothing else.
 *
 * The receiving device checks the record's shape and size before anything opens it (the
 * self doc's schema), opens it with the code a joiner's grant uses, and keeps only roots of
 * epochs it holds nothing of.
 *
 * Once a device is revoked, the user's remaining devices clear every record to or from it
 * (`sweep`): roots sealed to it serve nobody else, and roots it gave are not taken any more.
 */
import type { Account } from '../core/identity/account.js';
import type { DeviceId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { IMPLICIT_GENESIS } from '../core/membership/records.js';
import { openFileRoots, readsFilesOf, sealFileRoots, type FileRootsRecord, type RootReader } from '../core/membership/file-roots-grant.js';
import { openWithDeviceKeys } from '../core/membership/seal.js';
import type { ConversationSession } from './conversation-session.js';
import type { SelfSession } from './self-session.js';

/** One of the user's other devices, unrevoked, with the X25519 key its member record names. */
export interface OwnDevice {
  readonly id: DeviceId;
  readonly dh: string;
}

export class FileRootsHandoff {
  /** Records already kept, by `<key>@<signature>` (each is opened once per run). */
  private readonly kept = new Set<string>();
  /**
   * What each (device, conversation) was last checked against: handing over runs on every
   * change of the self doc, and deriving up to 200 roots each time for nothing would not do.
   */
  private readonly checked = new Map<string, string>();

  constructor(
    private readonly account: Account,
    private readonly self: SelfSession,
    private readonly logger: Logger,
  ) {}

  /** Hands `device` the roots it lacks of `session`'s older epochs, unless it already was. */
  async give(session: ConversationSession, device: OwnDevice): Promise<void> {
    const view = session.membership;
    const { current, epochs } = view.state;
    if (!current) return;
    const reader = { identity: this.account.identity.sign, history: view.settings().history, joinedAt: view.joinedAt(this.account.identity.sign) };
    const given = this.self.fileRootsTo(device.id, session.id, this.account.device.id);
    const { record } = session;
    const inputs = [current.id, reader.history, reader.joinedAt, epochs.size, record.epochs?.length, Object.keys(record.fileRoots ?? {}).length, given?.sig].join('|');
    const slot = `${device.id}:${session.id}`;
    if (this.checked.get(slot) === inputs) return;
    await this.handOver(session, device, reader, given);
    this.checked.set(slot, inputs);
  }

  private async handOver(session: ConversationSession, device: OwnDevice, reader: RootReader, given: FileRootsRecord | null): Promise<void> {
    const { current, epochs } = session.membership.state;
    if (!current) return;
    const held = await session.fileRoots(current.id);
    // Epochs it has a share of it opens itself; the current one comes with the key handoff,
    // and the implicit genesis of a 1:1 or older group with the self doc's conversation list.
    const opensItself = (id: string): boolean => Boolean(epochs.get(id)?.record?.shares[device.id]) || (id === IMPLICIT_GENESIS && session.record.genesis !== 'explicit');
    const roots = Object.fromEntries(Object.entries(held).filter(([id]) => !opensItself(id) && readsFilesOf(epochs.get(id), reader)));
    const ids = Object.keys(roots);
    if (ids.length === 0) return;
    if (given && ids.every((id) => given.epochs.includes(id))) return;
    const files = await sealFileRoots(device.dh, roots, { conversation: session.id, epoch: current.id, device: device.id });
    await this.self.setFileRoots(device.id, { conversation: session.id, epoch: current.id, epochs: ids, files });
  }

  /**
   * Clears every record to or from a revoked device; resolves how many it cleared. Any of
   * the user's unrevoked devices may: the self doc is the user's own, and two devices
   * clearing one record at once leave one empty record either way. A record that a device
   * wrote before it learned of the revocation is cleared on the next sweep.
   */
  async sweep(): Promise<number> {
    const { directory } = this.self.synced;
    if (directory.revocation(this.account.device.id)) return 0;
    let cleared = 0;
    for (const { key, to, from, record } of this.self.fileRootsEntries()) {
      if (!directory.revocation(to) && !directory.revocation(from)) continue;
      await this.self.clearFileRoots(key, record);
      cleared++;
    }
    return cleared;
  }

  /**
   * Keeps the roots the user's other devices handed this one for `session`, from devices
   * still unrevoked. A record that does not open is left alone (it may be for a key this
   * device no longer holds); nothing stored changes.
   */
  async take(session: ConversationSession): Promise<number> {
    const me = this.account.device.id;
    let kept = 0;
    for (const record of this.self.fileRootsFor(me)) {
      const key = `${record.by}:${record.conversation}@${record.sig}`;
      if (record.conversation !== session.id || record.by === me || this.kept.has(key) || this.self.synced.directory.revocation(record.by)) continue;
      const roots = await this.open(record);
      this.kept.add(key);
      if (roots) kept += await session.keepFileRoots(roots);
    }
    return kept;
  }

  private async open(record: FileRootsRecord): Promise<Record<string, string> | null> {
    const context = { conversation: record.conversation, epoch: record.epoch, device: this.account.device.id };
    const roots = await openWithDeviceKeys(this.account.dh, (key) => openFileRoots(key, record.files, context));
    if (!roots) this.logger.warn('file roots from another device did not open', { from: record.by });
    return roots;
  }
}
