/**
 * The application service the UI talks to: the account, the conversation list, creating
 * and joining conversations, contacts. It composes storage and the sync engine; it owns no
 * DOM.
 */
import { ObservableV2 } from 'lib0/observable';
import { fromBase64Url, randomBytes } from '../core/bytes.js';
import { MAX_NAME } from '../core/events.js';
import type { Topic } from '../core/ids.js';
import { derivePairSecret } from '../core/identity/pairwise.js';
import type { IdentityId, PublicIdentity, VerifyKeyCache } from '../core/identity/keys.js';
import { parseInvite } from '../core/invite.js';
import { deriveConversationKeys, SECRET_BYTES, type ConversationKeys } from '../core/keys.js';
import type { TimelineEntry } from '../core/timeline.js';
import type { Mesh } from '../net/mesh.js';
import type { RoomPolicy } from '../net/policy.js';
import type { RoomSync } from '../net/room-sync.js';
import type { TabSync } from '../net/tab-sync.js';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { DeviceRegistration } from '../net/registration.js';
import { MailboxWatch } from '../net/mailbox-watch.js';
import { PresenceClient } from '../net/presence-client.js';
import { signBytes } from '../core/identity/keys.js';
import { utf8 } from '../core/bytes.js';
import type { SignalingClient, SignalingStatus } from '../net/signaling-client.js';
import type { Account, AccountStore, ConversationRecord, ConversationStore, DocStore, OutboxStore } from '../store/types.js';
import { createAccount } from './account.js';
import { ContactBook } from './contact-book.js';
import { ConversationSession, recordSecret, secretOf, type MailboxParts } from './conversation-session.js';
import type { KnownContact } from './conversation/member-view.js';
import { ConversationRegistry } from './conversation-registry.js';
import { ConversationPresence } from './conversation-presence.js';
import { ClientError } from './errors.js';
import { SelfSession } from './self-session.js';
import { ReadMarkers } from './read-markers.js';
import { requestDeviceLink, type DeviceLinkOffer } from './device-link.js';
import type { DeviceId } from '../core/ids.js';
import { MyDevices, type DeviceInfo } from './my-devices.js';
import { errorField, silentLogger, type Logger } from '../core/logger.js';

export type { DeviceInfo } from './my-devices.js';

export interface ClientParts {
  readonly accounts: AccountStore;
  readonly conversations: ConversationStore;
  readonly outbox: OutboxStore;
  readonly docs: DocStore;
  readonly signaling: SignalingClient;
  readonly mesh: Mesh;
  /** Other tabs of this browser profile; every document syncs with them too. */
  readonly tabs?: TabSync | null;
  readonly verifyKeys: VerifyKeyCache;
  /** Base URL invite and contact links point at. */
  readonly appUrl: string;
  /** How this device appears in the user's device list, e.g. "Chrome on Linux". */
  readonly deviceLabel?: string;
  /** Accounts made here are programs (bots): their member records carry the bot flag. */
  readonly bot?: boolean;
  /** The blind mailbox for offline members (omitted by tests that do not need it). */
  readonly mailbox?: MailboxParts;
  readonly now?: () => number;
  readonly logger?: Logger;
}

export type ClientEvents = {
  /** Account, the conversation list, contacts or the connection changed. */
  changed: () => void;
  /** Something failed that the user should hear about. */
  error: (error: Error) => void;
  /** A new message became the newest in a conversation. */
  arrived: (topic: Topic, entry: TimelineEntry, mine: boolean) => void;
};

export interface ConversationSummary {
  readonly id: Topic;
  readonly title: string;
  readonly direct: boolean;
  readonly verified: boolean;
  readonly lastText: string;
  readonly lastAuthor: string;
  /** The newest message was written by this user (the list says "You: …"). */
  readonly lastMine: boolean;
  readonly lastAt: number;
  /** Messages from others since the user last read it, on any of their devices (capped at 100). */
  readonly unread: number;
}

const PREVIEW_CHARS = 120;
const SELF_DOC = 'self';

export class ParleyClient extends ObservableV2<ClientEvents> {
  private me: Account | null = null;
  /** True once the self doc and contacts are up; until then the UI treats the user as signing in. */
  private started = false;
  private selfSession: SelfSession | null = null;
  private book: ContactBook | null = null;
  /** Every conversation on this device and where it is in its lifecycle. */
  readonly conversations: ConversationRegistry;
  private readonly now: () => number;
  private readonly logger: Logger;
  /** Proves this device's key to the server on every connection. */
  readonly registration: DeviceRegistration;
  /** Online / last-seen by opaque ids. */
  readonly presence: PresenceClient;
  /** Live notices of new mailbox entries, one watch per conversation mailbox. */
  private readonly mailboxWatch: MailboxWatch;
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
    this.conversations = new ConversationRegistry({
      create: (record, keys) => this.createSession(record, keys),
      load: (session) => this.loadSession(session),
      close: async (session) => {
        this.detachDoc(session.id);
        await session.destroy();
      },
      erase: (id) => this.erase(id),
    });
    this.conversations.on('changed', () => {
      this.memberPresence.refresh();
      this.mailboxWatch.set(this.mailboxCredentials());
      this.emit('changed', []);
    });
    this.mailboxWatch = new MailboxWatch(parts.signaling).start();
    // An entry was appended to a conversation's mailbox: catch up now, not at the next round.
    this.mailboxWatch.on('notice', (id, seq) => {
      for (const s of this.conversations.sessions()) if (s.mailboxCredential?.id === id) s.mailbox?.noticed(seq);
    });
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
    this.me = await this.parts.accounts.get();
    if (!this.me) return;
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

  /** Removes a device everywhere: peers stop accepting it. */
  async revokeDevice(device: DeviceId): Promise<void> {
    await this.myDevices.revoke(device);
    this.emit('changed', []);
  }

  async createConversation(title = ''): Promise<ConversationSession> {
    return this.adopt(randomBytes(SECRET_BYTES), { title, kind: 'group' });
  }

  /** The conversation an invite link opens (throws, like `join`, on a damaged link). */
  async inviteTopic(invite: string): Promise<Topic> {
    return (await deriveConversationKeys(parseInvite(invite))).topic;
  }

  /** Joins from an invite link or its fragment; throws InvalidInviteError for bad text. */
  async join(invite: string): Promise<ConversationSession> {
    return this.adopt(parseInvite(invite), { title: '', kind: 'group' });
  }

  /** The 1:1 conversation with an identity: its secret comes from X25519 between us. */
  async openDirect(peer: PublicIdentity): Promise<ConversationSession> {
    const account = this.requireAccount();
    if (!account.identityKeys) throw new ClientError('needs-first-device', { detail: { action: 'add-contact' } });
    const secret = await derivePairSecret({ public: account.identity, ...account.identityKeys }, peer);
    return this.adopt(secret, { title: '', kind: 'direct', peer: peer.sign });
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
    const out: ConversationSummary[] = [];
    for (const s of this.conversations.sessions()) {
      const contact = s.isDirect && s.record.peer ? this.book?.get(s.record.peer as IdentityId) : null;
      if (contact?.state === 'blocked') continue;
      out.push({
        id: s.id,
        title: contact ? contact.name : s.title,
        direct: s.isDirect,
        verified: contact?.verified ?? false,
        lastText: s.record.lastText ?? '',
        lastAuthor: s.record.lastAuthor ?? '',
        lastMine: newestMessageIsMine(s),
        lastAt: s.record.lastAt ?? s.record.createdAt,
        unread: this.reads.unread(s.id),
      });
    }
    return out.sort((a, b) => b.lastAt - a.lastAt);
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
    this.mailboxWatch.destroy();
    this.book?.destroy();
    await this.conversations.destroy();
    if (this.selfSession) this.detachDoc(this.selfSession.keys.topic);
    await this.selfSession?.destroy();
    super.destroy();
  }

  private requireAccount(): Account {
    if (!this.me) throw new ClientError('not-registered');
    return this.me;
  }

  private readonly onStatus = (status: string): void => {
    // Back online: catch up with every mailbox and deliver what waited.
    if (status === 'connected') void this.syncMailboxes();
    this.emit('changed', []);
  };

  /** The browser reports the network is back: retry everything that waited. */
  networkOnline(): void {
    this.parts.signaling.reconnectNow();
    for (const s of this.conversations.sessions()) s.mailbox?.online();
  }

  /** Mailbox id and token of every conversation, for the push subscription. */
  mailboxCredentials(): Array<{ id: string; token: string }> {
    return this.conversations.sessions().flatMap((s) => (s.mailboxCredential ? [s.mailboxCredential] : []));
  }

  /** Pulls every conversation's mailbox and pushes pending writes (network back, push wake-up). */
  async syncMailboxes(only?: (session: ConversationSession) => boolean): Promise<void> {
    await Promise.all(this.conversations.sessions().filter((s) => !only || only(s)).map((s) => s.mailbox?.sync()));
  }

  private async startAccount(): Promise<void> {
    const account = this.requireAccount();
    const selfKeys = await deriveConversationKeys(fromBase64Url(account.selfSecret)!);
    const self = new SelfSession(selfKeys, account, this.parts.verifyKeys, this.now);
    this.selfSession = self;
    await self.open(this.parts.docs.open(SELF_DOC, self.synced.doc), (s) => this.attachDoc(selfKeys.topic, selfKeys, s.synced.doc, s.awareness, s.synced.policy));
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
      // Read markers from the user's other devices change unread counts.
      this.emit('changed', []);
    });
    await this.openAll();
    await book.start();
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
    const records = await this.parts.conversations.list();
    records.sort((a, b) => (b.lastAt ?? b.createdAt) - (a.lastAt ?? a.createdAt));
    const keys = await Promise.all(records.map((r) => deriveConversationKeys(secretOf(r))));
    const created = records.map((r, i) => this.conversations.add(r, keys[i]!));
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

  /** Conversations another device of this user added reach this one through the self doc. */
  private async adoptFromSelf(): Promise<void> {
    const self = this.selfSession;
    if (!self) return;
    for (const entry of self.conversations()) {
      const secret = fromBase64Url(entry.secret);
      if (!secret || secret.length !== SECRET_BYTES) continue;
      await this.adopt(secret, { title: entry.title, kind: entry.kind, ...(entry.peer ? { peer: entry.peer } : {}) }).catch((error) =>
        this.emit('error', [error as Error]),
      );
    }
  }

  /**
   * Makes a conversation from its secret known on this device (stored, registered, loaded
   * and listed in the self doc); a conversation already here is returned as it is.
   */
  private async adopt(secret: Uint8Array, shape: Pick<ConversationRecord, 'title' | 'kind' | 'peer'>): Promise<ConversationSession> {
    this.requireAccount();
    const keys = await deriveConversationKeys(secret);
    if (this.conversations.has(keys.topic)) return this.conversations.load(keys.topic);
    const record: ConversationRecord = { id: keys.topic, secret: recordSecret(secret), createdAt: this.now(), ...shape };
    try {
      await this.parts.conversations.put(record);
    } catch (cause) {
      throw new ClientError('storage-failed', { cause, detail: { what: 'conversation' } });
    }
    // Another adopt of the same secret may have registered it while the record was saved.
    const session = await this.conversations.load(this.conversations.add(record, keys).id);
    await this.selfSession?.setConversation(record.id, {
      secret: record.secret,
      title: record.title,
      kind: record.kind ?? 'group',
      ...(record.peer ? { peer: record.peer as IdentityId } : {}),
    });
    return session;
  }

  /** A stored contact (not a request waiting for an answer), as conversations need it. */
  private knownContact(identity: IdentityId): KnownContact | null {
    const contact = this.book?.get(identity);
    return contact && contact.state !== 'incoming' ? { name: contact.name, verified: contact.verified } : null;
  }

  /** Makes a session and wires it to the client; its document is not loaded yet. */
  private createSession(record: ConversationRecord, keys: ConversationKeys): ConversationSession {
    const account = this.requireAccount();
    const session = new ConversationSession({
      record,
      keys,
      account,
      outbox: this.parts.outbox,
      verifyKeys: this.parts.verifyKeys,
      appUrl: this.parts.appUrl,
      now: this.now,
      logger: this.logger,
      isBlocked: (identity) => this.book?.isBlocked(identity) ?? false,
      contactOf: (identity) => this.knownContact(identity),
      ...(this.parts.mailbox ? { mailbox: this.parts.mailbox } : {}),
    });
    session.on('error', (error) => this.emit('error', [error]));
    // Starts at the cached newest message, so loading the document is not news either.
    let newest: string | null = session.timeline.last()?.id ?? null;
    session.on('preview', (entry) => {
      this.savePreview(session, entry);
      this.reads.shown(session.id);
      // An edit or reaction on the newest message changes its preview, but nothing arrived.
      if (entry.id === newest) return;
      newest = entry.id;
      this.emit('arrived', [session.id, entry, session.isMine(entry.author)]);
    });
    session.synced.directory.onChange(() => {
      this.memberPresence.refresh();
      this.emit('changed', []);
    });
    return session;
  }

  /** Loads a session's stored document and starts syncing it. */
  private async loadSession(session: ConversationSession): Promise<void> {
    await session.open(this.parts.docs.open(session.id, session.doc), (s) => this.attachDoc(s.id, s.keys, s.doc, s.awareness, s.synced.policy));
  }

  /**
   * Starts syncing a document with peers (the mesh, under a stable room id) and with this
   * profile's other tabs, composed side by side.
   */
  private attachDoc(id: string, keys: ConversationKeys, doc: Y.Doc, awareness: Awareness, policy: RoomPolicy): RoomSync {
    // Other tabs' updates are authorized like a peer's (docs/architecture.md §8.3).
    this.parts.tabs?.add(id, doc, policy);
    return this.parts.mesh.addRoom(id, keys, doc, awareness, policy);
  }

  private detachDoc(id: string): void {
    this.parts.tabs?.remove(id);
    this.parts.mesh.removeRoom(id);
  }

  /** Erases a conversation's stored document, record and unsent writes from this device. */
  private async erase(id: Topic): Promise<void> {
    const pending = await this.parts.outbox.list(id);
    await Promise.all([
      this.parts.docs.clear(id),
      this.parts.conversations.remove(id),
      pending.length > 0 ? this.parts.outbox.remove(pending.map((e) => e.id)) : Promise.resolve(),
    ]);
  }

  private savePreview(session: ConversationSession, entry: TimelineEntry): void {
    if (entry.kind !== 'message') return;
    session.record = {
      ...session.record,
      lastText: entry.deleted ? 'Message deleted' : entry.text.slice(0, PREVIEW_CHARS),
      lastAuthor: session.memberName(entry.author),
      lastAt: entry.sortAt,
      recent: session.recentMessages(),
    };
    this.parts.conversations.put(session.record).catch((error) => this.logger.warn('preview not saved', { error: errorField(error) }));
    this.emit('changed', []);
  }
}

/** Whether the newest message of a conversation is this user's (any of their devices). */
function newestMessageIsMine(session: ConversationSession): boolean {
  const entries = session.timeline.entries;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.kind === 'message') return session.isMine(e.author);
  }
  return false;
}
