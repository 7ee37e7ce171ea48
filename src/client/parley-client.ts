/**
 * The application service the UI talks to: the account, the conversation list, creating
 * and joining conversations, contacts. It composes storage and the sync engine; it owns no
 * DOM.
 */
import { ObservableV2 } from 'lib0/observable';
import { fromBase64Url, toBase64Url, utf8 } from '../core/bytes.js';
import { MAX_NAME } from '../core/events.js';
import type { DeviceId, Topic } from '../core/ids.js';
import { derivePairSecret } from '../core/identity/pairwise.js';
import { signBytes, type IdentityId, type PublicIdentity } from '../core/identity/keys.js';
import { deriveConversationKeys } from '../core/keys.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { readInvite } from '../core/invite-note.js';
import { PresenceClient } from '../net/presence-client.js';
import { DeviceRegistration } from '../net/registration.js';
import type { SignalingStatus } from '../net/signaling-client.js';
import type { Account } from '../store/types.js';
import { createAccount, createDeviceDh } from './account.js';
import { ContactBook } from './contact-book.js';
import type { KnownContact } from './conversation/member-view.js';
import { summarize, type ConversationSummary } from './conversation-list.js';
import { ConversationOpener } from './conversation-opener.js';
import { ConversationPresence } from './conversation-presence.js';
import type { ConversationRegistry } from './conversation-registry.js';
import type { ConversationSession } from './conversation-session.js';
import { requestDeviceLink, type DeviceLinkOffer } from './device-link.js';
import { ClientError } from './errors.js';
import { InviteDesk } from './invite-desk.js';
import { inviteIdOf } from './conversation/membership.js';
import { parseInvite } from '../core/invite.js';
import type { JoinAttempt } from './join-attempt.js';
import { Joins } from './joins.js';
import { KeyHandoff } from './key-handoff.js';
import { Mailboxes } from './mailboxes.js';
import { MyDevices, type DeviceInfo } from './my-devices.js';
import { ReadMarkers } from './read-markers.js';
import { SelfSession } from './self-session.js';
import type { ClientEvents, ClientParts } from './client-parts.js';

export type { ConversationSummary } from './conversation-list.js';
export type { DeviceInfo } from './my-devices.js';
export type { ClientEvents, ClientParts } from './client-parts.js';

const SELF_DOC = 'self';

export class ParleyClient extends ObservableV2<ClientEvents> {
  private me: Account | null = null;
  /** True once the self doc and contacts are up; until then the UI treats the user as signing in. */
  private started = false;
  private selfSession: SelfSession | null = null;
  private book: ContactBook | null = null;
  private readonly opener: ConversationOpener;
  /** Answers join requests on the invites of groups this user is in. */
  private readonly desk: InviteDesk;
  private readonly handoff: KeyHandoff;
  /** Invites this device is using to join a group, until granted or refused. */
  private readonly joins: Joins;
  private readonly now: () => number;
  private readonly logger: Logger;
  /** Proves this device's key to the server on every connection. */
  readonly registration: DeviceRegistration;
  /** Online / last-seen by opaque ids. */
  readonly presence: PresenceClient;
  /** Every conversation's mailbox: live notices, catching up when the network returns. */
  private readonly mailboxes: Mailboxes;
  private readonly memberPresence: ConversationPresence;
  private readonly myDevices: MyDevices;
  private backgroundOpening: Promise<void> | null = null;
  private readonly reads = new ReadMarkers({
    self: () => this.selfSession,
    session: (topic) => this.conversations.get(topic),
    onError: (error) => this.emit('error', [error]),
  });

  constructor(private readonly parts: ClientParts) {
    super();
    this.now = parts.now ?? Date.now;
    this.logger = parts.logger ?? silentLogger;
    this.opener = new ConversationOpener({
      account: () => this.requireAccount(),
      self: () => this.selfSession,
      conversations: parts.conversations,
      outbox: parts.outbox,
      docs: parts.docs,
      mesh: parts.mesh,
      ...(parts.tabs ? { tabs: parts.tabs } : {}),
      verifyKeys: parts.verifyKeys,
      appUrl: parts.appUrl,
      ...(parts.mailbox ? { mailbox: parts.mailbox } : {}),
      now: this.now,
      logger: this.logger,
      isBlocked: (identity) => this.book?.isBlocked(identity) ?? false,
      contactOf: (identity) => this.knownContact(identity),
      isVerified: (identity) => this.book?.get(identity)?.verified ?? false,
      isRevoked: (device) => this.myDevices.isRevoked(device),
      deviceRemoved: () => this.myDevices.thisDeviceRemoved,
      wire: (session) => this.wire(session),
      handedOver: async (conversation, epoch) => (await this.handoff.received(conversation, epoch))?.secret ?? null,
    });
    this.desk = new InviteDesk({
      signaling: parts.signaling,
      verifyKeys: parts.verifyKeys,
      account: () => this.me,
      sessions: () => this.conversations.sessions(),
      session: (id) => this.conversations.get(id),
      isRevoked: (device) => this.myDevices.isRevoked(device),
      now: this.now,
      logger: this.logger,
    });
    this.joins = new Joins({
      account: () => this.requireAccount(),
      signaling: parts.signaling,
      now: this.now,
      logger: this.logger,
      accept: async (grant) => {
        const epoch = { id: grant.epoch, n: grant.n, secret: toBase64Url(grant.secret), since: this.now() };
        await this.opener.adopt(grant.conversation, epoch, { title: grant.title, kind: 'group', genesis: 'explicit' });
      },
      changed: () => this.emit('changed', []),
    });
    this.handoff = new KeyHandoff({
      account: () => this.me,
      self: () => this.selfSession,
      sessions: () => this.conversations.sessions(),
      logger: this.logger,
    });
    this.conversations.on('changed', () => {
      this.desk.refresh();
      this.handoff.refresh();
      this.memberPresence.refresh();
      this.mailboxes.refresh();
      this.emit('changed', []);
    });
    this.mailboxes = new Mailboxes(parts.signaling, () => this.conversations.sessions());
    parts.signaling.on('status', this.onStatus);
    this.registration = new DeviceRegistration(parts.signaling, () => {
      const device = this.me?.device;
      return device ? { key: device.public, sign: (text) => signBytes(device.signPrivate, utf8(text)) } : null;
    }, this.logger);
    this.registration.on('registered', () => this.emit('changed', []));
    this.presence = new PresenceClient(parts.signaling);
    this.presence.on('changed', () => this.emit('changed', []));
    this.memberPresence = new ConversationPresence({
      presence: this.presence,
      sessions: () => this.conversations.sessions(),
      me: () => this.me?.identity.sign ?? null,
    });
    this.myDevices = new MyDevices({
      account: () => this.me,
      self: () => this.selfSession,
      sessions: () => this.conversations.sessions(),
      mesh: parts.mesh,
      signaling: parts.signaling,
      appUrl: parts.appUrl,
      now: this.now,
    });
  }

  /**
   * Whether someone is online in a conversation, and when they were last seen: a live
   * connection to one of their devices counts as online even if the server has not said so.
   */
  presenceOf(topic: Topic, identity: IdentityId): { online: boolean; lastSeen: number | null } {
    return this.memberPresence.of(this.conversations.get(topic), topic, identity);
  }

  /** Every conversation on this device and where it is in its lifecycle. */
  get conversations(): ConversationRegistry {
    return this.opener.registry;
  }

  /** The account, once everything that depends on it has started. */
  get account(): Account | null {
    return this.started ? this.me : null;
  }

  /** The account as soon as it exists: peers may connect while start-up is still running. */
  get deviceAccount(): Account | null {
    return this.me;
  }

  get contacts(): ContactBook {
    if (!this.book) throw new ClientError('not-registered');
    return this.book;
  }

  get self(): SelfSession | null {
    return this.selfSession;
  }

  get connection(): SignalingStatus {
    return this.parts.signaling.status;
  }

  /** Loads the account and opens the self doc and every stored conversation. */
  async start(): Promise<void> {
    let account = await this.parts.accounts.get();
    if (!account) return;
    // Accounts from before epochs get this device's X25519 key now.
    if (!account.dh?.length) {
      account = { ...account, dh: [await createDeviceDh(this.now())] };
      await this.parts.accounts.put(account);
    }
    this.me = account;
    await this.startAccount();
  }

  async register(name: string, avatar?: string): Promise<Account> {
    const clean = name.trim();
    if (clean.length === 0) throw new ClientError('name-empty');
    if (clean.length > MAX_NAME) throw new ClientError('name-too-long', { detail: { max: MAX_NAME } });
    if (this.me) return this.me;
    return this.adoptAccount(await createAccount(clean, this.now(), avatar));
  }

  /**
   * Links this (new) device to an account on another device, from the one-time link that
   * device shows. Resolves once certified and started; the self doc then syncs contacts
   * and conversations, and each conversation's history follows from any member.
   */
  async linkThisDevice(link: string, onCode?: (code: string) => void): Promise<Account> {
    if (this.me) throw new ClientError('already-registered');
    return this.adoptAccount(await requestDeviceLink(link, this.parts.signaling, this.parts.verifyKeys, this.parts.deviceLabel ?? 'Linked device', this.now, onCode));
  }

  /** Saves a new account for this device (labelled) and starts everything that needs it. */
  private async adoptAccount(made: Account): Promise<Account> {
    const account = { ...made, ...(this.parts.deviceLabel ? { label: this.parts.deviceLabel } : {}), ...(this.parts.bot ? { bot: true } : {}) };
    try {
      await this.parts.accounts.put(account);
    } catch (cause) {
      throw new ClientError('storage-failed', { cause, detail: { what: 'account' } });
    }
    this.me = account;
    await this.startAccount();
    return account;
  }

  /** Shows a one-time link another device can open to join this account. */
  offerDeviceLink(): Promise<DeviceLinkOffer> {
    return this.myDevices.offerLink();
  }

  /** This user's devices, from the self doc they all share. */
  devices(): DeviceInfo[] {
    return this.myDevices.list();
  }

  /** Names one of this user's devices. */
  async renameDevice(device: DeviceId, name: string): Promise<void> {
    await this.myDevices.rename(device, name);
    this.emit('changed', []);
  }

  /** Another device of this user removed this one: it no longer sends or receives. */
  get deviceRemoved(): boolean {
    return this.myDevices.thisDeviceRemoved;
  }

  /** Removes a device everywhere: peers stop accepting it. */
  async revokeDevice(device: DeviceId): Promise<void> {
    await this.myDevices.revoke(device);
    this.emit('changed', []);
  }

  /** A new group, with this user as its admin and a first invite (7 days). */
  async createConversation(title = ''): Promise<ConversationSession> {
    this.requireAccount();
    return this.opener.createGroup(title);
  }

  /**
   * Starts joining a group from an invite link; follow the attempt's status ("waiting for
   * approval"). Throws InvalidInviteError for text that is not an invite. Nothing is stored
   * unless a member grants the request.
   */
  startJoin(link: string): JoinAttempt {
    this.requireAccount();
    return this.joins.start(link);
  }

  /**
   * The conversation on this device that an invite link belongs to (its document holds the
   * invite's record), or null. Throws InvalidInviteError for text that is not an invite.
   */
  async inviteTopic(link: string): Promise<Topic | null> {
    const id = await inviteIdOf(parseInvite(link).secret);
    const has = (s: ConversationSession): boolean => s.membership.invites().some((i) => i.id === id);
    const sessions = this.conversations.sessions();
    for (const s of sessions) if (s.ready && has(s)) return s.id;
    // The record is in the document: conversations not loaded yet are loaded to look.
    for (const s of sessions) if (!s.ready && has(await this.conversations.load(s.id))) return s.id;
    return null;
  }

  /** Joins from an invite link and resolves once a member let this device in. */
  async join(link: string): Promise<ConversationSession> {
    // A link whose sealed inviter name does not open under its secret was altered: it is
    // refused (InvalidInviteError 'invite-wrong-secret') before any request is made.
    await readInvite(link);
    const grant = await this.startJoin(link).done;
    return this.conversations.load(grant.conversation);
  }

  /** Joins under way. */
  joining(): JoinAttempt[] {
    return this.joins.list();
  }

  /** The 1:1 conversation with an identity: its secret comes from X25519 between us. */
  async openDirect(peer: PublicIdentity): Promise<ConversationSession> {
    const account = this.requireAccount();
    if (!account.identityKeys) throw new ClientError('needs-first-device', { detail: { action: 'add-contact' } });
    const secret = await derivePairSecret({ public: account.identity, ...account.identityKeys }, peer);
    return this.opener.adoptSecret(secret, { title: '', kind: 'direct', peer: peer.sign });
  }

  get(id: Topic): ConversationSession | undefined {
    return this.conversations.get(id);
  }

  /** The open 1:1 conversation with an identity, if any. */
  directWith(identity: IdentityId): ConversationSession | undefined {
    for (const s of this.conversations.sessions()) if (s.isDirect && s.record.peer === identity) return s;
    return undefined;
  }

  list(): ConversationSummary[] {
    return summarize(this.conversations.sessions(), (identity) => this.book?.get(identity) ?? null, (id) => this.reads.unread(id));
  }

  /**
   * The conversation the user is looking at (null: none, or the page is hidden). It counts as
   * read, on every device of this user.
   */
  viewing(topic: Topic | null): void {
    if (this.reads.view(topic)) this.emit('changed', []);
  }

  override async destroy(): Promise<void> {
    this.reads.destroy();
    this.parts.signaling.off('status', this.onStatus);
    this.registration.destroy();
    this.memberPresence.destroy();
    this.presence.destroy();
    this.mailboxes.destroy();
    this.book?.destroy();
    this.desk.destroy();
    this.handoff.destroy();
    this.joins.destroy();
    await this.conversations.destroy();
    if (this.selfSession) this.opener.detach(this.selfSession.keys.topic);
    await this.selfSession?.destroy();
    super.destroy();
  }

  private requireAccount(): Account {
    if (!this.me) throw new ClientError('not-registered');
    return this.me;
  }

  private readonly onStatus = (): void => this.emit('changed', []);

  /** The browser reports the network is back: retry everything that waited. */
  networkOnline(): void {
    this.mailboxes.online();
  }

  /** Mailbox id and token of every conversation, for the push subscription. */
  mailboxCredentials(): Array<{ id: string; token: string }> {
    return this.mailboxes.credentials();
  }

  /** Pulls every conversation's mailbox and pushes pending writes (network back, push wake-up). */
  syncMailboxes(only?: (session: ConversationSession) => boolean): Promise<void> {
    return this.mailboxes.sync(only);
  }

  private async startAccount(): Promise<void> {
    const account = this.requireAccount();
    const selfKeys = await deriveConversationKeys(fromBase64Url(account.selfSecret)!);
    const self = new SelfSession(selfKeys, account, this.parts.verifyKeys, this.now);
    this.selfSession = self;
    await self.open(this.parts.docs.open(SELF_DOC, self.synced.doc), (s) => this.opener.attach(selfKeys.topic, selfKeys, s.synced.doc, s.awareness, s.synced.policy));
    const book = new ContactBook({
      account,
      self,
      signaling: this.parts.signaling,
      verifyKeys: this.parts.verifyKeys,
      appUrl: this.parts.appUrl,
      now: this.now,
      openDirect: (peer) => this.openDirect(peer),
      hasJoined: (identity) => this.hasJoined(identity),
      logger: this.logger,
    });
    this.book = book;
    book.on('changed', () => {
      // A contact's name or verification may have changed how members are told apart.
      for (const s of this.conversations.sessions()) s.members.forgetLabels();
      this.emit('changed', []);
    });
    book.on('blocked', (identity) => {
      if (book.isBlocked(identity)) this.parts.mesh.disconnectIdentity(identity);
      for (const s of this.conversations.sessions()) s.refilter();
    });
    self.on('changed', () => {
      void this.adoptFromSelf();
      this.handoff.refresh();
      // Read markers from the user's other devices change unread counts.
      this.emit('changed', []);
    });
    await this.openAll();
    await book.start();
    this.desk.start();
    this.started = true;
    this.registration.start();
    this.emit('changed', []);
  }

  private hasJoined(identity: IdentityId): boolean {
    const session = this.directWith(identity);
    if (!session) return false;
    for (const [, member] of session.synced.directory.members()) if (member.cert.identity.sign === identity) return true;
    return false;
  }

  /**
   * Opens every stored conversation: all of them appear at once with their cached newest
   * messages, and their documents load one after another in the background, newest first,
   * so the app does not wait for a long history before it is usable.
   */
  private async openAll(): Promise<void> {
    const created = await this.opener.registerStored();
    this.backgroundOpening = (async () => {
      for (const session of created) {
        // Let the page paint between heavy document loads.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (this.conversations.get(session.id) !== session) continue;
        await this.conversations.load(session.id).catch((error) => this.emit('error', [error as Error]));
      }
      await this.adoptFromSelf();
    })();
  }

  /** Every conversation has loaded (tests and shutdown). */
  async whenAllLoaded(): Promise<void> {
    await this.backgroundOpening;
  }

  /**
   * Conversations another device of this user added reach this one through the self doc:
   * 1:1 chats and older groups by their secret, groups with epochs by a key handoff.
   */
  private async adoptFromSelf(): Promise<void> {
    const self = this.selfSession;
    if (self) await this.opener.adoptFromSelf(self, (id) => this.handoff.received(id)).catch((error) => this.emit('error', [error as Error]));
  }

  /** A stored contact (not a request waiting for an answer), as conversations need it. */
  private knownContact(identity: IdentityId): KnownContact | null {
    const contact = this.book?.get(identity);
    return contact && contact.state !== 'incoming' ? { name: contact.name, verified: contact.verified } : null;
  }

  /** Wires a new session's events to the client. */
  private wire(session: ConversationSession): void {
    session.on('error', (error) => this.emit('error', [error]));
    // Starts at the cached newest message, so loading the document is not news either.
    let newest: string | null = session.timeline.last()?.id ?? null;
    session.on('preview', (entry) => {
      this.opener.savePreview(session, entry);
      this.emit('changed', []);
      this.reads.shown(session.id);
      // An edit or reaction on the newest message changes its preview, but nothing arrived.
      if (entry.id === newest) return;
      newest = entry.id;
      this.emit('arrived', [session.id, entry, session.isMine(entry.author)]);
    });
    session.on('rekeyed', () => {
      // A new epoch has a new mailbox: live notices must follow it.
      this.mailboxes.refresh();
      this.memberPresence.refresh();
      this.handoff.refresh();
      this.emit('changed', []);
    });
    session.on('ended', () => this.emit('changed', []));
    void session.loaded.then(() => this.myDevices.carryRevocations(session)).catch((error: unknown) => this.emit('error', [error as Error]));
    session.membership.onChange(() => {
      this.desk.refresh();
      this.handoff.refresh();
    });
    session.synced.directory.onChange(() => {
      this.memberPresence.refresh();
      this.emit('changed', []);
    });
  }

}
