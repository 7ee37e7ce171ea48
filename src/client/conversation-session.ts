/**
 * One open conversation: its signed document, timeline, presence and the local send path.
 *
 * Send path (ARCHITECTURE §7): the event goes to the outbox (strict durability) and, in
 * parallel, is signed and applied to the doc, so peers and the screen see it at once. It is
 * *acknowledged* — shown as saved — only when the outbox commit completes. Keeping the
 * fsync out of the send→render path does not weaken the guarantee: an event whose commit
 * never completed was never shown as saved. On start-up, outbox entries the doc lacks are
 * signed again for their new placement and applied.
 */
import { ObservableV2 } from 'lib0/observable';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { conversationSchema } from '../core/authorship/schema.js';
import { fromBase64Url, toBase64Url } from '../core/bytes.js';
import { createEvent, nextTimestamp, type EventDraft, type UnsignedEvent } from '../core/events.js';
import type { DeviceId, EventId, Topic } from '../core/ids.js';
import type { IdentityId, VerifyKeyCache } from '../core/identity/keys.js';
import { inviteUrl } from '../core/invite.js';
import { presenceId, type ConversationKeys } from '../core/keys.js';
import { Timeline, type TimelineEntry } from '../core/timeline.js';
import type { HistoryProgress, RoomSync } from '../net/room-sync.js';
import type { Account, ConversationRecord, OutboxStore, PersistedDoc, RecentMessage } from '../store/types.js';
import { mailboxIdOf } from '../core/wire/mailbox.js';
import type { MailboxClient } from '../net/mailbox-client.js';
import { MailboxCourier } from '../net/mailbox-courier.js';
import type { MailboxStateStore } from '../store/mailbox-state.js';
import { DeliveryTracker, type DeliveryState } from './delivery.js';
import { MailboxSync } from './mailbox-sync.js';
import { SendFailedError } from './errors.js';
import { LOCAL_ORIGIN, SyncedDoc } from '../core/synced-doc.js';

export { LOCAL_ORIGIN } from '../core/synced-doc.js';
const TYPING_TTL_MS = 4_000;
/**
 * Origin of this device's read-cursor records. They sync to peers but do not trigger a
 * mailbox append of their own: otherwise every member's cursor update would append an
 * entry that moves everyone else's cursor, forever.
 */
const READ_ORIGIN = Symbol('parley-read');
/** Read cursors are rewritten at most this often. */
const READ_RECORD_EVERY_MS = 30_000;

/** A member device's signed note of how far it has read the mailbox. */
interface ReadRecord {
  readonly type: 'read';
  readonly mailboxSeq?: number;
}

export interface PresenceState {
  readonly device: DeviceId;
  readonly name: string;
  /** When the user last typed, ms since epoch; 0 when not typing. */
  readonly typingAt: number;
}

export type SessionEvents = {
  /** Timeline, members, delivery states or presence changed. */
  changed: () => void;
  /** The newest entry changed, for the sidebar preview. */
  preview: (entry: TimelineEntry) => void;
  error: (error: Error) => void;
};

export interface SessionParts {
  readonly record: ConversationRecord;
  readonly keys: ConversationKeys;
  readonly account: Account;
  readonly outbox: OutboxStore;
  readonly verifyKeys: VerifyKeyCache;
  readonly appUrl: string;
  readonly now: () => number;
  /** Identities whose devices may not join and whose events are hidden. */
  readonly isBlocked: (identity: IdentityId) => boolean;
  /** The blind mailbox, for members who are offline; absent in tests that do not need it. */
  readonly mailbox?: MailboxParts;
}

export interface MailboxParts {
  readonly client: MailboxClient;
  readonly progress: MailboxStateStore;
  /** SHA-256 hex of this device's push endpoint, if it has one. */
  readonly exclude: () => string | undefined;
  /** The mailbox is unreachable: ask for a Background Sync. */
  readonly onOffline: () => void;
}

export class ConversationSession extends ObservableV2<SessionEvents> {
  readonly synced: SyncedDoc;
  readonly timeline = new Timeline();
  /** Presence uses its own client id, so the doc's client id is not revealed before it writes. */
  readonly awareness = new Awareness(new Y.Doc());
  readonly delivery = new DeliveryTracker();
  private persisted: PersistedDoc | null = null;
  private sync: RoomSync | null = null;
  /** Mailbox carrier for this conversation, once open. */
  mailbox: MailboxSync | null = null;
  /** The newest state vector each member device acknowledged over a data channel. */
  private readonly ackedBy = new Map<string, Map<number, number>>();
  private lastReadRecordAt = 0;
  private trimmedTo = 0;
  /** Names of the cached recent messages' authors, until member records are loaded. */
  private readonly cachedNames = new Map<string, string>();
  private markLoaded: () => void = () => undefined;
  /** Resolves once the stored document is loaded and this device is a member. */
  readonly loaded: Promise<void> = new Promise((resolve) => (this.markLoaded = resolve));
  private isLoaded = false;
  private peers = 0;
  private revisionCount = 0;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly unobserve: () => void;
  record: ConversationRecord;

  constructor(private readonly parts: SessionParts) {
    super();
    this.record = parts.record;
    const peer = parts.record.peer as IdentityId | undefined;
    const me = parts.account.identity.sign;
    const admits =
      parts.record.kind === 'direct' && peer
        ? (identity: IdentityId) => identity === me || identity === peer
        : (identity: IdentityId) => !parts.isBlocked(identity);
    this.synced = new SyncedDoc({ account: parts.account, schema: conversationSchema(admits), keys: parts.verifyKeys, now: parts.now, admitsPeer: (p) => !parts.isBlocked(p.identity) });
    this.unobserve = this.synced.log.observe((events) => this.onEvents(events));
    this.synced.directory.onChange(() => this.changed());
    this.awareness.setLocalState({ device: parts.account.device.id, name: parts.account.name, typingAt: 0 } satisfies PresenceState);
    this.awareness.on('change', () => this.changed());
    // The newest messages from the last session, shown before the document loads; the real
    // events carry the same ids, so loading them changes nothing on screen.
    const recent = parts.record.recent ?? [];
    for (const m of recent) this.cachedNames.set(m.author, m.name);
    if (recent.length > 0) {
      this.timeline.add(recent.map((m) => ({ id: m.id as EventId, kind: 'message' as const, author: m.author as DeviceId, at: m.at, text: m.text })));
    }
  }

  /** True once the stored document is loaded. */
  get ready(): boolean {
    return this.isLoaded;
  }

  /** The newest messages, for the conversation record's cache. */
  recentMessages(count = 30): RecentMessage[] {
    const out: RecentMessage[] = [];
    const entries = this.timeline.entries;
    for (let i = entries.length - 1; i >= 0 && out.length < count; i--) {
      const e = entries[i]!;
      if (e.kind === 'message' && !e.deleted) out.push({ id: e.id, author: e.author, name: this.memberName(e.author), at: e.at, text: e.text.slice(0, 2000) });
    }
    return out.reverse();
  }

  get doc(): Y.Doc {
    return this.synced.doc;
  }

  /** Increments on every change; views pass it down so components re-render. */
  get revision(): number {
    return this.revisionCount;
  }

  get id(): Topic {
    return this.record.id;
  }

  get me(): DeviceId {
    return this.parts.account.device.id;
  }

  get inviteLink(): string {
    return inviteUrl(this.parts.appUrl, secretOf(this.record));
  }

  private readonly presenceIds = new Map<string, Promise<string>>();

  /** The opaque id under which an identity is online in this conversation. */
  presenceIdOf(identity: IdentityId): Promise<string> {
    let id = this.presenceIds.get(identity);
    if (!id) this.presenceIds.set(identity, (id = presenceId(this.parts.keys, identity)));
    return id;
  }

  /** Identities of the other members (any of their devices), not revoked. */
  otherIdentities(): Set<IdentityId> {
    const out = new Set<IdentityId>();
    for (const [device, member] of this.synced.directory.members()) {
      const identity = member.cert.identity.sign;
      if (identity !== this.parts.account.identity.sign && !this.synced.directory.revocation(device)) out.add(identity);
    }
    return out;
  }

  /** Identities with a device syncing with us right now. */
  connectedIdentities(): Set<IdentityId> {
    const out = new Set<IdentityId>();
    for (const device of this.sync?.connectedDevices() ?? []) {
      const identity = this.identityOf(device as DeviceId);
      if (identity) out.add(identity);
    }
    return out;
  }

  /** The blind mailbox id (hex) and its bearer token. */
  get mailboxCredential(): { id: string; token: string } | null {
    const id = mailboxIdOf(this.parts.keys.mailboxToken);
    return id ? { id, token: this.parts.keys.mailboxToken } : null;
  }

  get isDirect(): boolean {
    return this.record.kind === 'direct';
  }

  get peerCount(): number {
    return this.peers;
  }

  get title(): string {
    if (this.record.title) return this.record.title;
    const names = new Set<string>();
    for (const [device, member] of this.synced.directory.members()) {
      if (member.cert.identity.sign !== this.parts.account.identity.sign) names.add(this.memberName(device));
    }
    return names.size > 0 ? [...names].join(', ') : 'New conversation';
  }

  /** The name a device's signed member record gives (its identity's chosen name). */
  memberName(device: DeviceId): string {
    if (device === this.me) return this.parts.account.name;
    const record = this.synced.log.members.get(device);
    return record?.name ?? this.cachedNames.get(device) ?? 'Someone';
  }

  /** The avatar a device's member record carries, if any. */
  memberAvatar(device: DeviceId): string | undefined {
    if (device === this.me) return this.parts.account.avatar;
    return this.synced.log.members.get(device)?.avatar;
  }

  identityOf(device: DeviceId): IdentityId | null {
    return this.synced.directory.identityOf(device);
  }

  /** True for events written by any device of this user. */
  isMine(device: DeviceId): boolean {
    return device === this.me || this.identityOf(device) === this.parts.account.identity.sign;
  }

  /**
   * How many messages from other people are newer than `upTo`, counting at most `cap` (the
   * sidebar shows "99+"), so a long unread history costs no more than a short one.
   */
  unreadSince(upTo: number, cap = 100): number {
    const entries = this.timeline.entries;
    let count = 0;
    for (let i = entries.length - 1; i >= 0 && count < cap; i--) {
      const entry = entries[i]!;
      if (entry.at <= upTo) break;
      if (entry.kind === 'message' && !entry.deleted && !this.isMine(entry.author)) count++;
    }
    return count;
  }

  /** A large history on its way in from a peer, for a progress bar; null when none is. */
  historyProgress(): HistoryProgress | null {
    return this.sync?.progress() ?? null;
  }

  deliveryState(id: EventId): DeliveryState {
    return this.delivery.state(id);
  }

  /** Names of others typing right now (awareness only; never stored, never on the server). */
  typingNames(now = this.parts.now()): string[] {
    const names: string[] = [];
    for (const [client, state] of this.awareness.getStates()) {
      if (client === this.awareness.clientID) continue;
      const p = state as Partial<PresenceState>;
      if (typeof p.typingAt === 'number' && p.typingAt > 0 && now - p.typingAt < TYPING_TTL_MS && typeof p.device === 'string') {
        names.push(this.memberName(p.device as DeviceId));
      }
    }
    return names;
  }

  /** Loads stored state, re-applies unsent outbox entries, then starts syncing. */
  async open(persisted: PersistedDoc, attach: (session: ConversationSession) => RoomSync): Promise<void> {
    this.persisted = persisted;
    // Stored updates arrive as one transaction, which `observe` folds into the timeline.
    await persisted.whenLoaded;
    const joined = await this.synced.ensureMember(this.parts.account.name, this.parts.account.avatar);
    await this.replayOutbox();
    if (joined && !this.timeline.has(this.me as unknown as EventId) && !this.hasJoinEvent()) {
      await this.appendLocal({ kind: 'join', name: this.parts.account.name });
    }
    this.sync = attach(this);
    this.sync.events = {
      onPeers: (count) => {
        this.peers = count;
        this.changed();
      },
      onAck: (sv, device) => {
        if (device) this.ackedBy.set(device, sv);
        void this.retire(this.delivery.acknowledge(sv));
      },
      onProgress: () => this.changed(),
    };
    this.mailbox = this.createMailbox();
    // Catching up with the mailbox runs in the background: the stored history is on screen.
    void this.mailbox?.sync();
    this.isLoaded = true;
    this.markLoaded();
    this.changed();
  }

  /** Sends a message. Resolves once it is acknowledged (durably in the outbox). */
  async send(text: string): Promise<EventId> {
    const body = text.replace(/\s+$/u, '');
    if (body.trim().length === 0) throw new SendFailedError('Write something first.');
    this.setTyping(false);
    // Writes go after the stored document and this device's member record.
    await this.loaded;
    return this.appendLocal({ kind: 'message', text: body });
  }

  /** Replaces the text of one of this device's messages; everyone sees it marked edited. */
  async edit(target: EventId, text: string): Promise<void> {
    const body = text.replace(/\s+$/u, '');
    if (body.trim().length === 0) throw new SendFailedError('An edited message cannot be empty; delete it instead.');
    const entry = this.ownMessage(target);
    if (entry.text === body) return;
    await this.loaded;
    await this.appendLocal({ kind: 'edit', target, text: body });
  }

  /** Deletes one of this device's messages for everyone (its text is gone from every timeline). */
  async remove(target: EventId): Promise<void> {
    this.ownMessage(target);
    await this.loaded;
    await this.appendLocal({ kind: 'delete', target });
  }

  /** Adds this device's reaction with `emoji`, or withdraws it if it is there. */
  async toggleReaction(target: EventId, emoji: string): Promise<void> {
    const entry = this.timeline.get(target);
    if (!entry || entry.kind !== 'message' || entry.deleted) throw new SendFailedError('That message is gone.');
    const on = !(entry.reactions.get(emoji)?.has(this.me) ?? false);
    await this.loaded;
    await this.appendLocal({ kind: 'reaction', target, emoji, on });
  }

  /** Edits and deletes are the author device's own (the timeline ignores anyone else's). */
  private ownMessage(target: EventId): TimelineEntry {
    const entry = this.timeline.get(target);
    if (!entry || entry.kind !== 'message' || entry.deleted) throw new SendFailedError('That message is gone.');
    if (entry.author !== this.me) throw new SendFailedError('Only the device that wrote a message can change it.');
    return entry;
  }

  setTyping(typing: boolean): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = null;
    const state = this.awareness.getLocalState() as PresenceState | null;
    if (!state) return;
    if (typing) {
      // Refresh at most every second, and clear automatically after the TTL.
      if (this.parts.now() - state.typingAt > 1_000) this.awareness.setLocalState({ ...state, typingAt: this.parts.now() });
      this.typingTimer = setTimeout(() => this.setTyping(false), TYPING_TTL_MS);
    } else if (state.typingAt !== 0) {
      this.awareness.setLocalState({ ...state, typingAt: 0 });
    }
  }

  /** Re-folds the timeline, e.g. after blocking someone whose events must disappear. */
  refilter(): void {
    const fresh = new Timeline();
    fresh.add(this.synced.log.readAll().filter((e) => this.visible(e.author)));
    (this as { timeline: Timeline }).timeline = fresh;
    this.changed();
  }

  override async destroy(): Promise<void> {
    this.mailbox?.destroy();
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.unobserve();
    this.awareness.destroy();
    await this.persisted?.destroy();
    this.synced.destroy();
    super.destroy();
  }

  private createMailbox(): MailboxSync | null {
    const m = this.parts.mailbox;
    const id = mailboxIdOf(this.parts.keys.mailboxToken);
    if (!m || !id) return null;
    const courier = new MailboxCourier({
      client: m.client,
      id,
      token: this.parts.keys.mailboxToken,
      key: this.parts.keys.mailboxKey,
      doc: this.doc,
      authorize: (update) => this.synced.authorizer.authorize(update),
      progress: m.progress,
      exclude: m.exclude,
    });
    return new MailboxSync({
      courier,
      doc: this.doc,
      undelivered: () => {
        // Someone lacks this device's writes unless every other member device acknowledged them.
        const mine = Y.getState(this.doc.store, this.doc.clientID);
        let members = 0;
        for (const [device] of this.synced.directory.members()) {
          if (device === this.me || this.synced.directory.revocation(device)) continue;
          members++;
          if ((this.ackedBy.get(device)?.get(this.doc.clientID) ?? 0) < mine) return true;
        }
        // Nobody else yet: a later joiner may find only the mailbox.
        return members === 0;
      },
      onDelivered: (state) => void this.retire(this.delivery.acknowledge(state)),
      onRead: (readSeq) => void this.noteRead(readSeq),
      onOffline: m.onOffline,
      onError: (error) => this.emit('error', [error]),
    });
  }

  /**
   * Publishes how far this device read the mailbox (a signed record in `reads`), and
   * deletes entries once every member device has read them (ARCHITECTURE §7).
   */
  private async noteRead(readSeq: number): Promise<void> {
    const reads = this.doc.getMap<ReadRecord>('reads');
    const mine = reads.get(this.me)?.mailboxSeq ?? 0;
    if (readSeq > mine && this.parts.now() - this.lastReadRecordAt >= READ_RECORD_EVERY_MS) {
      this.lastReadRecordAt = this.parts.now();
      await this.synced.writer.setRecord('reads', this.me, { type: 'read', by: this.me, at: this.parts.now(), mailboxSeq: readSeq }, READ_ORIGIN);
    }
    let everyone = Infinity;
    let others = 0;
    for (const [device] of this.synced.directory.members()) {
      if (this.synced.directory.revocation(device)) continue;
      if (device !== this.me) others++;
      const seq = device === this.me ? Math.max(readSeq, mine) : (reads.get(device)?.mailboxSeq ?? 0);
      everyone = Math.min(everyone, seq);
    }
    if (others > 0 && Number.isFinite(everyone) && everyone > this.trimmedTo) {
      this.trimmedTo = everyone;
      await this.mailbox?.trim(everyone);
    }
  }

  private hasJoinEvent(): boolean {
    return this.timeline.entries.some((e) => e.kind === 'join' && e.author === this.me);
  }

  private changed(): void {
    this.revisionCount++;
    this.emit('changed', []);
  }

  private async appendLocal(draft: EventDraft): Promise<EventId> {
    const event = createEvent(draft, this.me, nextTimestamp(this.parts.now(), this.timeline.latestAt));
    this.delivery.track(event.id, 'saving', null);
    // The outbox write starts first and runs while the event is signed and applied.
    const saved = this.parts.outbox.add({ id: event.id, conversation: this.id, event, createdAt: this.parts.now() });
    const { ids } = await this.synced.writer.appendEvents([event], LOCAL_ORIGIN);
    this.delivery.track(event.id, 'saving', ids[0] ?? null);
    this.changed();
    try {
      await saved;
    } catch (cause) {
      this.delivery.failed(event.id);
      this.changed();
      const error = new SendFailedError('Could not save the message on this device; it may be lost if you close the app.', { cause });
      this.emit('error', [error]);
      throw error;
    }
    if (this.delivery.committed(event.id)) await this.retire([event.id]);
    this.changed();
    return event.id;
  }

  private async replayOutbox(): Promise<void> {
    const entries = await this.parts.outbox.list(this.id);
    if (entries.length === 0) return;
    // Ask the document itself, which is what must never hold an event twice (the timeline
    // is derived from it, e.g. refiltered after a block).
    const ids = new Set(entries.map((e) => e.id));
    const stored = this.synced.log.locate(this.me, ids);
    const missing: UnsignedEvent[] = entries.filter((e) => !stored.has(e.event.id)).map((e) => e.event);
    if (missing.length > 0) await this.synced.writer.appendEvents(missing, LOCAL_ORIGIN);
    const located = missing.length > 0 ? this.synced.log.locate(this.me, ids) : stored;
    for (const entry of entries) this.delivery.track(entry.id, 'waiting', located.get(entry.id) ?? null);
  }

  private async retire(ids: EventId[]): Promise<void> {
    if (ids.length === 0) return;
    this.changed();
    try {
      await this.parts.outbox.remove(ids);
    } catch (error) {
      // Harmless: a stale entry is re-checked against the doc on the next start.
      console.warn('parley: outbox cleanup failed', error);
    }
  }

  private visible(author: DeviceId): boolean {
    const identity = this.identityOf(author);
    return identity === null || !this.parts.isBlocked(identity);
  }

  private onEvents(events: UnsignedEvent[]): void {
    const before = this.timeline.last();
    const shown = events.some((e) => !this.visible(e.author)) ? events.filter((e) => this.visible(e.author)) : events;
    const change = this.timeline.add(shown);
    if (change.added === 0 && !change.updated) return;
    const after = this.timeline.last();
    if (after && after !== before) this.emit('preview', [after]);
    this.changed();
  }
}

export const recordSecret = (secret: Uint8Array): string => toBase64Url(secret);

/** Records are written by this device only, so a damaged secret is a programming error. */
export function secretOf(record: ConversationRecord): Uint8Array {
  const secret = fromBase64Url(record.secret);
  if (!secret) throw new Error(`conversation ${record.id} has a damaged secret`);
  return secret;
}
