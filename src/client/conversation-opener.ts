/**
 * How conversations come to exist on this device — created here, granted by an invite,
 * derived for a contact, or handed over by another device of this user — and the
 * operations the registry runs to load, close and erase them. The registry owns the
 * lifecycle; this module does the storage and network work it asks for.
 */
import { fromBase64Url, toBase64Url } from '../core/bytes.js';
import type { DeviceId, Topic } from '../core/ids.js';
import type { IdentityId, VerifyKeyCache } from '../core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES, type ConversationKeys } from '../core/keys.js';
import { errorField, type Logger } from '../core/logger.js';
import { conversationIdOf, newNonce } from '../core/membership/conversation-id.js';
import type { BlockDecision } from '../core/membership/blocks.js';
import { randomBytes } from '../core/bytes.js';
import type { RoomPolicy } from '../net/policy.js';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { Account, ConversationRecord, ConversationStore, DocStore, OutboxStore, StoredEpoch } from '../store/types.js';
import { ConversationRegistry } from './conversation-registry.js';
import { ConversationSession, type MailboxParts } from './conversation-session.js';
import type { KnownContact } from './conversation/member-view.js';
import { secretOf } from './record-secret.js';
import { ClientError } from './errors.js';
import type { SelfSession } from './self-session.js';
import type { TimelineEntry } from '../core/timeline.js';
import { previewText } from './conversation-list.js';
import type { Drafts } from './drafts.js';
import { whenThere, type MeshHandle, type RoomSyncHandle, type TabsHandle } from './network-handles.js';
import type { ReadMarkerCopy } from '../store/read-marker-copy.js';
import { mailboxIdOf } from '../core/wire/mailbox.js';

/** Invites made with a new group last this long unless the creator picks otherwise. */
export const DEFAULT_INVITE_MS = 7 * 24 * 60 * 60 * 1000;

export interface OpenerParts {
  readonly account: () => Account;
  readonly self: () => SelfSession | null;
  readonly conversations: ConversationStore;
  readonly outbox: OutboxStore;
  readonly docs: DocStore;
  readonly mesh: MeshHandle;
  /** Other tabs of this browser profile; every document syncs with them too. */
  readonly tabs?: TabsHandle | null;
  readonly verifyKeys: VerifyKeyCache;
  readonly appUrl: string;
  readonly mailbox?: MailboxParts;
  readonly now: () => number;
  readonly logger: Logger;
  readonly isBlocked: (identity: IdentityId) => boolean;
  /** What the user last decided about blocking someone (ContactBook.blockDecision). */
  readonly blockDecision: (identity: IdentityId) => BlockDecision | null;
  /** The user shares read receipts, and so sees others'. */
  readonly sharesReads: () => boolean;
  /** How often a device may rewrite its receipt, in ms (absent: receipts.ts's 30 s). */
  readonly receiptEveryMs?: number;
  /** The user's contact record for an identity (namesakes, verified badge). */
  readonly contactOf: (identity: IdentityId) => KnownContact | null;
  readonly isVerified: (identity: IdentityId) => boolean;
  readonly isRevoked: (device: DeviceId, identity: IdentityId) => boolean;
  readonly deviceRemoved: () => boolean;
  /** The client wires a new session's events. */
  readonly wire: (session: ConversationSession) => void;
  /** The user deleted this conversation on this device: the self doc does not bring it back. */
  readonly isDeleted: (id: Topic) => boolean;
  /** The user opens or joins a deleted conversation again. */
  readonly restore: (id: Topic) => Promise<void>;
  /** Drafts of unsent messages, erased with their conversation. */
  readonly drafts?: Drafts;
  /** The page's synchronous copy of read markers, erased with their conversation. */
  readonly readMarkers?: ReadMarkerCopy;
  /** Erases what other parts keep about a deleted conversation (its files). */
  readonly erased?: (id: Topic) => Promise<void>;
  /** An epoch secret another device of this user handed to this one. */
  readonly handedOver: (conversation: Topic, epoch: string) => Promise<Uint8Array | null>;
}

/** What a new conversation record starts with, besides its id and keys. */
export type RecordShape = Pick<ConversationRecord, 'title' | 'kind' | 'peer' | 'genesis' | 'quiet' | 'fileRoots'>;

export class ConversationOpener {
  readonly registry: ConversationRegistry;

  constructor(private readonly parts: OpenerParts) {
    this.registry = new ConversationRegistry({
      create: (record, keys) => this.createSession(record, keys),
      load: (session) => this.loadSession(session),
      close: async (session) => {
        this.detach(session.id);
        await session.destroy();
      },
      erase: (id) => this.erase(id),
    });
  }

  /** Registers every stored conversation (cached) and returns them, newest first. */
  async registerStored(): Promise<ConversationSession[]> {
    const records = await this.parts.conversations.list();
    records.sort((a, b) => (b.lastAt ?? b.createdAt) - (a.lastAt ?? a.createdAt));
    const keys = await Promise.all(records.map((r) => deriveConversationKeys(secretOf(r))));
    return records.map((r, i) => this.registry.add(r, keys[i]!));
  }

  /**
   * Conversations another device of this user added reach this one through the self doc:
   * 1:1 chats and older groups by their secret, groups with epochs by a key handoff, and
   * ones another tab of this device made from the local store. Known ones follow their
   * epochs (a handoff may have arrived).
   */
  async adoptFromSelf(self: SelfSession, handedOver: (id: Topic) => Promise<{ epoch: string; n: number; secret: Uint8Array } | null>): Promise<void> {
    for (const [id, entry] of self.conversationEntries()) {
      if (this.parts.isDeleted(id)) continue;
      const known = this.registry.get(id);
      if (known) {
        void known.followEpochs();
        continue;
      }
      const shape: RecordShape = { title: entry.title, kind: entry.kind, quiet: true, ...(entry.peer ? { peer: entry.peer } : {}), ...(entry.genesis ? { genesis: entry.genesis } : {}) };
      const stored = await this.parts.conversations.get(id);
      if (stored) {
        await this.registerRecord(stored);
      } else if (entry.genesis !== 'explicit') {
        const secret = fromBase64Url(entry.secret);
        if (secret && secret.length === SECRET_BYTES) await this.adoptSecret(secret, shape);
      } else {
        const handed = await handedOver(id);
        if (handed) await this.adopt(id, { id: handed.epoch, n: handed.n, secret: toBase64Url(handed.secret), since: this.parts.now() }, shape);
      }
    }
  }

  /** Registers and loads a conversation whose record is already stored (another tab made it). */
  async registerRecord(record: ConversationRecord): Promise<ConversationSession> {
    if (!this.registry.has(record.id)) this.registry.add(record, await deriveConversationKeys(secretOf(record)));
    return this.registry.load(record.id);
  }

  /** A new group: this device writes its genesis (the id commits to this user) and a first invite. */
  async createGroup(title: string): Promise<ConversationSession> {
    const account = this.parts.account();
    const nonce = newNonce();
    const id = conversationIdOf(account.identity.sign, nonce);
    const secret = randomBytes(SECRET_BYTES);
    const genesisId = `e0-${toBase64Url(randomBytes(9))}`;
    const session = await this.adopt(id, { id: genesisId, n: 0, secret: toBase64Url(secret), since: this.parts.now() }, { title: '', kind: 'group', genesis: 'explicit' });
    await session.changes.genesis(nonce, secret, genesisId);
    if (title) await session.changes.setGroup('name', title);
    await session.changes.createInvite(this.parts.now() + DEFAULT_INVITE_MS);
    return session;
  }

  /** A conversation whose secret this device derived or was handed (1:1, older groups). */
  async adoptSecret(secret: Uint8Array, shape: RecordShape): Promise<ConversationSession> {
    const keys = await deriveConversationKeys(secret);
    return this.adopt(keys.topic, { id: 'g0', n: 0, secret: toBase64Url(secret), since: this.parts.now() }, shape);
  }

  /**
   * Makes a conversation known on this device (stored, registered, loaded and listed in the
   * self doc) in a given epoch; a conversation already here is returned as it is.
   */
  async adopt(id: Topic, epoch: StoredEpoch, shape: RecordShape): Promise<ConversationSession> {
    if (this.registry.has(id)) return this.registry.load(id);
    await this.parts.restore(id);
    const record: ConversationRecord = { id, secret: epoch.secret, createdAt: this.parts.now(), ...shape, ...(epoch.id === 'g0' ? {} : { epochs: [epoch] }) };
    try {
      await this.parts.conversations.put(record);
    } catch (cause) {
      throw new ClientError('storage-failed', { cause, detail: { what: 'conversation' } });
    }
    const keys = await deriveConversationKeys(secretOf(record));
    // Another adopt of the same conversation may have registered it while the record was saved.
    const session = await this.registry.load(this.registry.add(record, keys).id);
    await this.parts.self()?.setConversation(record.id, {
      // Groups with epochs reach this user's other devices by key handoff, not through here.
      secret: record.genesis === 'explicit' ? '' : epoch.secret,
      title: record.title,
      kind: record.kind ?? 'group',
      ...(record.genesis ? { genesis: record.genesis } : {}),
      ...(record.peer ? { peer: record.peer as IdentityId } : {}),
    });
    return session;
  }

  /** Caches the newest message in the record, for the sidebar before the document loads. */
  savePreview(session: ConversationSession, entry: TimelineEntry): void {
    if (entry.kind !== 'message') return;
    session.record = {
      ...session.record,
      lastText: previewText(entry),
      lastAuthor: session.memberName(entry.author),
      lastAt: entry.sortAt,
      recent: session.recentMessages(),
    };
    this.parts.conversations.put(session.record).catch((error) => this.parts.logger.warn('preview not saved', { error: errorField(error) }));
  }

  /** Makes a session; its document is not loaded yet. */
  private createSession(record: ConversationRecord, keys: ConversationKeys): ConversationSession {
    const { parts } = this;
    let session: ConversationSession | null = null;
    session = new ConversationSession({
      record,
      keys,
      account: parts.account(),
      outbox: parts.outbox,
      verifyKeys: parts.verifyKeys,
      appUrl: parts.appUrl,
      now: parts.now,
      logger: parts.logger,
      isBlocked: parts.isBlocked,
      blockDecision: parts.blockDecision,
      sharesReads: parts.sharesReads,
      ...(parts.receiptEveryMs !== undefined ? { receiptEveryMs: parts.receiptEveryMs } : {}),
      contactOf: parts.contactOf,
      isVerified: parts.isVerified,
      isRevoked: parts.isRevoked,
      deviceRemoved: parts.deviceRemoved,
      ...(parts.mailbox ? { mailbox: parts.mailbox } : {}),
      rooms: {
        rekey: (to) => void whenThere(parts.mesh, (mesh) => mesh.rekey(record.id, to)),
        close: () => this.detach(record.id),
      },
      save: (r) => parts.conversations.put(r),
      handedOver: parts.handedOver,
    });
    parts.wire(session);
    return session;
  }

  private async loadSession(session: ConversationSession): Promise<void> {
    await session.open(this.parts.docs.open(session.id, session.doc), (s) => this.attach(s.id, s.keys, s.doc, s.awareness, s.synced.policy));
  }

  /**
   * Starts syncing a document with peers (the mesh, under its stable id, on the current
   * epoch's keys) and with this profile's other tabs. Before the network has loaded, both
   * start once it has, and the room's sync comes then (network-handles.ts).
   */
  attach(id: string, keys: ConversationKeys, doc: Y.Doc, awareness: Awareness, policy: RoomPolicy): RoomSyncHandle {
    // Other tabs' updates are authorized like a peer's (docs/architecture.md §8.3).
    const tabs = this.parts.tabs;
    if (tabs) void whenThere(tabs, (t) => t?.add(id, doc, policy));
    return whenThere(this.parts.mesh, (mesh) => mesh.addRoom(id, keys, doc, awareness, policy));
  }

  detach(id: string): void {
    const tabs = this.parts.tabs;
    if (tabs) void whenThere(tabs, (t) => t?.remove(id));
    void whenThere(this.parts.mesh, (mesh) => mesh.removeRoom(id));
  }

  /**
   * Erases what this device stores about a conversation (docs/architecture.md §4.9): its
   * document, record, unsent writes, draft, read-marker copy and the read position in the
   * mailbox of every epoch it still holds a secret for; then tells `erased` listeners (files).
   */
  private async erase(id: Topic): Promise<void> {
    const [pending, record] = await Promise.all([this.parts.outbox.list(id), this.parts.conversations.get(id)]);
    const mailboxes = record ? await mailboxIdsOf(record) : [];
    this.parts.readMarkers?.forget(id);
    await Promise.all([
      this.parts.docs.clear(id),
      this.parts.conversations.remove(id),
      pending.length > 0 ? this.parts.outbox.remove(pending.map((e) => e.id)) : Promise.resolve(),
      this.parts.mailbox?.progress.remove(mailboxes),
      this.parts.drafts?.erase(id),
      this.parts.erased?.(id),
    ]).catch((error: unknown) => {
      this.parts.logger.warn('conversation not fully erased', { error: errorField(error) });
      throw error;
    });
  }
}

/** The mailbox ids of every epoch a record holds a secret for. */
async function mailboxIdsOf(record: ConversationRecord): Promise<string[]> {
  const secrets = new Set([record.secret, ...(record.epochs ?? []).map((e) => e.secret)]);
  const ids: string[] = [];
  for (const secret of secrets) {
    const bytes = fromBase64Url(secret);
    const id = bytes ? mailboxIdOf((await deriveConversationKeys(bytes)).mailboxToken) : null;
    if (id) ids.push(id);
  }
  return ids;
}
