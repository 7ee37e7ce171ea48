/**
 * The application service the UI talks to: the account, the conversation list, creating
 * and joining conversations, contacts, devices. A facade: the services it is made of are
 * built in client-services.ts, the account's lifecycle is in account-startup.ts, the ways
 * to get a conversation in conversation-actions.ts, and how a session's events reach the client in
 * session-events.ts. It owns no DOM.
 */
import { ObservableV2 } from 'lib0/observable';
import type { DeviceId, Topic } from '../core/ids.js';
import type { IdentityId, PublicIdentity } from '../core/identity/keys.js';
import type { PresenceClient } from '../net/presence-client.js';
import type { DeviceRegistration } from '../net/registration.js';
import type { SignalingStatus } from '../net/signaling-client.js';
import type { Account } from '../store/types.js';
import { AccountStartup, type ContactsStatus } from './account-startup.js';
import type { ClientEvents, ClientParts } from './client-parts.js';
import { buildServices, destroyServices, type ClientServices } from './client-services.js';
import type { ContactBook } from './contact-book.js';
import { summarize, type ConversationSummary } from './conversation-list.js';
import { ConversationActions } from './conversation-actions.js';
import type { ConversationRegistry } from './conversation-registry.js';
import type { ConversationSession } from './conversation-session.js';
import type { DeviceLinkOffer } from './device-link.js';
import { ClientError } from './errors.js';
import type { JoinAttempt } from './join-attempt.js';
import type { DeviceInfo } from './my-devices.js';
import { Profile, type ProfileChange } from './profile.js';
import type { ContactRecord, SelfSession } from './self-session.js';

export type { ConversationSummary } from './conversation-list.js';
export type { DeviceInfo } from './my-devices.js';
export type { ClientEvents, ClientParts } from './client-parts.js';

export class ParleyClient extends ObservableV2<ClientEvents> {
  private readonly s: ClientServices;
  private readonly actions: ConversationActions;
  private readonly startup: AccountStartup;
  private readonly profile: Profile;
  /** Proves this device's key to the server on every connection. */
  readonly registration: DeviceRegistration;
  /** Online / last-seen by opaque ids. */
  readonly presence: PresenceClient;

  // `parts` stays a field: tests reach the mesh through it from the page.
  constructor(private readonly parts: ClientParts) {
    super();
    this.s = buildServices(parts, this);
    this.actions = new ConversationActions(this.s);
    this.profile = new Profile(this.s);
    this.startup = new AccountStartup(this.s, this.actions, this.profile);
    this.registration = this.s.registration;
    this.presence = this.s.presence;
  }

  // ── Account ──────────────────────────────────────────────────────────────

  /** The account, once everything that depends on it has started. */
  get account(): Account | null {
    return this.s.state.started ? this.s.state.me : null;
  }

  /** The account as soon as it exists: peers may connect while start-up is still running. */
  get deviceAccount(): Account | null {
    return this.s.state.me;
  }

  /**
   * The contact book. The page loads it once the list is on screen (`loadContacts`); until
   * then this throws ClientError 'contacts-unavailable' ('not-registered' with no account).
   * Stored contacts are there from the start: `contact`, `contactList`.
   */
  get contacts(): ContactBook {
    if (this.s.state.book) return this.s.state.book;
    throw new ClientError(this.s.state.contacts ? 'contacts-unavailable' : 'not-registered');
  }

  /** Loads the contact book if it has not loaded (again after a failure), and resolves with it. */
  loadContacts(): Promise<ContactBook> {
    return this.startup.loadContacts();
  }

  /** Where the contact book's load stands; 'failed' until a later `loadContacts` loads it. */
  get contactsStatus(): ContactsStatus {
    return this.startup.contactsStatus;
  }

  /** A contact, stored or (once the contact book has loaded) a request waiting for an answer. */
  contact(identity: IdentityId): ContactRecord | null {
    return this.s.state.contacts?.get(identity) ?? null;
  }

  /** Stored contacts, and (once the contact book has loaded) requests waiting for an answer. */
  contactList(): ContactRecord[] {
    return this.s.state.contacts?.list() ?? [];
  }

  get self(): SelfSession | null {
    return this.s.state.self;
  }

  get connection(): SignalingStatus {
    return this.parts.signaling.status;
  }

  /** Loads the account and opens the self doc and every stored conversation. */
  start(): Promise<void> {
    return this.startup.start();
  }

  register(name: string, avatar?: string): Promise<Account> {
    return this.startup.register(name, avatar);
  }

  /**
   * Links this (new) device to an account on another device, from the one-time link that
   * device shows. Resolves once certified and started; the self doc then syncs contacts
   * and conversations, and each conversation's history follows from any member.
   */
  linkThisDevice(link: string, onCode?: (code: string) => void): Promise<Account> {
    return this.startup.link(link, onCode);
  }

  /**
   * Changes the display name and/or avatar (a resized data: URL; null removes it) from now
   * on: on every device of this user and in every conversation. Earlier messages keep the
   * name they were sent with. Bad input throws a ClientError and changes nothing.
   */
  changeProfile(change: ProfileChange): Promise<void> {
    return this.profile.change(change);
  }

  /** Every conversation has loaded (tests and shutdown). */
  whenAllLoaded(): Promise<void> {
    return this.startup.whenAllLoaded();
  }

  /** Whether the user shares read receipts, and so sees others' (Signal's rule). */
  get readReceipts(): boolean {
    return this.s.state.self?.readReceipts() ?? true;
  }

  async setReadReceipts(on: boolean): Promise<void> {
    await this.s.state.self?.setReadReceipts(on);
    this.s.changed();
  }

  // ── Devices ──────────────────────────────────────────────────────────────

  /** Shows a one-time link another device can open to join this account. */
  offerDeviceLink(): Promise<DeviceLinkOffer> {
    return this.s.myDevices.offerLink();
  }

  /** This user's devices, from the self doc they all share. */
  devices(): DeviceInfo[] {
    return this.s.myDevices.list();
  }

  /** Names one of this user's devices. */
  async renameDevice(device: DeviceId, name: string): Promise<void> {
    await this.s.myDevices.rename(device, name);
    this.s.changed();
  }

  /** Another device of this user removed this one: it no longer sends or receives. */
  get deviceRemoved(): boolean {
    return this.s.myDevices.thisDeviceRemoved;
  }

  /**
   * Renews certificates that are due now (docs/architecture.md §4.8): this device's, and,
   * on the device holding the identity key, those its other devices asked for. Runs by
   * itself at start, hourly and when the self doc changes; tests that move a fake clock
   * call it.
   */
  renewCertificates(): Promise<void> {
    return this.s.renewal.checkNow();
  }

  /** Removes a device everywhere: peers stop accepting it. */
  async revokeDevice(device: DeviceId): Promise<void> {
    await this.s.myDevices.revoke(device);
    this.s.changed();
  }

  // ── Conversations ────────────────────────────────────────────────────────

  /** Every conversation on this device and where it is in its lifecycle. */
  get conversations(): ConversationRegistry {
    return this.s.conversations;
  }

  /** A new group, with this user as its admin and a first invite (7 days). */
  createConversation(title = ''): Promise<ConversationSession> {
    return this.actions.create(title);
  }

  /**
   * Starts joining a group from an invite link; follow the attempt's status ("waiting for
   * approval"). Rejects with InvalidInviteError for text that is not an invite, and with
   * ClientError 'joins-unavailable' when the code that asks cannot load. Nothing is stored
   * unless a member grants the request.
   */
  startJoin(link: string): Promise<JoinAttempt> {
    return this.actions.startJoin(link);
  }

  /**
   * The conversation on this device that an invite link belongs to (its document holds the
   * invite's record), or null. Throws InvalidInviteError for text that is not an invite.
   */
  inviteTopic(link: string): Promise<Topic | null> {
    return this.actions.inviteTopic(link);
  }

  /** Joins from an invite link and resolves once a member let this device in. */
  join(link: string): Promise<ConversationSession> {
    return this.actions.join(link);
  }

  /** Joins under way. */
  joining(): JoinAttempt[] {
    return this.s.joins.list();
  }

  /** The 1:1 conversation with an identity: its secret comes from X25519 between us. */
  openDirect(peer: PublicIdentity): Promise<ConversationSession> {
    return this.actions.openDirect(peer);
  }

  get(id: Topic): ConversationSession | undefined {
    return this.s.conversations.get(id);
  }

  /** The open 1:1 conversation with an identity, if any. */
  directWith(identity: IdentityId): ConversationSession | undefined {
    return this.actions.directWith(identity);
  }

  /** Archives (or brings back) a conversation on this device; a new message brings it back. */
  archive(id: Topic, archived = true): Promise<void> {
    return this.s.shelf.archive(id, archived);
  }

  /**
   * Deletes a conversation's history and keys from this device, leaving the group first if
   * this user is still a member. The user's other devices keep it.
   */
  deleteConversation(id: Topic): Promise<void> {
    return this.s.shelf.delete(id);
  }

  list(): ConversationSummary[] {
    return summarize(this.s.conversations.sessions(), (identity) => this.contact(identity), (id) => this.s.reads.unread(id));
  }

  /**
   * How far the user has read a conversation (a message time): the self doc's marker, or
   * this page's synchronous copy when that is ahead (a marker set as the page closed, whose
   * self-doc write did not finish).
   */
  readUpTo(topic: Topic): number {
    return this.s.reads.readUpTo(topic);
  }

  /**
   * The conversation the user is looking at (null: none, or the page is hidden). It counts as
   * read, on every device of this user.
   */
  viewing(topic: Topic | null): void {
    if (!this.s.reads.view(topic)) return;
    if (topic) this.s.conversations.get(topic)?.noteReceived(true);
    this.s.changed();
  }

  /**
   * Whether someone is online in a conversation, and when they were last seen: a live
   * connection to one of their devices counts as online even if the server has not said so.
   */
  presenceOf(topic: Topic, identity: IdentityId): { online: boolean; lastSeen: number | null } {
    return this.s.memberPresence.of(this.s.conversations.get(topic), topic, identity);
  }

  // ── Network ──────────────────────────────────────────────────────────────

  /** The browser reports the network is back: retry everything that waited. */
  networkOnline(): void {
    this.s.mailboxes.online();
  }

  /** Mailbox id and token of every conversation, for the push subscription. */
  mailboxCredentials(): Array<{ id: string; token: string }> {
    return this.s.mailboxes.credentials();
  }

  /** Pulls every conversation's mailbox and pushes pending writes (network back, push wake-up). */
  syncMailboxes(only?: (session: ConversationSession) => boolean): Promise<void> {
    return this.s.mailboxes.sync(only);
  }

  override async destroy(): Promise<void> {
    await destroyServices(this.s);
    super.destroy();
  }
}
