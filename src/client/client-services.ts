/**
 * The services a ParleyClient is made of, built and wired to each other in one place, so the
 * client itself stays a facade over what the UI may ask for. Services reach the account,
 * the self doc and the contact book through the shared ClientState, which fills in once
 * an account exists (they are created before it does).
 */
import type { ObservableV2 } from 'lib0/observable';
import { toBase64Url, utf8 } from '../core/bytes.js';
import { signBytes, type IdentityId } from '../core/identity/keys.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { PresenceClient } from '../net/presence-client.js';
import { DeviceRegistration } from '../net/registration.js';
import type { Account } from '../store/types.js';
import type { ClientEvents, ClientParts } from './client-parts.js';
import type { ContactBook } from './contact-book.js';
import type { ContactDirectory } from './contact-directory.js';
import type { KnownContact } from './conversation/member-view.js';
import { ConversationOpener } from './conversation-opener.js';
import { ConversationPresence } from './conversation-presence.js';
import type { ConversationRegistry } from './conversation-registry.js';
import type { ConversationSession } from './conversation-session.js';
import { ClientError } from './errors.js';
import { LateInviteDesk } from './late-invite-desk.js';
import { Joins } from './joins.js';
import { KeyHandoff } from './key-handoff.js';
import { CertRenewal } from './cert-renewal.js';
import { Mailboxes } from './mailboxes.js';
import { MyDevices } from './my-devices.js';
import { ReadMarkers } from './read-markers.js';
import type { SelfSession } from './self-session.js';
import { routeSessionEvents } from './session-events.js';
import { ConversationShelf } from './conversation-shelf.js';

/** What exists once the user has an account on this device; null until then. */
export interface ClientState {
  me: Account | null;
  /** True once the self doc and contacts are up; until then the UI treats the user as signing in. */
  started: boolean;
  self: SelfSession | null;
  /** The stored contacts and the contact events, from the self doc's start. */
  contacts: ContactDirectory | null;
  /** The contact book, once loaded (`AccountStartup.loadContacts`). */
  book: ContactBook | null;
}

export interface ClientServices {
  readonly parts: ClientParts;
  readonly state: ClientState;
  readonly events: ObservableV2<ClientEvents>;
  readonly now: () => number;
  readonly logger: Logger;
  readonly opener: ConversationOpener;
  /** Every conversation on this device and where it is in its lifecycle. */
  readonly conversations: ConversationRegistry;
  /** Answers join requests on the invites of groups this user is in. */
  readonly desk: LateInviteDesk;
  readonly handoff: KeyHandoff;
  /** Renews this device's certificate, and the user's other devices' when they ask. */
  readonly renewal: CertRenewal;
  /** Invites this device is using to join a group, until granted or refused. */
  readonly joins: Joins;
  /** Every conversation's mailbox: live notices, catching up when the network returns. */
  readonly mailboxes: Mailboxes;
  /** Proves this device's key to the server on every connection. */
  readonly registration: DeviceRegistration;
  /** Online / last-seen by opaque ids. */
  readonly presence: PresenceClient;
  readonly memberPresence: ConversationPresence;
  readonly myDevices: MyDevices;
  readonly reads: ReadMarkers;
  /** Archive and delete on this device. */
  readonly shelf: ConversationShelf;
  /** The account, or ClientError 'not-registered'. */
  requireAccount(): Account;
  /** Raises the client's 'changed' (also the listener on the signaling status). */
  readonly changed: () => void;
}

/** Builds the client's services; `events` is the client that raises ClientEvents. */
export function buildServices(parts: ClientParts, events: ObservableV2<ClientEvents>): ClientServices {
  const state: ClientState = { me: null, started: false, self: null, contacts: null, book: null };
  const now = parts.now ?? Date.now;
  const logger = parts.logger ?? silentLogger;
  const changed = (): void => events.emit('changed', []);
  const requireAccount = (): Account => {
    if (!state.me) throw new ClientError('not-registered');
    return state.me;
  };
  // Services refer to each other only inside callbacks, which run after all are built.
  // eslint-disable-next-line prefer-const
  let s: ClientServices;
  const sessions = (): ConversationSession[] => s.conversations.sessions();
  const opener = new ConversationOpener({
    account: requireAccount,
    self: () => state.self,
    conversations: parts.conversations,
    outbox: parts.outbox,
    docs: parts.docs,
    mesh: parts.mesh,
    ...(parts.tabs ? { tabs: parts.tabs } : {}),
    verifyKeys: parts.verifyKeys,
    appUrl: parts.appUrl,
    ...(parts.mailbox ? { mailbox: parts.mailbox } : {}),
    now,
    logger,
    isBlocked: (identity) => state.contacts?.isBlocked(identity) ?? false,
    blockDecision: (identity) => state.contacts?.blockDecision(identity) ?? null,
    sharesReads: () => state.self?.readReceipts() ?? true,
    ...(parts.receiptEveryMs !== undefined ? { receiptEveryMs: parts.receiptEveryMs } : {}),
    contactOf: (identity) => knownContact(state.contacts, identity),
    isVerified: (identity) => state.contacts?.stored(identity)?.verified ?? false,
    isRevoked: (device, identity) => s.myDevices.isRevoked(device, identity),
    deviceRemoved: () => s.myDevices.thisDeviceRemoved,
    isDeleted: (id) => s.shelf.isDeleted(id),
    restore: (id) => s.shelf.restore(id),
    ...(parts.drafts ? { drafts: parts.drafts } : {}),
    ...(parts.readMarkers ? { readMarkers: parts.readMarkers } : {}),
    erased: async (id) => s.events.emit('erased', [id]),
    wire: (session) => routeSessionEvents(session, s),
    handedOver: async (conversation, epoch) => (await s.handoff.received(conversation, epoch))?.secret ?? null,
  });
  const conversations = opener.registry;
  const registration = new DeviceRegistration(parts.signaling, () => {
    const device = state.me?.device;
    return device ? { key: device.public, sign: (text) => signBytes(device.signPrivate, utf8(text)) } : null;
  }, logger);
  registration.on('registered', changed);
  const presence = new PresenceClient(parts.signaling);
  presence.on('changed', changed);
  s = {
    parts,
    state,
    events,
    now,
    logger,
    opener,
    conversations,
    requireAccount,
    changed,
    registration,
    presence,
    desk: new LateInviteDesk({
      signaling: parts.signaling,
      verifyKeys: parts.verifyKeys,
      account: () => state.me,
      sessions,
      session: (id) => conversations.get(id),
      isRevoked: (device, identity) => s.myDevices.isRevoked(device, identity),
      now,
      logger,
    }),
    joins: new Joins({
      account: requireAccount,
      signaling: parts.signaling,
      now,
      logger,
      accept: async (grant) => {
        const epoch = { id: grant.epoch, n: grant.n, secret: toBase64Url(grant.secret), since: now() };
        await opener.adopt(grant.conversation, epoch, { title: grant.title, kind: 'group', genesis: 'explicit', ...(grant.fileRoots ? { fileRoots: grant.fileRoots } : {}) });
      },
      changed,
    }),
    handoff: new KeyHandoff({ account: () => state.me, self: () => state.self, sessions, logger }),
    renewal: new CertRenewal({
      account: () => state.me,
      self: () => state.self,
      sessions,
      accounts: parts.accounts,
      verifyKeys: parts.verifyKeys,
      now,
      logger,
      renewed: changed,
    }),
    mailboxes: new Mailboxes(parts.signaling, sessions),
    memberPresence: new ConversationPresence({ presence, sessions, me: () => state.me?.identity.sign ?? null }),
    myDevices: new MyDevices({
      account: () => state.me,
      self: () => state.self,
      sessions,
      mesh: parts.mesh,
      signaling: parts.signaling,
      appUrl: parts.appUrl,
      now,
    }),
    reads: new ReadMarkers({
      self: () => state.self,
      session: (topic) => conversations.get(topic),
      onError: (error) => events.emit('error', [error]),
      ...(parts.readMarkers ? { copy: parts.readMarkers } : {}),
    }),
    shelf: new ConversationShelf(() => s),
  };
  conversations.on('changed', () => {
    s.desk.refresh();
    s.handoff.refresh();
    s.memberPresence.refresh();
    s.mailboxes.refresh();
    changed();
  });
  parts.signaling.on('status', changed);
  return s;
}

/** Releases what buildServices made, conversations and the self doc last. */
export async function destroyServices(s: ClientServices): Promise<void> {
  s.reads.destroy();
  s.parts.signaling.off('status', s.changed);
  s.registration.destroy();
  s.memberPresence.destroy();
  s.presence.destroy();
  s.mailboxes.destroy();
  s.state.book?.destroy();
  s.state.contacts?.destroy();
  // A contact book still loading sees it and does not start (AccountStartup.loadContacts).
  s.state.book = null;
  s.state.contacts = null;
  s.desk.destroy();
  s.handoff.destroy();
  s.renewal.destroy();
  s.joins.destroy();
  await s.conversations.destroy();
  if (s.state.self) s.opener.detach(s.state.self.keys.topic);
  await s.state.self?.destroy();
}

/** A stored contact (not a request waiting for an answer), as conversations need it. */
function knownContact(contacts: ContactDirectory | null, identity: IdentityId): KnownContact | null {
  const contact = contacts?.stored(identity);
  return contact && contact.state !== 'incoming' ? { name: contact.name, verified: contact.verified } : null;
}
