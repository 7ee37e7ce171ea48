/**
 * Keeps one conversation on its current epoch (docs/architecture.md §4): the secrets this
 * device holds (EpochKeyring), following the fold onto new epochs (EpochSwitch), the
 * changes somebody must make (EpochUpkeep), and moving the room and mailbox when the epoch
 * changes. On open it reads the mailbox before joining any peer, so a change made while
 * this device was away is followed before it could talk to someone who was removed.
 */
import type { Account } from '../../core/identity/account.js';
import type { DeviceId, Topic } from '../../core/ids.js';
import type { Epoch } from '../../core/membership/fold.js';
import type { EpochRecord } from '../../core/membership/records.js';
import type { BlockDecision } from '../../core/membership/blocks.js';
import { readersStillTrusted } from '../../core/membership/mailbox-readers.js';
import type { IdentityId } from '../../core/identity/keys.js';
import { deriveConversationKeys, type ConversationKeys } from '../../core/keys.js';
import { Disposables } from '../../core/lifecycle.js';
import { errorField, type Logger } from '../../core/logger.js';
import type { SyncedDoc } from '../../core/synced-doc.js';
import type { ConversationRecord } from '../../store/types.js';
import { EpochKeyring } from './epoch-keys.js';
import { MailboxBinding } from './mailbox-binding.js';
import { EpochSwitch, type EndReason } from './epoch-switch.js';
import { EpochUpkeep, type UpkeepTask } from './epoch-upkeep.js';
import { HistoryRoots } from './history-roots.js';
import type { Membership } from './membership.js';
import type { MembershipView } from './membership-view.js';
import type { ConversationTransport, Departure } from './transport.js';

/** Reading the mailbox before joining peers waits at most this long (offline start). */
const FIRST_PULL_TIMEOUT_MS = 3_000;
/** Epochs followed in a row on open at most (each needs a mailbox read). */
const CATCH_UP_ROUNDS = 4;
/**
 * After a move, when this device reads the mailboxes of the neighbouring epochs (the one it
 * left, the current one's parents): a change made concurrently elsewhere was handed to one
 * of them by its writer, and it is how two sides of a fork find each other once each has
 * moved to its own topic (docs/architecture.md §4.3). Spread out, because the other side
 * may hand its record over only when its network comes back.
 */
const NEIGHBOUR_PULLS_MS = [1_500, 5_000, 15_000, 45_000, 120_000, 300_000];
/** How often an open conversation looks for retired keys past the mailbox TTL (§4.7). */
const EXPIRE_EVERY_MS = 60 * 60_000;

export interface EpochFollowerParts {
  readonly record: ConversationRecord;
  readonly keys: ConversationKeys;
  readonly account: Account;
  readonly synced: SyncedDoc;
  readonly view: MembershipView;
  readonly changes: Membership;
  readonly transport: ConversationTransport;
  readonly now: () => number;
  readonly logger: Logger;
  /** Stores changed record fields (epoch secrets). */
  readonly save: (fields: Partial<ConversationRecord>) => Promise<void>;
  readonly handedOver: (conversation: Topic, epoch: string) => Promise<Uint8Array | null>;
  readonly deviceRemoved: () => boolean;
  /** What the user last decided about blocking someone (a 1:1's upkeep, EpochUpkeep). */
  readonly blockDecision?: (identity: IdentityId) => BlockDecision | null;
  /** The session finished loading (no moves or upkeep before). */
  readonly loaded: () => boolean;
  readonly rekeyed: () => void;
  /** The neighbouring mailboxes changed (see `neighbourMailboxes`): the live watch follows. */
  readonly neighboursChanged?: () => void;
  readonly ended: (reason: EndReason) => void;
}

export class EpochFollower {
  private readonly keyring: EpochKeyring;
  private readonly switcher: EpochSwitch;
  private readonly upkeep: EpochUpkeep;
  /** Older file roots a switch to full history hands the members already in. */
  private readonly historyRoots: HistoryRoots;
  private current: ConversationKeys;
  private readonly timers = new Disposables();
  /** The epoch this device left last, and which move scheduled the pulls now pending. */
  private left: string | null = null;
  private moves = 0;
  /** Keys of the neighbouring epochs (see `pullNeighbours`), whose mailboxes are watched. */
  private neighbours: ConversationKeys[] = [];
  /** The epoch ids `findNeighbours` last looked at: a new one is read at once (`follow`). */
  private considered = new Set<string>();
  /** A pull of the neighbours under way, and whether another was asked for meanwhile. */
  private pulling: Promise<number> | null = null;
  private pullAgain = false;
  /** The move under way: what `leave` set off, for `move` to finish. */
  private departure: Departure | null = null;

  constructor(private readonly parts: EpochFollowerParts) {
    this.current = parts.keys;
    this.keyring = new EpochKeyring(parts.record);
    this.switcher = new EpochSwitch({
      conversation: parts.record.id,
      view: parts.view,
      keyring: this.keyring,
      synced: parts.synced,
      account: parts.account,
      now: parts.now,
      leaving: (from, to, wroteIt) => this.leave(from.id, to, wroteIt),
      move: (from, to, wroteIt) => this.move(from.id, to.id, wroteIt),
      persist: () => parts.save(this.keyring.recordFields()),
      merge: () => parts.changes.merge(),
      handedOver: async (epoch) => parts.handedOver(parts.record.id, epoch),
      ended: parts.ended,
      deviceRemoved: parts.deviceRemoved,
      logger: parts.logger,
    });
    this.upkeep = new EpochUpkeep({
      account: parts.account,
      view: parts.view,
      changes: parts.changes,
      now: parts.now,
      ...(parts.blockDecision ? { blockDecision: parts.blockDecision } : {}),
      active: () => parts.loaded() && this.ended === null && parts.view.state.current?.id === this.keyring.current.id,
      logger: parts.logger,
    });
    this.historyRoots = new HistoryRoots({
      conversation: parts.record.id,
      synced: parts.synced,
      view: parts.view,
      account: parts.account,
      now: parts.now,
      logger: parts.logger,
      secretOf: (id) => this.keyring.secretOf(id),
      fileRoots: (except) => this.keyring.fileRoots(except),
      keep: (roots) => this.keepFileRoots(roots),
    });
    const roots = parts.synced.doc.getMap('roots');
    const rootsChanged = (): void => {
      if (parts.loaded()) this.historyRoots.refresh();
    };
    roots.observe(rootsChanged);
    this.timers.add(() => roots.unobserve(rootsChanged));
  }

  /** Keys of the current epoch (topic, signaling, mailbox, proof, presence). */
  get keys(): ConversationKeys {
    return this.current;
  }

  /** The current epoch's record id. */
  get epoch(): string {
    return this.keyring.current.id;
  }

  get ended(): EndReason | null {
    return this.switcher.ended;
  }

  secretOf(id: string): Uint8Array | null {
    return this.keyring.secretOf(id);
  }

  /** An epoch's file root (docs/architecture.md §14.1), if this device can give it. */
  fileRootOf(id: string): Promise<string | null> {
    return this.keyring.fileRootOf(id);
  }

  /** The file roots a full-history group hands a joiner (all but `except`, newest first, capped). */
  fileRoots(except: string): Promise<Record<string, string>> {
    return this.keyring.fileRoots(except);
  }

  /**
   * Keeps file roots one of the user's other devices handed this one (docs/architecture.md
   * §14.1), storing them with the record; returns how many were new. Files that waited for
   * a key try again on `rekeyed`.
   */
  async keepFileRoots(roots: Readonly<Record<string, string>>): Promise<number> {
    const kept = this.keyring.keepRoots(roots);
    if (kept.length === 0) return 0;
    await this.parts.save(this.keyring.recordFields());
    this.parts.rekeyed();
    return kept.length;
  }

  /** Follows epochs this device missed: read the mailbox, move on, repeat (bounded). */
  async catchUp(): Promise<void> {
    // Not "from now": writes an earlier run of this device made but never delivered (a
    // process that exited right after joining) must still reach the mailbox, so a device
    // that never pushed to this mailbox starts with a snapshot, as before epochs.
    await this.parts.transport.bindMailbox(this.current);
    for (let round = 0; round < CATCH_UP_ROUNDS && !this.ended; round++) {
      const before = this.keyring.current.id;
      const mailbox = this.parts.transport.mailbox;
      if (mailbox) await Promise.race([mailbox.pull(), new Promise((r) => setTimeout(r, FIRST_PULL_TIMEOUT_MS))]);
      await this.switcher.settle();
      if (this.keyring.current.id === before) break;
    }
    await this.findNeighbours();
    this.historyRoots.refresh();
    // A tab left open for weeks deletes retired keys too, not only when reopened.
    this.timers.interval(() => {
      this.expireKeys().catch((error: unknown) => this.parts.logger.warn('epoch keys not expired', { error: errorField(error) }));
    }, EXPIRE_EVERY_MS);
  }

  /** Membership changed: follow it, then see whether something is due. */
  follow(): Promise<void> {
    if (!this.parts.loaded()) return Promise.resolve();
    return this.switcher.settle().then(() => {
      // After the move: the setting names the epoch it was made in, whose secret seals the roots.
      this.historyRoots.refresh();
      this.upkeep.schedule();
      // A head learned without moving (a sibling of this epoch) may hold in its mailbox the
      // record this device lacks; the pull schedule may be over, so read it now, once.
      if ([...this.neighbourIds()].some((id) => !this.considered.has(id))) {
        this.pullNeighbours().catch((error: unknown) => this.parts.logger.warn('neighbouring mailboxes not read', { error: errorField(error) }));
      }
    });
  }

  /** Something may be due soon (a week passed, someone left, a retired key outlived the TTL). */
  scheduleUpkeep(): void {
    this.upkeep.schedule();
    this.expireKeys().catch((error: unknown) => this.parts.logger.warn('epoch keys not expired', { error: errorField(error) }));
  }

  /** Does what is due now; returns what it did (tests move the clock and call this). */
  async upkeepNow(): Promise<UpkeepTask | null> {
    const task = await this.upkeep.runNow();
    await this.expireKeys();
    return task;
  }

  /** Reads the mailboxes of retired epochs, then deletes keys past the mailbox TTL. */
  async pullRetired(): Promise<void> {
    const retired = await Promise.all(this.keyring.retired.map((e) => this.keyring.keysOf(e.id)));
    await this.parts.transport.pullRetired(retired);
    await this.expireKeys();
  }

  /**
   * Deletes the secrets of epochs retired longer than the mailbox TTL ago, from memory and
   * from the stored record: no mailbox entry they could open still exists (§4.7).
   */
  async expireKeys(): Promise<readonly string[]> {
    const gone = await this.keyring.expire(this.parts.now());
    if (gone.length > 0) await this.parts.save(this.keyring.recordFields());
    return gone;
  }

  /**
   * Reads the mailboxes of the epochs next to the current one that this device can open:
   * the one it left, the current epoch's parents, and the other heads every reader of which
   * is still a member's (see `neighbourIds`). Returns how many.
   */
  pullNeighbours(): Promise<number> {
    if (this.pulling) {
      this.pullAgain = true;
      return this.pulling;
    }
    const run = (async () => {
      if (this.ended) return 0;
      const keys = await this.findNeighbours();
      if (keys.length > 0) await this.parts.transport.pullRetired(keys);
      return keys.length;
    })();
    this.pulling = run;
    const done = (): void => {
      this.pulling = null;
      if (!this.pullAgain) return;
      this.pullAgain = false;
      this.pullNeighbours().catch((error: unknown) => this.parts.logger.warn('neighbouring mailboxes not read', { error: errorField(error) }));
    };
    run.then(done, done);
    return run;
  }

  /**
   * Mailboxes of the neighbouring epochs, watched for live notices: the other side of a
   * fork hands its record to one of them whenever its network comes back, possibly long
   * after this device's pull schedule ended.
   */
  neighbourMailboxes(): Array<{ id: string; token: string }> {
    return this.neighbours.flatMap((k) => {
      const credential = MailboxBinding.credentialOf(k);
      return credential ? [credential] : [];
    });
  }

  /**
   * The epochs whose mailboxes are this device's neighbours (§4.3): the one it left and the
   * current epoch's parents — everyone who holds the current secret was a member of each,
   * so nothing read there is news to anyone it may later reach — and, while the fold picks
   * the epoch this device is in, the other usable heads, which only members' devices read.
   * Those are siblings (two merges, or two rotations, of the same parents): the record that
   * wins may have been handed only to a sibling's mailbox, by a writer that had moved there
   * before its own record landed, and a device on a third sibling reads nothing else the
   * winner reaches. A head someone removed can still read (one side of a concurrent
   * removal) is never read: what the other side wrote there after removing someone on this
   * side would go on, with this device's next append, to them.
   */
  private neighbourIds(): Set<string> {
    const state = this.parts.view.state;
    const here = this.keyring.current.id;
    const ids = new Set<string>();
    if (this.left) ids.add(this.left);
    for (const p of state.epochs.get(here)?.parents ?? []) ids.add(p);
    // Only while this epoch is usable: its own readers are members too, so whatever the
    // sibling's mailbox holds reaches no one else through this device's appends.
    if (state.current?.id === here) for (const h of state.usable) if (h.record && this.readersTrusted(h.record.owners)) ids.add(h.id);
    ids.delete(here);
    // Only epochs the fold keeps: one it ignores (an open block shuts it out, §4.4) may be
    // read by the person blocked, and what they write there is not for this device.
    for (const id of ids) if (!state.epochs.has(id)) ids.delete(id);
    return ids;
  }

  /** The keys of the neighbouring epochs (`neighbourIds`) that this device can open. */
  private async findNeighbours(): Promise<ConversationKeys[]> {
    const ids = this.neighbourIds();
    this.considered = ids;
    const keys: ConversationKeys[] = [];
    for (const id of ids) {
      const secret = await this.switcher.secretFor(id);
      if (secret) keys.push(await deriveConversationKeys(secret));
    }
    const before = new Set(this.neighbourMailboxes().map((m) => m.id));
    this.neighbours = keys;
    if (this.neighbourMailboxes().some((m) => !before.has(m.id))) this.parts.neighboursChanged?.();
    return keys;
  }

  /** The server is reachable again: hand over what waited, and look for a fork's other side. */
  reconnected(): void {
    this.parts.transport.retryHandovers();
    this.pullNeighbours().catch((error: unknown) => this.parts.logger.warn('neighbouring mailboxes not read', { error: errorField(error) }));
  }

  destroy(): void {
    this.timers.dispose();
    this.switcher.destroy();
    this.upkeep.destroy();
  }

  /**
   * Whether this device, leaving an epoch it wrote for a later one someone else wrote, hands
   * the news to the one it leaves: a joiner it granted that epoch may be alone there (the
   * others moved on before the joiner arrived) and reads only its mailbox. Only when nobody
   * who can read that mailbox was removed since: they may read all this device holds.
   */
  private keepsUp(left: string): boolean {
    const record = this.parts.view.state.epochs.get(left)?.record;
    return record?.by === this.parts.account.device.id && this.readersTrusted(record.owners);
  }

  /** Every device that can read the mailbox of an epoch with these owners is a member's and unrevoked. */
  private readersTrusted(owners: EpochRecord['owners']): boolean {
    const { members } = this.parts.view.state;
    const { directory } = this.parts.synced;
    return readersStillTrusted(owners, { isMember: (identity) => members.has(identity), isRevoked: (device, identity) => directory.revocation(device as DeviceId, identity) != null });
  }

  /**
   * Keys of the epochs whose mailboxes members sealed back into `toId` are reading: people
   * `fromId` left out though they were members (a 1:1 the user unblocked, §4.4) still sit on
   * the newest epoch they held a share of, and the record must reach them there. Only epochs
   * whose secret this device still holds, and only where every device that can read the
   * mailbox is still a member's and not revoked (`readersTrusted`, as for `keepsUp`): it
   * receives all this device holds.
   */
  private async returnedTo(fromId: string, toId: string): Promise<ConversationKeys[]> {
    const { epochs, removed } = this.parts.view.state;
    const { directory } = this.parts.synced;
    const from = epochs.get(fromId)?.record;
    const to = epochs.get(toId)?.record;
    if (!from || !to || to.reason !== 'unblocked') return [];
    // The implicit genesis of a 1:1 has no record: both people held its secret, and so did
    // every device either ever had, hence nobody removed and no device revoked.
    const implicitSafe = removed.size === 0 && [...directory.members()].every(([device]) => !directory.revocation(device));
    const held = (e: Epoch, identity: IdentityId): boolean => (e.record ? Object.values(e.record.owners).includes(identity) && this.readersTrusted(e.record.owners) : implicitSafe);
    const had = new Set(Object.values(from.owners));
    const added = new Set(to.ops.flatMap((o) => (o.op === 'add' ? [o.identity] : [])));
    const back = new Set(Object.values(to.owners).filter((identity) => !had.has(identity) && !added.has(identity)));
    const found = new Set<string>();
    for (const identity of back) {
      const last = [...epochs.values()]
        .filter((e) => e.id !== fromId && e.id !== toId && this.keyring.secretOf(e.id) && held(e, identity))
        .sort((a, b) => b.n - a.n)[0];
      if (last) found.add(last.id);
    }
    return Promise.all([...found].map((id) => this.keyring.keysOf(id)));
  }

  /**
   * Leaves the current epoch for `toId`, synchronously (EpochSwitch calls it as it enters
   * the new one): the old mailbox stops taking this device's writes and gets the record,
   * from a copy of the document as it is now (see `ConversationTransport.leave`).
   */
  private leave(fromId: string, toId: string, wroteIt: boolean): void {
    // Whoever wrote the record hands it to the old mailbox; joiners need a full snapshot.
    const current = this.parts.view.state.current;
    const added = current?.ops.some((o) => o.op === 'add') ?? false;
    const merge = wroteIt && current?.id === toId && current.parents.length > 1;
    this.departure = this.parts.transport.leave(this.current, merge ? 'snapshot' : wroteIt || this.keepsUp(fromId), wroteIt && added);
  }

  /** Moves the room and mailbox to another epoch's keys (EpochSwitch decided). */
  private async move(fromId: string, toId: string, wroteIt: boolean): Promise<void> {
    const departure = this.departure ?? this.parts.transport.leave(this.current, false, false);
    this.departure = null;
    const to = await this.keyring.keysOf(toId);
    this.current = to;
    await this.parts.transport.move(to, departure);
    if (wroteIt) for (const keys of await this.returnedTo(fromId, toId)) this.parts.transport.handOverTo(keys);
    this.parts.logger.info('moved to a new epoch', { from: fromId, to: toId });
    this.left = fromId;
    // Roots sealed under this epoch may have arrived before its secret did.
    this.historyRoots.refresh();
    // Before `rekeyed`: listeners re-read which mailboxes to watch.
    await this.findNeighbours().catch((error: unknown) => this.parts.logger.warn('neighbouring epochs not found', { error: errorField(error) }));
    this.parts.rekeyed();
    const move = ++this.moves;
    for (const delay of NEIGHBOUR_PULLS_MS) {
      this.timers.timeout(() => {
        if (move !== this.moves) return;
        this.pullNeighbours().catch((error: unknown) => this.parts.logger.warn('neighbouring mailboxes not read', { error: errorField(error) }));
      }, delay);
    }
  }
}
