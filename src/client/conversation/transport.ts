/**
 * How one conversation reaches others in its current epoch (docs/architecture.md §4.4):
 * the peer room and the blind mailbox, both keyed by the epoch. Moving to a new epoch
 * hands the record that starts it to the old mailbox first (a device that was offline
 * finds it there before it could talk to anyone on the old topic), then moves the room
 * and binds the new mailbox. Mailboxes of retired epochs are still read until their keys
 * are deleted: a member who had not heard of the change may have written there.
 */
import * as Y from 'yjs';
import type { ConversationKeys } from '../../core/keys.js';
import { errorField, type Logger } from '../../core/logger.js';
import type { SyncedDoc } from '../../core/synced-doc.js';
import type { DeviceId } from '../../core/ids.js';
import { MailboxCourier } from '../../net/mailbox-courier.js';
import type { ConnectionKind, HistoryProgress, RoomSync } from '../../net/room-sync.js';
import { Disposables } from '../../core/lifecycle.js';
import { MemoryMailboxStateStore } from '../../store/mailbox-state.js';
import type { MailboxSync } from '../mailbox-sync.js';
import type { RoomSyncHandle } from '../network-handles.js';
import { MailboxBinding, type MailboxParts } from './mailbox-binding.js';

/**
 * A record handed to an old mailbox while the server was unreachable is tried again after
 * these waits, then at the last one for as long as it takes (and whenever the socket
 * reconnects). Never given up: the other side of a fork finds this side's record only in
 * that mailbox, and a partition may outlast any schedule (docs/architecture.md §4.3).
 */
const HANDOVER_RETRY_MS: readonly number[] = [2_000, 5_000, 15_000, 45_000, 120_000, 300_000];

/** Where the client keeps a conversation's peer room (the mesh, under the stable id). */
export interface RoomHost {
  /** Moves the room to a new epoch's keys; the document and its history stay. */
  rekey(to: ConversationKeys): void;
  /** Stops syncing the room. */
  close(): void;
}

export interface TransportParts {
  readonly synced: SyncedDoc;
  readonly device: DeviceId;
  readonly now: () => number;
  readonly mailbox?: MailboxParts;
  readonly rooms?: RoomHost;
  /** Peers syncing now changed. */
  readonly peers: (count: number) => void;
  /** A peer or the mailbox holds this device's writes up to a state vector. */
  readonly delivered: (stateVector: Map<number, number>) => void;
  /** A peer device acknowledged a state vector over a live link (it holds what it covers). */
  readonly acked?: (device: string, stateVector: Map<number, number>) => void;
  /** History progress changed. */
  readonly progress: () => void;
  readonly failed: (error: Error) => void;
  readonly logger: Logger;
  /** The waits between hand-over tries (absent: `HANDOVER_RETRY_MS`); tests shorten them. */
  readonly handoverRetryMs?: readonly number[];
}

/** What leaving an epoch set off, for `ConversationTransport.move` to finish. */
export interface Departure {
  /** This device's own clock already carried (see `MailboxBinding.carriedOwn`); null: snapshot. */
  readonly carried: number | null;
  /** This device's own clock when it left: what the frozen hand-over holds of its writes. */
  readonly ownClock: number;
  /** The record's hand-over to the old mailbox, from the copy frozen when leaving; null: none. */
  readonly handOver: { readonly snapshot: boolean; readonly start: () => Promise<boolean> } | null;
}

export class ConversationTransport {
  private sync: RoomSync | null = null;
  /** The room was opened but its sync waits for the mesh to load (network-handles.ts). */
  private attaching = false;
  private binding: MailboxBinding | null = null;
  private peers = 0;
  private readonly listeners = new Disposables();
  /** Hand-overs to old mailboxes that failed, each retried until it succeeds. */
  private readonly handovers = new Set<() => Promise<boolean>>();
  /** Closed or destroyed: a mailbox bound late is let go at once. */
  private closed = false;

  constructor(private readonly parts: TransportParts) {}

  get peerCount(): number {
    return this.peers;
  }

  get room(): RoomSync | null {
    return this.sync;
  }

  get mailbox(): MailboxSync | null {
    return this.binding?.sync ?? null;
  }

  get credential(): { id: string; token: string } | null {
    return this.binding?.credential ?? null;
  }

  historyProgress(): HistoryProgress | null {
    return this.sync?.progress() ?? null;
  }

  /** A direct data channel, only the relay, or nothing. */
  connection(): ConnectionKind {
    return this.sync?.connection() ?? 'offline';
  }

  /**
   * Starts on a room the client opened under the current keys; on its promise, once the
   * mesh has loaded, unless the room was closed meanwhile.
   */
  attach(sync: RoomSyncHandle): void {
    if (sync instanceof Promise) {
      this.attaching = true;
      void sync.then((loaded) => {
        this.attaching = false;
        if (!this.closed) this.attach(loaded);
      });
      return;
    }
    this.sync = sync;
    const events = this.listeners.listenTo(sync);
    events.on('peers', (count) => {
      this.peers = count;
      this.parts.peers(count);
    });
    events.on('ack', (sv, device) => {
      if (device) this.binding?.acknowledged(device, sv);
      this.parts.delivered(sv);
      if (device) this.parts.acked?.(device, sv);
    });
    events.on('progress', () => this.parts.progress());
  }

  /**
   * Binds the mailbox of `keys`. A device that never appended to it starts with a full
   * snapshot, so writes an earlier run made but never delivered still get there.
   */
  bindMailbox(keys: ConversationKeys): Promise<void> {
    return this.bind(keys, null);
  }

  /**
   * Leaves the current epoch, synchronously at the instant this device enters the next one
   * (docs/architecture.md §7.2, "Moving to a new epoch's mailbox"). It notes how far this
   * device's own writes are carried, stops the old binding so nothing written from here
   * reaches the old mailbox through it, and freezes a copy of the document as it is now
   * for the hand-over of the record. `move` finishes the move.
   */
  leave(from: ConversationKeys, handOverRecord: boolean | 'snapshot', snapshot: boolean): Departure {
    const { doc } = this.parts.synced;
    const carried = snapshot ? null : (this.binding?.carriedOwn() ?? 0);
    this.binding?.destroy();
    this.binding = null;
    const ownClock = Y.getState(doc.store, doc.clientID);
    const snapshotHandOver = handOverRecord === 'snapshot';
    const start = handOverRecord ? this.handOver(from, snapshotHandOver) : null;
    return { carried, ownClock, handOver: start ? { snapshot: snapshotHandOver, start } : null };
  }

  /**
   * Moves to the new epoch's keys (see the file comment): the record reaches the old
   * mailbox before the room leaves the old topic (or is retried after, if the server was
   * unreachable), then the new mailbox is bound. Its first append carries this device's
   * own writes from where `leave` found them carried — including, when the hand-over got
   * there, everything up to the instant of leaving — so a write made after that instant,
   * or one no mailbox took before it, reaches the new mailbox.
   */
  async move(to: ConversationKeys, departure: Departure): Promise<void> {
    const { handOver } = departure;
    // A merge's snapshot goes in the background: its own progress says nothing of ours.
    if (handOver?.snapshot) void handOver.start();
    const handed = handOver && !handOver.snapshot ? await handOver.start() : false;
    const carried = departure.carried === null ? null : handed ? Math.max(departure.carried, departure.ownClock) : departure.carried;
    // A room still waiting for the mesh is rekeyed right after it is added (the same queue).
    if (this.sync || this.attaching) this.parts.rooms?.rekey(to);
    await this.bind(to, carried);
    // (Set by the bind awaited above; TypeScript cannot see that.)
    void (this.binding as MailboxBinding | null)?.sync.sync();
  }

  /**
   * `carriedOwn`: null for a full snapshot as this device's first append; otherwise the
   * first append carries what is new except this device's own writes up to that clock,
   * which members already hold (see `MailboxBinding.carriedOwn`).
   */
  private async bind(keys: ConversationKeys, carriedOwn: number | null): Promise<void> {
    const mailbox = this.parts.mailbox;
    this.binding?.destroy();
    this.binding = null;
    if (!mailbox) return;
    const binding = MailboxBinding.create({
      mailbox,
      keys,
      synced: this.parts.synced,
      device: this.parts.device,
      now: this.parts.now,
      delivered: this.parts.delivered,
      failed: this.parts.failed,
    });
    if (!binding) return;
    if (carriedOwn !== null) {
      const progress = await mailbox.progress.get(binding.credential.id);
      if (progress.sentState === null) await mailbox.progress.put({ ...progress, sentState: this.stateCarrying(carriedOwn) });
    }
    // Closed, or bound again, while the progress was read: the newest binding wins and
    // nothing is left running (callers sync right after, which pushes what waited).
    if (this.closed) {
      binding.destroy();
      return;
    }
    // (A concurrent bind may have set it while this one awaited; TypeScript cannot see that.)
    (this.binding as MailboxBinding | null)?.destroy();
    this.binding = binding;
    binding.start();
  }

  /** The document's state vector, with this device's own clock lowered to `ownClock`. */
  private stateCarrying(ownClock: number): Uint8Array {
    const { doc } = this.parts.synced;
    const state = Y.decodeStateVector(Y.encodeStateVector(doc));
    const own = Math.min(ownClock, state.get(doc.clientID) ?? 0);
    if (own > 0) state.set(doc.clientID, own);
    else state.delete(doc.clientID);
    // Yjs encodes a Map as a state vector too; its typings only admit a Doc.
    return Y.encodeStateVector(state as unknown as Y.Doc);
  }

  /** Reads the mailboxes of retired epochs once (a member who missed a change wrote there). */
  async pullRetired(keys: readonly ConversationKeys[]): Promise<void> {
    const mailbox = this.parts.mailbox;
    if (!mailbox) return;
    const { synced } = this.parts;
    for (const k of keys) {
      const credential = MailboxBinding.credentialOf(k);
      if (!credential) continue;
      const courier = new MailboxCourier({
        client: mailbox.client,
        id: credential.id,
        token: k.mailboxToken,
        key: k.mailboxKey,
        doc: synced.doc,
        authorize: (update) => synced.authorizer.authorize(update),
        progress: mailbox.progress,
      });
      await courier.pull().catch((error: unknown) => this.parts.logger.warn('retired mailbox not read', { error: errorField(error) }));
    }
  }

  /**
   * Hands the document to an older epoch's mailbox than the one just left: someone sealed
   * back in (an unblocked person) still sits on that epoch and reads only its mailbox.
   */
  handOverTo(keys: ConversationKeys): void {
    void this.handOver(keys, false)();
  }

  /** Tries the hand-overs that failed again now (the socket is back). */
  retryHandovers(): void {
    for (const attempt of [...this.handovers]) void attempt();
  }

  /**
   * Hands the document as it is now to the old mailbox: the returned function starts it,
   * resolves with the first attempt (true: delivered), and retries in the background until
   * it gets there. From a copy frozen before this returns, since what this device writes in
   * the new epoch must never reach the old mailbox, which removed members read. Used for
   * the record that starts the new epoch, and for a merge (`snapshot`): the other side of
   * the fork reads it from there, and it lacks what this side wrote that only travelled
   * peer to peer, so a difference would not apply; a full snapshot does (§4.3).
   */
  private handOver(from: ConversationKeys, snapshot: boolean): () => Promise<boolean> {
    const mailbox = this.parts.mailbox;
    const credential = MailboxBinding.credentialOf(from);
    if (!mailbox || !credential) return () => Promise.resolve(false);
    // `gc: false` as every document (§3.1): a collected copy would send deleted content as
    // ContentDeleted, which receivers refuse.
    const frozen = new Y.Doc({ gc: false });
    Y.applyUpdate(frozen, Y.encodeStateAsUpdate(this.parts.synced.doc));
    // After applying: Yjs takes a copy's own client id in an update for a clash and changes it.
    frozen.clientID = this.parts.synced.doc.clientID;
    const courier = new MailboxCourier({
      client: mailbox.client,
      id: credential.id,
      token: from.mailboxToken,
      key: from.mailboxKey,
      doc: frozen,
      authorize: (update) => this.parts.synced.authorizer.authorize(update),
      // A progress of its own has sent nothing yet, so the courier appends a full snapshot.
      progress: snapshot ? new MemoryMailboxStateStore() : mailbox.progress,
    });
    const waits = this.parts.handoverRetryMs?.length ? this.parts.handoverRetryMs : HANDOVER_RETRY_MS;
    let tries = 0;
    // One retry waiting at a time: a try a reconnect makes meanwhile starts no second one.
    let waiting = false;
    const attempt = async (): Promise<boolean> => {
      if (!this.handovers.has(attempt)) return true;
      try {
        const state = await courier.push();
        // Its own progress (a merge) says nothing of what this device's outbox may retire.
        if (state && !snapshot) this.parts.delivered(state);
      } catch (error) {
        this.parts.logger.warn('epoch record not handed to the old mailbox yet', { error: errorField(error) });
        if (!waiting) {
          waiting = true;
          const delay = waits[Math.min(tries++, waits.length - 1)] ?? 0;
          this.listeners.timeout(() => {
            waiting = false;
            void attempt();
          }, delay);
        }
        return false;
      }
      this.handovers.delete(attempt);
      frozen.destroy();
      return true;
    };
    return () => {
      this.handovers.add(attempt);
      return attempt();
    };
  }

  /** Stops the room (this user left or was removed) but keeps the document. */
  close(): void {
    this.closed = true;
    this.parts.rooms?.close();
    this.listeners.dispose();
    this.sync = null;
    this.peers = 0;
    this.binding?.destroy();
    this.binding = null;
  }

  destroy(): void {
    this.closed = true;
    this.handovers.clear();
    this.listeners.dispose();
    this.binding?.destroy();
    this.binding = null;
  }
}
