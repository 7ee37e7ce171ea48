/**
 * One open conversation: its signed document and timeline, composed from parts that each
 * own one concern (src/client/conversation/):
 * - `SendPipeline`: outbox, signing and delivery states of this device's writes;
 * - `ConversationTransport`: the peer room and the blind mailbox of the current epoch;
 * - `TypingState`: presence and typing over awareness;
 * - `MemberView`: names, identities and presence ids of the members;
 * - `MembershipView`, `Membership`, `GroupControl`: who is in, changing that, the Members
 *   screen; `EpochFollower`: moving from epoch to epoch (docs/architecture.md §4).
 * - `ShownTimeline`: the log folded into what the timeline shows.
 * `wireSession` builds and connects them; the session is the one object the UI holds. What it
 * offers about epochs (keys, secrets, file roots, upkeep) is `SessionEpochs`, which it extends.
 */
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { FileRef } from '../core/files/file-ref.js';
import type { DeviceId, EventId, Topic } from '../core/ids.js';
import type { IdentityId } from '../core/identity/keys.js';
import { namedInviteUrl } from '../core/invite-note.js';
import { Disposables } from '../core/lifecycle.js';
import { errorField, silentLogger, type Logger } from '../core/logger.js';
import type { SyncedDoc } from '../core/synced-doc.js';
import type { Timeline, TimelineEntry } from '../core/timeline.js';
import type { ConnectionKind, HistoryProgress } from '../net/room-sync.js';
import type { RoomSyncHandle } from './network-handles.js';
import type { ConversationRecord, PersistedDoc, RecentMessage } from '../store/types.js';
import { MailboxBinding } from './conversation/mailbox-binding.js';
import type { MemberView } from './conversation/member-view.js';
import type { EndReason } from './conversation/epoch-switch.js';
import type { EpochFollower } from './conversation/epoch-follower.js';
import type { Membership } from './conversation/membership.js';
import type { MembershipView } from './conversation/membership-view.js';
import type { ConversationTransport } from './conversation/transport.js';
import { recentMessages, unreadSince } from './conversation/reading.js';
import { deleteDraft, editDraft, messageDraft, reactionDraft } from './conversation/message-drafts.js';
import type { GroupControl } from './conversation/group-control.js';
import type { SendPipeline } from './conversation/send-pipeline.js';
import { wireSession } from './conversation/session-wiring.js';
import type { ShownTimeline } from './conversation/shown-timeline.js';
import type { MessageReceipts, Receipts } from './conversation/receipts.js';
import type { TypingState } from './conversation/typing.js';
import type { DeliveryState } from './delivery.js';
import type { MailboxSync } from './mailbox-sync.js';
import { ClientError } from './errors.js';
import { SessionEpochs } from './session-epochs.js';
import type { SessionParts } from './session-parts.js';

export { LOCAL_ORIGIN } from '../core/synced-doc.js';
export type { MailboxParts } from './conversation/mailbox-binding.js';
export type { RoomHost } from './conversation/transport.js';
export type { EndReason } from './conversation/epoch-switch.js';
export type { TypingAwareness } from './conversation/typing.js';
export type { SessionEvents, SessionParts } from './session-parts.js';

export class ConversationSession extends SessionEpochs {
  readonly synced: SyncedDoc;
  readonly members: MemberView;
  readonly sender: SendPipeline;
  /** Who is in, their roles, settings, invites and requests, from the document. */
  readonly membership: MembershipView;
  /** Changes to the membership this device makes. */
  readonly changes: Membership;
  /** The Members screen: members, roles, settings, invites, requests. */
  readonly group: GroupControl;
  private readonly shown: ShownTimeline;
  private readonly typing: TypingState;
  private readonly transport: ConversationTransport;
  protected readonly epochs: EpochFollower;
  private readonly receipts: Receipts;
  private persisted: PersistedDoc | null = null;
  private readonly logger: Logger;
  private readonly disposables = new Disposables();
  private markLoaded: () => void = () => undefined;
  /** Resolves once the stored document is loaded and this device is a member. */
  readonly loaded: Promise<void> = new Promise((resolve) => (this.markLoaded = resolve));
  private isLoaded = false;
  private revisionCount = 0;
  record: ConversationRecord;

  constructor(private readonly parts: SessionParts) {
    super();
    this.record = parts.record;
    this.logger = parts.logger ?? silentLogger;
    const wired = wireSession(parts, this.logger, {
      record: () => this.record,
      loaded: () => this.isLoaded,
      changed: () => this.changed(),
      preview: (entry) => this.emit('preview', [entry]),
      failed: (error) => this.emit('error', [error]),
      rekeyed: () => {
        this.emit('rekeyed', []);
        this.changed();
      },
      neighbours: () => this.emit('neighbours', []),
      end: (reason) => this.end(reason),
      save: (fields) => this.saveRecord(fields),
    });
    this.synced = wired.synced;
    this.shown = wired.shown;
    this.members = wired.members;
    this.membership = wired.membership;
    this.changes = wired.changes;
    this.group = wired.group;
    this.transport = wired.transport;
    this.epochs = wired.epochs;
    this.typing = wired.typing;
    this.sender = wired.sender;
    this.disposables.add(this.membership.onChange(() => this.onMembership()));
    this.disposables.add(this.synced.log.observe((events) => this.shown.add(events)));
    this.disposables.add(
      this.synced.directory.onChange(() => {
        this.members.forgetLabels();
        this.changed();
      }),
    );
    // Typing and presence show in the header and the typing line, never in the message log:
    // they tell views to render without moving `revision`, so the list is not rendered again
    // (two of the three list renders per arriving text were typing turning on and off).
    this.typing.onChange(() => this.emit('changed', []));
    this.receipts = wired.receipts;
    this.disposables.add(() => this.receipts.destroy());
    const recent = parts.record.recent ?? [];
    this.members.rememberNames(recent);
    this.shown.showRecent(recent);
  }

  /** What the conversation shows now (refolded when blocking or membership changes). */
  get timeline(): Timeline {
    return this.shown.timeline;
  }

  /** What people the user blocked wrote here, kept apart from the timeline (ShownTimeline). */
  get blockedTimeline(): Timeline {
    return this.shown.blocked;
  }

  /** True once the stored document is loaded. */
  get ready(): boolean {
    return this.isLoaded;
  }

  get doc(): Y.Doc {
    return this.synced.doc;
  }

  /** How this conversation ended for this user, if it did (read-only history then). */
  get ended(): EndReason | null {
    return this.epochs.ended ?? this.record.ended ?? null;
  }

  /** Presence and typing (awareness), synced with peers but never stored. */
  get awareness(): Awareness {
    return this.typing.awareness;
  }

  /**
   * Increments on every change the message log may show (messages, delivery, receipts,
   * members, names); views pass it down so the list re-renders. Typing and presence emit
   * `changed` without moving it.
   */
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
    return this.transport.peerCount;
  }

  /** How this conversation is connected: a direct data channel, only the relay, or nothing. */
  get connection(): ConnectionKind {
    return this.transport.connection();
  }

  /** Other people (not devices, not this user) with a device syncing with us right now. */
  get peopleConnected(): number {
    const people = this.connectedIdentities();
    people.delete(this.parts.account.identity.sign);
    return people.size;
  }

  /** The newest invite link this user made that still works, or '' (1:1 chats have none). */
  get inviteLink(): string {
    return this.isDirect || this.ended ? '' : this.group.currentInviteLink();
  }

  /**
   * The invite link with this user's name sealed in it, so the first-launch screen of the
   * person who opens it can say who invited them (docs/architecture.md §11).
   */
  async namedInviteLink(): Promise<string> {
    const link = this.inviteLink;
    return link ? namedInviteUrl(link, this.parts.account.name) : '';
  }

  /** The mailbox carrier, once the document is open (absent without a mailbox). */
  get mailbox(): MailboxSync | null {
    return this.transport.mailbox;
  }

  /** The blind mailbox id (hex) and its bearer token, of the current epoch. */
  get mailboxCredential(): { id: string; token: string } | null {
    if (this.ended) return null;
    return this.transport.credential ?? MailboxBinding.credentialOf(this.keys);
  }

  get title(): string {
    const name = this.membership.settings().name;
    if (name) return name;
    if (this.record.title) return this.record.title;
    const names = this.members.othersNames();
    return names.length > 0 ? names.join(', ') : 'New conversation';
  }

  /** The newest messages, for the conversation record's cache. */
  recentMessages(count = 30): RecentMessage[] {
    return recentMessages(this.timeline, (d) => this.memberName(d), count);
  }

  /** Identities of the other members (any of their devices), not revoked. */
  otherIdentities(): Set<IdentityId> {
    return this.members.otherIdentities();
  }

  /** Identities with a device syncing with us right now. */
  connectedIdentities(): Set<IdentityId> {
    return this.members.identitiesOf(this.transport.room?.connectedDevices() ?? []);
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

  /** Messages from other people newer than `upTo`, counting at most `cap`. */
  unreadSince(upTo: number, cap = 100): number {
    return unreadSince(this.timeline, (d) => this.isMine(d), upTo, cap);
  }

  /** A large history on its way in from a peer, for a progress bar; null when none is. */
  historyProgress(): HistoryProgress | null {
    return this.transport.historyProgress();
  }

  deliveryState(id: EventId): DeliveryState {
    return this.sender.state(id);
  }

  /** Whether others' devices hold one of the user's messages, and who read it (receipts.ts). */
  receiptsOf(entry: TimelineEntry): MessageReceipts {
    return this.receipts.of(entry);
  }

  /** Messages from others arrived or were looked at (`reading`): this device's receipt follows. */
  noteReceived(reading: boolean): void {
    if (this.isLoaded && !this.ended) this.receipts.note(reading);
  }

  /** Names of others typing right now (awareness only; never stored, never on the server). */
  /** Member devices present now (presence), this one included. */
  presentDevices(): DeviceId[] {
    return this.typing.presentDevices();
  }

  typingNames(now = this.parts.now()): string[] {
    return this.typing.typingDevices(now).map((device) => this.memberName(device));
  }

  /**
   * Loads stored state, re-applies unsent outbox entries, reads the mailbox — a membership
   * change made while this device was away is there, and must be followed before this
   * device talks to anyone on an old topic (docs/architecture.md §4.4) — then starts
   * syncing.
   */
  async open(persisted: PersistedDoc, attach: (session: ConversationSession) => RoomSyncHandle): Promise<void> {
    this.persisted = persisted;
    // Stored updates arrive as one transaction, which `observe` folds into the timeline.
    await persisted.whenLoaded;
    this.shown.refilterIfMembershipChanged();
    const joined = this.ended ? false : await this.synced.ensureMember(this.parts.account.name, this.parts.account.avatar);
    await this.sender.replay();
    // A device of someone already in the conversation joins quietly: joins are per person.
    if (joined && !this.record.quiet && !this.shown.hasJoined(this.me)) await this.sender.append({ kind: 'join', name: this.parts.account.name });
    await this.epochs.catchUp();
    if (!this.ended) {
      this.transport.attach(attach(this));
      void this.transport.mailbox?.sync();
      void this.epochs.pullRetired();
      this.epochs.scheduleUpkeep();
    }
    this.isLoaded = true;
    this.markLoaded();
    this.changed();
  }

  /**
   * Sends a message, optionally as a reply to `replyTo`. Resolves once it is acknowledged
   * (durably in the outbox).
   */
  async send(text: string, replyTo?: EventId): Promise<EventId> {
    const draft = messageDraft(text, replyTo);
    this.setTyping(false);
    // Writes go after the stored document and this device's member record.
    await this.loaded;
    // A conversation in use rotates at least weekly.
    this.epochs.scheduleUpkeep();
    return this.sender.append(draft);
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
    const draft = editDraft(this.timeline, this.me, target, text);
    if (!draft) return;
    await this.loaded;
    await this.sender.append(draft);
  }

  /** Deletes one of this device's messages for everyone (its text is gone from every timeline). */
  async remove(target: EventId): Promise<void> {
    const draft = deleteDraft(this.timeline, this.me, target);
    await this.loaded;
    await this.sender.append(draft);
  }

  /** Adds this device's reaction with `emoji`, or withdraws it if it is there. */
  async toggleReaction(target: EventId, emoji: string): Promise<void> {
    const draft = reactionDraft(this.timeline, this.me, target, emoji);
    await this.loaded;
    await this.sender.append(draft);
  }

  setTyping(typing: boolean): void {
    this.typing.set(typing);
  }

  /** Re-folds the timeline, e.g. after blocking someone whose events must disappear. */
  refilter(): void {
    this.shown.refilter();
  }

  override async destroy(): Promise<void> {
    this.transport.destroy();
    this.epochs.destroy();
    this.membership.destroy();
    this.disposables.dispose();
    this.typing.destroy();
    await this.persisted?.destroy();
    this.synced.destroy();
    super.destroy();
  }

  /** This user is out: stop sending and syncing; the history stays readable. */
  private async end(reason: EndReason): Promise<void> {
    this.sender.close(new ClientError(reason === 'left' ? 'conversation-left' : 'conversation-removed'));
    this.transport.close();
    await this.saveRecord({ ended: reason });
    this.emit('ended', [reason]);
    this.changed();
  }

  private async saveRecord(fields: Partial<ConversationRecord>): Promise<void> {
    this.record = { ...this.record, ...fields };
    await this.parts.save?.(this.record).catch((error: unknown) => this.logger.warn('conversation record not saved', { error: errorField(error) }));
  }

  private onMembership(): void {
    this.shown.refilterIfMembershipChanged();
    void this.epochs.follow();
    this.changed();
  }

  private changed(): void {
    this.revisionCount++;
    this.emit('changed', []);
  }
}
