/**
 * The user's private self doc: contacts, the conversation list, profile and read markers. It syncs only
 * between this user's own devices (its schema admits no other identity), so a device linked
 * later receives everything it needs to rejoin every conversation.
 */
import { ObservableV2 } from 'lib0/observable';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { selfSchema } from '../core/authorship/schema.js';
import type { DeviceId, Topic } from '../core/ids.js';
import type { IdentityId, PublicIdentity, VerifyKeyCache } from '../core/identity/keys.js';
import type { SignedRecord } from '../core/identity/signed.js';
import type { ConversationKeys } from '../core/keys.js';
import { Disposables } from '../core/lifecycle.js';
import type { RoomSyncHandle } from './network-handles.js';
import type { Account, PersistedDoc } from '../store/types.js';
import { LOCAL_ORIGIN, SyncedDoc } from '../core/synced-doc.js';
import { isProfile } from '../core/identity/profile.js';
import { versionsOf } from '../core/map-versions.js';
import { isCertRecord, type CertRecord } from '../core/authorship/records.js';
import type { DeviceCertificate } from '../core/identity/certificate.js';
import { isClearedFileRoots, isFileRootsRecord, type FileRootsRecord } from '../core/membership/file-roots-grant.js';

export const ContactStates = ['incoming', 'outgoing', 'accepted', 'blocked'] as const;
export type ContactState = (typeof ContactStates)[number];

export interface ContactRecord extends SignedRecord {
  readonly type: 'contact';
  readonly identity: PublicIdentity;
  readonly name: string;
  readonly state: ContactState;
  /** The user compared safety numbers and marked this contact as verified. */
  readonly verified: boolean;
  /** The 1:1 conversation, once there is one. */
  readonly topic?: Topic;
  /**
   * Another contact already went by this name when this one was added or asked: the views
   * tell them apart. Not a changed key: two identities are two people (docs/architecture.md §8.5).
   */
  readonly sameNameAs?: IdentityId;
  /** Secret of their contact inbox (from their link), to re-send a pending request. */
  readonly inbox?: string;
}

export interface ConversationEntry extends SignedRecord {
  readonly type: 'conversation';
  /** The secret of an implicit genesis (1:1, older groups); empty for groups with epochs. */
  readonly secret: string;
  readonly kind: 'group' | 'direct';
  readonly genesis?: 'explicit';
  readonly peer?: IdentityId;
  readonly title: string;
}

/**
 * How far the user has read a conversation, shared by all their devices: the timestamp of
 * the newest event that was on screen. Keyed by topic in the `reads` map.
 */
export interface ReadMarker extends SignedRecord {
  readonly type: 'read';
  readonly upTo: number;
}

/**
 * An epoch secret one of this user's devices hands to another that has no share of it (a
 * device linked after the epoch began), sealed to the receiving device's X25519 key.
 * Keyed `<device>:<conversation>`; the newest epoch replaces the older handoff.
 */
export interface HandoffRecord extends SignedRecord {
  readonly type: 'handoff';
  readonly conversation: Topic;
  readonly epoch: string;
  /** The epoch's sequence number (its depth in the epoch graph). */
  readonly seq: number;
  readonly share: string;
}

/**
 * The user's display name and avatar, shared by all their devices: each adopts it and
 * writes it into its own member records (src/client/profile.ts). Key `me` of the `profile` map.
 */
export interface ProfileRecord extends SignedRecord {
  readonly type: 'profile';
  readonly name: string;
  readonly avatar?: string;
}

const PROFILE_KEY = 'me';
/** The user's choice to share read receipts, in the `profile` map. */
const READ_RECEIPTS_KEY = 'read-receipts';

/** A `roots` record with the two devices its key names (`<to>:<conversation>:<from>`). */
export interface FileRootsEntry {
  readonly key: string;
  readonly to: DeviceId;
  readonly from: DeviceId;
  readonly record: FileRootsRecord;
}

type ContactFields = Omit<ContactRecord, 'type' | 'by' | 'at' | 'c' | 'k' | 'n' | 'sig'>;
type ConversationFields = Omit<ConversationEntry, 'type' | 'by' | 'at' | 'c' | 'k' | 'n' | 'sig'>;

export type SelfEvents = { changed: () => void };

export class SelfSession extends ObservableV2<SelfEvents> {
  readonly synced: SyncedDoc;
  /** Made on first use: an Awareness runs an interval from its constructor. */
  private emptyAwareness: Awareness | null = null;
  private persisted: PersistedDoc | null = null;
  /** The document listener and the Awareness with its document. */
  private readonly disposables = new Disposables();

  constructor(
    readonly keys: ConversationKeys,
    private readonly account: Account,
    verifyKeys: VerifyKeyCache,
    private readonly now: () => number,
  ) {
    super();
    this.synced = new SyncedDoc({ account, schema: selfSchema(account.identity.sign), keys: verifyKeys, now });
    const changed = (): void => this.emit('changed', []);
    this.synced.doc.on('update', changed);
    this.disposables.add(() => this.synced.doc.off('update', changed));
  }

  /**
   * The self doc has no presence; the sync engine still wants an Awareness, so this one stays
   * empty. Made when the sync engine first asks (in `open`), released in `destroy()`.
   */
  get awareness(): Awareness {
    if (!this.emptyAwareness) {
      const doc = new Y.Doc();
      const awareness = new Awareness(doc);
      awareness.setLocalState(null);
      this.emptyAwareness = awareness;
      this.disposables.add(() => {
        awareness.destroy();
        doc.destroy();
      });
    }
    return this.emptyAwareness;
  }

  async open(persisted: PersistedDoc, attach: (session: SelfSession) => RoomSyncHandle): Promise<void> {
    this.persisted = persisted;
    await persisted.whenLoaded;
    await this.synced.ensureMember(this.account.name, this.account.avatar);
    attach(this);
  }

  contacts(): ContactRecord[] {
    return [...this.map<ContactRecord>('contacts').values()].filter((c) => c.type === 'contact');
  }

  contact(identity: IdentityId): ContactRecord | null {
    return this.map<ContactRecord>('contacts').get(identity) ?? null;
  }

  /**
   * Every version of a contact record this document holds, newest (the one in force) first:
   * what the user decided about blocking them, and what that replaced (docs/architecture.md §4.4).
   */
  contactVersions(identity: IdentityId): ContactRecord[] {
    return versionsOf(this.map('contacts'), identity).filter((v): v is ContactRecord => typeof v === 'object' && v !== null && (v as ContactRecord).type === 'contact');
  }

  async setContact(fields: ContactFields): Promise<ContactRecord> {
    return this.synced.writer.setRecord(
      'contacts',
      fields.identity.sign,
      { type: 'contact', by: this.account.device.id, at: this.now(), ...fields },
      LOCAL_ORIGIN,
    );
  }

  conversations(): ConversationEntry[] {
    return this.conversationEntries().map(([, entry]) => entry);
  }

  /** The conversation list with each entry's conversation id. */
  conversationEntries(): Array<[Topic, ConversationEntry]> {
    return [...this.map<ConversationEntry>('conversations').entries()].filter(([, c]) => c?.type === 'conversation') as Array<[Topic, ConversationEntry]>;
  }

  async setConversation(topic: Topic, fields: ConversationFields): Promise<void> {
    const current = this.map<ConversationEntry>('conversations').get(topic);
    if (current && current.secret === fields.secret && current.title === fields.title && current.kind === fields.kind && current.genesis === fields.genesis) return;
    await this.synced.writer.setRecord('conversations', topic, { type: 'conversation', by: this.account.device.id, at: this.now(), ...fields }, LOCAL_ORIGIN);
  }

  /** The handoff to `device` for a conversation, if any. */
  handoff(device: string, conversation: Topic): HandoffRecord | null {
    const value = this.map<HandoffRecord>('handoffs').get(`${device}:${conversation}`);
    return value?.type === 'handoff' && value.conversation === conversation ? value : null;
  }

  async setHandoff(device: string, fields: Omit<HandoffRecord, 'type' | 'by' | 'at' | 'c' | 'k' | 'n' | 'sig'>): Promise<void> {
    await this.synced.writer.setRecord(
      'handoffs',
      `${device}:${fields.conversation}`,
      { type: 'handoff', by: this.account.device.id, at: this.now(), ...fields },
      LOCAL_ORIGIN,
    );
  }

  /** File roots `from` handed `to` for a conversation (docs/architecture.md §14.1), if any. */
  fileRootsTo(to: string, conversation: Topic, from: string): FileRootsRecord | null {
    const entry = this.fileRootsEntry(`${to}:${conversation}:${from}`);
    return entry && entry.record.conversation === conversation ? entry.record : null;
  }

  /** Every file-roots record addressed to `to`, each written by the device its key names. */
  fileRootsFor(to: string): FileRootsRecord[] {
    return this.fileRootsEntries()
      .filter((e) => e.to === to)
      .map((e) => e.record);
  }

  /**
   * Every record of the `roots` map that holds roots, with the two devices its key names
   * (`<to>:<conversation>:<from>`); only records written by the `from` device count, and a
   * cleared record is none.
   */
  fileRootsEntries(): FileRootsEntry[] {
    const out: FileRootsEntry[] = [];
    for (const key of this.map<FileRootsRecord>('roots').keys()) {
      const entry = this.fileRootsEntry(key);
      if (entry) out.push(entry);
    }
    return out;
  }

  private fileRootsEntry(key: string): FileRootsEntry | null {
    const record = this.map<FileRootsRecord>('roots').get(key);
    if (!record || !isFileRootsRecord(record) || isClearedFileRoots(record)) return null;
    const [to, conversation, from, ...rest] = key.split(':');
    if (rest.length > 0 || conversation !== record.conversation || from !== record.by || !to) return null;
    return { key, to: to as DeviceId, from: from as DeviceId, record };
  }

  async setFileRoots(to: string, fields: Omit<FileRootsRecord, 'type' | 'by' | 'at' | 'c' | 'k' | 'n' | 'sig'>): Promise<void> {
    const by = this.account.device.id;
    await this.synced.writer.setRecord('roots', `${to}:${fields.conversation}:${by}`, { type: 'file-roots', by, at: this.now(), ...fields }, LOCAL_ORIGIN);
  }

  /**
   * Clears a `roots` record (one naming a revoked device): replaces it with an empty record
   * signed by this device, which any of the user's devices may write there. The sealed box
   * stays in the document's history, as every replaced value does (`gc: false`).
   */
  async clearFileRoots(key: string, record: FileRootsRecord): Promise<void> {
    const cleared = { type: 'file-roots', by: this.account.device.id, at: this.now(), conversation: record.conversation, epoch: record.epoch, epochs: [], files: '' } as const;
    await this.synced.writer.setRecord('roots', key, cleared, LOCAL_ORIGIN);
  }

  /**
   * A record of the `certs` map (docs/architecture.md §4.8): under a device id, the newest
   * certificate issued to it; under `ask:<device id>`, that device asking for one.
   */
  certRecord(key: string): CertRecord | null {
    const value = this.map<CertRecord>('certs').get(key);
    return value && isCertRecord(value) ? value : null;
  }

  async setCert(key: string, cert: DeviceCertificate): Promise<void> {
    await this.synced.writer.setRecord('certs', key, { type: 'cert', by: this.account.device.id, at: this.now(), cert }, LOCAL_ORIGIN);
  }

  /** The name this user gave one of their devices, if any. */
  deviceName(device: string): string | null {
    const record = this.map<SignedRecord & { name?: unknown }>('profile').get(`device:${device}`);
    return record?.type === 'profile' && typeof record.name === 'string' && record.name.length <= 80 ? record.name : null;
  }

  async setDeviceName(device: string, name: string): Promise<void> {
    await this.synced.writer.setRecord('profile', `device:${device}`, { type: 'profile', by: this.account.device.id, at: this.now(), name }, LOCAL_ORIGIN);
  }

  /** The profile the user's devices share, if one was ever changed; null when missing or malformed. */
  profile(): { name: string; avatar?: string } | null {
    const record = this.map<ProfileRecord>('profile').get(PROFILE_KEY);
    if (record?.type !== 'profile' || !isProfile(record.name, record.avatar)) return null;
    return { name: record.name, ...(record.avatar ? { avatar: record.avatar } : {}) };
  }

  async setProfile(name: string, avatar: string | undefined): Promise<void> {
    await this.synced.writer.setRecord('profile', PROFILE_KEY, { type: 'profile', by: this.account.device.id, at: this.now(), name, ...(avatar ? { avatar } : {}) }, LOCAL_ORIGIN);
  }

  /** Whether the user shares read receipts (and sees others'); on unless turned off. */
  readReceipts(): boolean {
    const record = this.map<SignedRecord & { on?: unknown }>('profile').get(READ_RECEIPTS_KEY);
    return !(record?.type === 'profile' && record.on === false);
  }

  async setReadReceipts(on: boolean): Promise<void> {
    await this.synced.writer.setRecord('profile', READ_RECEIPTS_KEY, { type: 'profile', by: this.account.device.id, at: this.now(), on }, LOCAL_ORIGIN);
  }

  /** The timestamp up to which this user has read a conversation (0 when never opened). */
  readUpTo(topic: Topic): number {
    const marker = this.map<ReadMarker>('reads').get(topic);
    // Written by this user's own devices, but still checked: a bad value must not break the list.
    return marker?.type === 'read' && Number.isSafeInteger(marker.upTo) && marker.upTo > 0 ? marker.upTo : 0;
  }

  /**
   * Moves the read marker forward; this device never moves it back. Two devices writing at
   * once settle on one of the two values (last writer wins in a Y.Map), at worst showing a
   * few read messages as unread until the next read.
   */
  async markRead(topic: Topic, upTo: number): Promise<boolean> {
    if (!Number.isSafeInteger(upTo) || upTo <= this.readUpTo(topic)) return false;
    await this.synced.writer.setRecord('reads', topic, { type: 'read', by: this.account.device.id, at: this.now(), upTo }, LOCAL_ORIGIN);
    return true;
  }

  override async destroy(): Promise<void> {
    this.disposables.dispose();
    await this.persisted?.destroy();
    this.synced.destroy();
    super.destroy();
  }

  private map<T>(name: string): Y.Map<T> {
    return this.synced.doc.getMap<T>(name);
  }
}
