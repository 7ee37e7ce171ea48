/**
 * The application service the UI talks to: registration, the conversation list, creating
 * and joining conversations. It composes storage and the sync engine; it owns no DOM.
 */
import { ObservableV2 } from 'lib0/observable';
import { randomBytes } from '../core/bytes.js';
import { MAX_NAME } from '../core/events.js';
import { newDeviceId, type Topic } from '../core/ids.js';
import { parseInvite } from '../core/invite.js';
import { deriveConversationKeys, SECRET_BYTES } from '../core/keys.js';
import type { TimelineEntry } from '../core/timeline.js';
import type { Mesh } from '../net/mesh.js';
import type { SignalingClient, SignalingStatus } from '../net/signaling-client.js';
import type { ConversationRecord, ConversationStore, DocStore, OutboxStore, Profile, ProfileStore } from '../store/types.js';
import { ConversationSession, recordSecret, secretOf } from './conversation-session.js';
import { ClientError, NotRegisteredError, StorageFailedError } from './errors.js';

export interface ClientParts {
  readonly profiles: ProfileStore;
  readonly conversations: ConversationStore;
  readonly outbox: OutboxStore;
  readonly docs: DocStore;
  readonly signaling: SignalingClient;
  readonly mesh: Mesh;
  /** Base URL invite links point at. */
  readonly appUrl: string;
  readonly now?: () => number;
}

export type ClientEvents = {
  /** Profile, the conversation list or the connection changed. */
  changed: () => void;
  /** Something failed that the user should hear about. */
  error: (error: Error) => void;
};

export interface ConversationSummary {
  readonly id: Topic;
  readonly title: string;
  readonly lastText: string;
  readonly lastAuthor: string;
  readonly lastAt: number;
}

const PREVIEW_CHARS = 120;

export class ParleyClient extends ObservableV2<ClientEvents> {
  private me: Profile | null = null;
  private readonly sessions = new Map<Topic, ConversationSession>();
  private readonly opening = new Map<Topic, Promise<ConversationSession>>();
  private readonly now: () => number;

  constructor(private readonly parts: ClientParts) {
    super();
    this.now = parts.now ?? Date.now;
    parts.signaling.on('status', this.onStatus);
  }

  get profile(): Profile | null {
    return this.me;
  }

  get connection(): SignalingStatus {
    return this.parts.signaling.status;
  }

  /** Loads the profile and opens every stored conversation, newest first. */
  async start(): Promise<void> {
    this.me = await this.parts.profiles.get();
    if (!this.me) return;
    await this.openAll();
  }

  async register(name: string): Promise<Profile> {
    const clean = name.trim();
    if (clean.length === 0) throw new ClientError('Enter a name.');
    if (clean.length > MAX_NAME) throw new ClientError(`Names are at most ${MAX_NAME} characters.`);
    if (this.me) return this.me;
    const profile: Profile = { deviceId: newDeviceId(), name: clean, createdAt: this.now() };
    try {
      await this.parts.profiles.put(profile);
    } catch (cause) {
      throw new StorageFailedError('Could not save your profile on this device.', { cause });
    }
    this.me = profile;
    this.emit('changed', []);
    await this.openAll();
    return profile;
  }

  async createConversation(title = ''): Promise<ConversationSession> {
    return this.adopt(randomBytes(SECRET_BYTES), title);
  }

  /** Joins from an invite link or its fragment; throws InvalidInviteError for bad text. */
  async join(invite: string): Promise<ConversationSession> {
    return this.adopt(parseInvite(invite), '');
  }

  get(id: Topic): ConversationSession | undefined {
    return this.sessions.get(id);
  }

  list(): ConversationSummary[] {
    const out: ConversationSummary[] = [];
    for (const s of this.sessions.values()) {
      out.push({
        id: s.id,
        title: s.title,
        lastText: s.record.lastText ?? '',
        lastAuthor: s.record.lastAuthor ?? '',
        lastAt: s.record.lastAt ?? s.record.createdAt,
      });
    }
    return out.sort((a, b) => b.lastAt - a.lastAt);
  }

  override async destroy(): Promise<void> {
    this.parts.signaling.off('status', this.onStatus);
    await Promise.all([...this.sessions.values()].map((s) => s.destroy()));
    this.sessions.clear();
    super.destroy();
  }

  private readonly onStatus = (): void => this.emit('changed', []);

  private async openAll(): Promise<void> {
    const records = await this.parts.conversations.list();
    records.sort((a, b) => (b.lastAt ?? b.createdAt) - (a.lastAt ?? a.createdAt));
    await Promise.all(records.map((r) => this.open(r)));
  }

  private async adopt(secret: Uint8Array, title: string): Promise<ConversationSession> {
    if (!this.me) throw new NotRegisteredError();
    const keys = await deriveConversationKeys(secret);
    const existing = this.sessions.get(keys.topic) ?? (await this.opening.get(keys.topic));
    if (existing) return existing;
    const record: ConversationRecord = { id: keys.topic, secret: recordSecret(secret), title, createdAt: this.now() };
    try {
      await this.parts.conversations.put(record);
    } catch (cause) {
      throw new StorageFailedError('Could not save the conversation on this device.', { cause });
    }
    return this.open(record);
  }

  private open(record: ConversationRecord): Promise<ConversationSession> {
    const pending = this.opening.get(record.id);
    if (pending) return pending;
    const promise = this.openNow(record).finally(() => this.opening.delete(record.id));
    this.opening.set(record.id, promise);
    return promise;
  }

  private async openNow(record: ConversationRecord): Promise<ConversationSession> {
    const profile = this.me;
    if (!profile) throw new NotRegisteredError();
    const keys = await deriveConversationKeys(secretOf(record));
    const session = new ConversationSession({ record, keys, profile, outbox: this.parts.outbox, appUrl: this.parts.appUrl, now: this.now });
    session.on('error', (error) => this.emit('error', [error]));
    session.on('preview', (entry) => this.savePreview(session, entry));
    this.sessions.set(record.id, session);
    await session.open(this.parts.docs.open(record.id, session.doc), (s) => this.parts.mesh.addRoom(keys, s.doc, s.awareness));
    this.emit('changed', []);
    return session;
  }

  private savePreview(session: ConversationSession, entry: TimelineEntry): void {
    if (entry.kind !== 'message') return;
    session.record = {
      ...session.record,
      lastText: entry.deleted ? 'Message deleted' : entry.text.slice(0, PREVIEW_CHARS),
      lastAuthor: session.memberName(entry.author),
      lastAt: entry.at,
    };
    this.parts.conversations.put(session.record).catch((error) => console.warn('parley: preview not saved', error));
    this.emit('changed', []);
  }
}
