/**
 * One open conversation: its signed document and timeline, composed from parts that each
 * own one concern (src/client/conversation/):
 * - `SendPipeline`: outbox, signing and delivery states of this device's writes;
 * - `MailboxBinding`: the blind mailbox for members who are offline;
 * - `TypingState`: presence and typing over awareness;
 * - `MemberView`: names, identities and presence ids of the members.
 * The session folds events into the timeline and is the one object the UI holds.
 */
import { ObservableV2 } from 'lib0/observable';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { conversationSchemaFor, shows } from '../core/policy/conversation-policy.js';
import { fromBase64Url, toBase64Url } from '../core/bytes.js';
import type { UnsignedEvent } from '../core/events.js';
import type { FileRef } from '../core/files/file-ref.js';
import type { DeviceId, EventId, Topic } from '../core/ids.js';
import type { IdentityId, VerifyKeyCache } from '../core/identity/keys.js';
import { inviteUrl } from '../core/invite.js';
import type { ConversationKeys } from '../core/keys.js';
import { Disposables } from '../core/lifecycle.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { SyncedDoc } from '../core/synced-doc.js';
import { Timeline, type TimelineEntry } from '../core/timeline.js';
import type { ConnectionKind, HistoryProgress, RoomSync } from '../net/room-sync.js';
import type { Account, ConversationRecord, OutboxStore, PersistedDoc, RecentMessage } from '../store/types.js';
import { MailboxBinding, type MailboxParts } from './conversation/mailbox-binding.js';
import { MemberView, type KnownContact } from './conversation/member-view.js';
import { SendPipeline } from './conversation/send-pipeline.js';
import { TypingState } from './conversation/typing.js';
import type { DeliveryState } from './delivery.js';
import type { MailboxSync } from './mailbox-sync.js';
import { ClientError } from './errors.js';

export { LOCAL_ORIGIN } from '../core/synced-doc.js';
export type { MailboxParts } from './conversation/mailbox-binding.js';
export type { TypingAwareness } from './conversation/typing.js';

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
  /** The user's contact record for an identity, to tell namesakes apart and show the verified badge. */
  readonly contactOf?: (identity: IdentityId) => KnownContact | null;
  /** The blind mailbox, for members who are offline; absent in tests that do not need it. */
  readonly mailbox?: MailboxParts;
  readonly logger?: Logger;
}

export class ConversationSession extends ObservableV2<SessionEvents> {
  readonly synced: SyncedDoc;
  readonly timeline = new Timeline();
  readonly members: MemberView;
  readonly sender: SendPipeline;
  private readonly typing: TypingState;
  private binding: MailboxBinding | null = null;
  private persisted: PersistedDoc | null = null;
  private sync: RoomSync | null = null;
  private readonly disposables = new Disposables();
  private markLoaded: () => void = () => undefined;
  /** Resolves once the stored document is loaded and this device is a member. */
  readonly loaded: Promise<void> = new Promise((resolve) => (this.markLoaded = resolve));
  private isLoaded = false;
  private peers = 0;
  private revisionCount = 0;
  record: ConversationRecord;

  constructor(private readonly parts: SessionParts) {
    super();
    this.record = parts.record;
    // Blocking hides a person; it never changes what is authorized (core/policy).
    this.synced = new SyncedDoc({
      account: parts.account,
      schema: conversationSchemaFor(parts.record, parts.account.identity.sign),
      keys: parts.verifyKeys,
      now: parts.now,
      admitsPeer: (p) => !parts.isBlocked(p.identity),
    });
    this.members = new MemberView({
      account: parts.account,
      directory: this.synced.directory,
      log: this.synced.log,
      presenceKey: () => parts.keys,
      ...(parts.contactOf ? { contactOf: parts.contactOf } : {}),
    });
    this.typing = new TypingState(parts.account.device.id, parts.account.name, parts.now);
    this.sender = new SendPipeline({
      conversation: parts.record.id,
      device: parts.account.device.id,
      outbox: parts.outbox,
      synced: this.synced,
      now: parts.now,
      latestAt: () => this.timeline.latestAt,
      changed: () => this.changed(),
      failed: (error) => this.emit('error', [error]),
      logger: parts.logger ?? silentLogger,
    });
    this.disposables.add(this.synced.log.observe((events) => this.onEvents(events)));
    this.disposables.add(
      this.synced.directory.onChange(() => {
        this.members.forgetLabels();
        this.changed();
      }),
    );
    this.typing.onChange(() => this.changed());
    // The newest messages from the last session, shown before the document loads; the real
    // events carry the same ids, so loading them changes nothing on screen.
    const recent = parts.record.recent ?? [];
    this.members.rememberNames(recent);
    if (recent.length > 0) {
      this.timeline.addProvisional(recent.map((m) => ({ id: m.id as EventId, kind: 'message' as const, author: m.author as DeviceId, at: m.at, text: m.text })));
    }
  }

  /** True once the stored document is loaded. */
  get ready(): boolean {
    return this.isLoaded;
  }

  get doc(): Y.Doc {
    return this.synced.doc;
  }

  /** The keys the conversation syncs under now (topic, signaling, mailbox, proof, presence). */
  get keys(): ConversationKeys {
    return this.parts.keys;
  }

  /** Presence and typing (awareness), synced with peers but never stored. */
  get awareness(): Awareness {
    return this.typing.awareness;
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

  get isDirect(): boolean {
    return this.record.kind === 'direct';
  }

  get peerCount(): number {
    return this.peers;
  }

  /** How this conversation is connected: a direct data channel, only the relay, or nothing. */
  get connection(): ConnectionKind {
    return this.sync?.connection() ?? 'offline';
  }

  /** Other people (not devices, not this user) with a device syncing with us right now. */
  get peopleConnected(): number {
    const people = this.connectedIdentities();
    people.delete(this.parts.account.identity.sign);
    return people.size;
  }

  get inviteLink(): string {
    return inviteUrl(this.parts.appUrl, secretOf(this.record));
  }

  /** The mailbox carrier, once the document is open (absent without a mailbox). */
  get mailbox(): MailboxSync | null {
    return this.binding?.sync ?? null;
  }

  /** The blind mailbox id (hex) and its bearer token. */
  get mailboxCredential(): { id: string; token: string } | null {
    return this.binding?.credential ?? MailboxBinding.credentialOf(this.parts.keys);
  }

  get title(): string {
    if (this.record.title) return this.record.title;
    const names = this.members.othersNames();
    return names.length > 0 ? names.join(', ') : 'New conversation';
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

  /** The opaque id under which an identity is online in this conversation. */
  presenceIdOf(identity: IdentityId): Promise<string> {
    return this.members.presenceIdOf(identity);
  }

  /** Identities of the other members (any of their devices), not revoked. */
  otherIdentities(): Set<IdentityId> {
    return this.members.otherIdentities();
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

  /** The name a device went by (at `at`, when given), told apart from namesakes (MemberView.nameOf). */
  memberName(device: DeviceId, at?: number): string {
    return this.members.nameOf(device, at);
  }

  /** True when the user verified this device's identity (compared safety numbers). */
  isVerified(device: DeviceId): boolean {
    return this.members.isVerified(device);
  }

  /** The avatar a device's member record carries, if any. */
  memberAvatar(device: DeviceId): string | undefined {
    return this.members.avatarOf(device);
  }

  /** Whether a device is a program (the bot flag of its signed member record). */
  memberIsBot(device: DeviceId): boolean {
    return this.members.isBot(device);
  }

  identityOf(device: DeviceId): IdentityId | null {
    return this.members.identityOf(device);
  }

  /** True for events written by any device of this user. */
  isMine(device: DeviceId): boolean {
    return this.members.isMine(device);
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
      // A future-dated entry sits at the end but is never news (core/timeline.ts).
      if (entry.flag === 'future') continue;
      if (entry.sortAt <= upTo) break;
      if (entry.kind === 'message' && !entry.deleted && !this.isMine(entry.author)) count++;
    }
    return count;
  }

  /** A large history on its way in from a peer, for a progress bar; null when none is. */
  historyProgress(): HistoryProgress | null {
    return this.sync?.progress() ?? null;
  }

  deliveryState(id: EventId): DeliveryState {
    return this.sender.state(id);
  }

  /** Names of others typing right now (awareness only; never stored, never on the server). */
  typingNames(now = this.parts.now()): string[] {
    return this.typing.typingDevices(now).map((device) => this.memberName(device));
  }

  /** Loads stored state, re-applies unsent outbox entries, then starts syncing. */
  async open(persisted: PersistedDoc, attach: (session: ConversationSession) => RoomSync): Promise<void> {
    this.persisted = persisted;
    // Stored updates arrive as one transaction, which `observe` folds into the timeline.
    await persisted.whenLoaded;
    const joined = await this.synced.ensureMember(this.parts.account.name, this.parts.account.avatar);
    await this.sender.replay();
    if (joined && !this.hasJoinEvent()) await this.sender.append({ kind: 'join', name: this.parts.account.name });
    this.sync = attach(this);
    const sync = this.disposables.listenTo(this.sync);
    sync.on('peers', (count) => {
      this.peers = count;
      this.changed();
    });
    sync.on('ack', (sv, device) => {
      if (device) this.binding?.acknowledged(device, sv);
      this.sender.acknowledge(sv);
    });
    sync.on('progress', () => this.changed());
    this.binding = this.createBinding();
    // Catching up with the mailbox runs in the background: the stored history is on screen.
    void this.binding?.sync.sync();
    this.isLoaded = true;
    this.markLoaded();
    this.changed();
  }

  /**
   * Sends a message, optionally as a reply to `replyTo`. Resolves once it is acknowledged
   * (durably in the outbox).
   */
  async send(text: string, replyTo?: EventId): Promise<EventId> {
    const body = text.replace(/\s+$/u, '');
    if (body.trim().length === 0) throw new ClientError('empty-message');
    this.setTyping(false);
    // Writes go after the stored document and this device's member record.
    await this.loaded;
    return this.sender.append({ kind: 'message', text: body, ...(replyTo ? { replyTo } : {}) });
  }

  /**
   * Sends a file message: `ref` describes the file this device sealed and stores
   * (client/files), `caption` is its text and may be empty.
   */
  async sendFile(ref: FileRef, caption = ''): Promise<EventId> {
    this.setTyping(false);
    await this.loaded;
    return this.sender.append({ kind: 'message', text: caption.replace(/\s+$/u, ''), file: ref });
  }

  /** Replaces the text of one of this device's messages; everyone sees it marked edited. */
  async edit(target: EventId, text: string): Promise<void> {
    const body = text.replace(/\s+$/u, '');
    if (body.trim().length === 0) throw new ClientError('empty-edit');
    const entry = this.ownMessage(target);
    if (entry.text === body) return;
    await this.loaded;
    await this.sender.append({ kind: 'edit', target, text: body });
  }

  /** Deletes one of this device's messages for everyone (its text is gone from every timeline). */
  async remove(target: EventId): Promise<void> {
    this.ownMessage(target);
    await this.loaded;
    await this.sender.append({ kind: 'delete', target });
  }

  /** Adds this device's reaction with `emoji`, or withdraws it if it is there. */
  async toggleReaction(target: EventId, emoji: string): Promise<void> {
    const entry = this.timeline.get(target);
    if (!entry || entry.kind !== 'message' || entry.deleted) throw new ClientError('message-gone');
    const on = !(entry.reactions.get(emoji)?.has(this.me) ?? false);
    await this.loaded;
    await this.sender.append({ kind: 'reaction', target, emoji, on });
  }

  setTyping(typing: boolean): void {
    this.typing.set(typing);
  }

  /** Re-folds the timeline, e.g. after blocking someone whose events must disappear. */
  refilter(): void {
    const fresh = new Timeline();
    fresh.add(this.synced.log.readAll().filter((e) => this.visible(e.author)));
    (this as { timeline: Timeline }).timeline = fresh;
    this.changed();
  }

  override async destroy(): Promise<void> {
    this.binding?.destroy();
    this.disposables.dispose();
    this.typing.destroy();
    await this.persisted?.destroy();
    this.synced.destroy();
    super.destroy();
  }

  /** Edits and deletes are the author device's own (the timeline ignores anyone else's). */
  private ownMessage(target: EventId): TimelineEntry {
    const entry = this.timeline.get(target);
    if (!entry || entry.kind !== 'message' || entry.deleted) throw new ClientError('message-gone');
    if (entry.author !== this.me) throw new ClientError('not-author');
    return entry;
  }

  private createBinding(): MailboxBinding | null {
    const mailbox = this.parts.mailbox;
    if (!mailbox) return null;
    return MailboxBinding.create({
      mailbox,
      keys: this.parts.keys,
      synced: this.synced,
      device: this.me,
      now: this.parts.now,
      delivered: (state) => this.sender.acknowledge(state),
      failed: (error) => this.emit('error', [error]),
    });
  }

  private hasJoinEvent(): boolean {
    return this.timeline.entries.some((e) => e.kind === 'join' && e.author === this.me);
  }

  private changed(): void {
    this.revisionCount++;
    this.emit('changed', []);
  }

  private visible(author: DeviceId): boolean {
    return shows({ identityOf: (d) => this.identityOf(d), isBlocked: this.parts.isBlocked }, author);
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
