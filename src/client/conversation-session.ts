/**
 * One open conversation: its document, timeline, presence and the local send path.
 *
 * Send path (ARCHITECTURE §7): the event is applied to the doc at once (peers and the
 * screen see it immediately) and written to the outbox with strict durability in parallel.
 * It is *acknowledged* — shown as saved — only when that commit completes. Applying first
 * keeps the fsync out of the send→render latency without weakening the guarantee: an event
 * whose commit never completed was never shown as saved. On start-up, outbox entries the
 * doc lacks are applied again.
 */
import { ObservableV2 } from 'lib0/observable';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { fromBase64Url, toBase64Url } from '../core/bytes.js';
import { ConversationLog } from '../core/conversation.js';
import { createEvent, nextTimestamp, type ConversationEvent, type EventDraft } from '../core/events.js';
import type { DeviceId, EventId, Topic } from '../core/ids.js';
import { inviteUrl } from '../core/invite.js';
import type { ConversationKeys } from '../core/keys.js';
import { Timeline, type TimelineEntry } from '../core/timeline.js';
import type { RoomSync } from '../net/room-sync.js';
import type { ConversationRecord, OutboxStore, PersistedDoc, Profile } from '../store/types.js';
import { DeliveryTracker, type DeliveryState } from './delivery.js';
import { SendFailedError } from './errors.js';

/** Transaction origin of this device's own writes. */
export const LOCAL_ORIGIN = Symbol('parley-local');
const TYPING_TTL_MS = 4_000;

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
  readonly profile: Profile;
  readonly outbox: OutboxStore;
  readonly appUrl: string;
  readonly now: () => number;
}

export class ConversationSession extends ObservableV2<SessionEvents> {
  readonly doc = new Y.Doc({ gc: true });
  readonly log = new ConversationLog(this.doc);
  readonly timeline = new Timeline();
  readonly awareness = new Awareness(this.doc);
  readonly delivery = new DeliveryTracker();
  private persisted: PersistedDoc | null = null;
  private sync: RoomSync | null = null;
  private peers = 0;
  private revisionCount = 0;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly unobserve: () => void;
  record: ConversationRecord;

  constructor(private readonly parts: SessionParts) {
    super();
    this.record = parts.record;
    this.unobserve = this.log.observe((events) => this.onEvents(events));
    this.doc.getMap('members').observe(() => this.changed());
    this.awareness.setLocalState({ device: parts.profile.deviceId, name: parts.profile.name, typingAt: 0 } satisfies PresenceState);
    this.awareness.on('change', () => this.changed());
  }

  /** Increments on every change; views pass it down so components re-render. */
  get revision(): number {
    return this.revisionCount;
  }

  get id(): Topic {
    return this.record.id;
  }

  get me(): DeviceId {
    return this.parts.profile.deviceId;
  }

  get inviteLink(): string {
    return inviteUrl(this.parts.appUrl, secretOf(this.record));
  }

  get peerCount(): number {
    return this.peers;
  }

  get title(): string {
    if (this.record.title) return this.record.title;
    const others = [...this.log.members.entries()].filter(([id]) => id !== this.me).map(([, m]) => m.name);
    return others.length > 0 ? others.join(', ') : 'New conversation';
  }

  memberName(device: DeviceId): string {
    if (device === this.me) return this.parts.profile.name;
    return this.log.members.get(device)?.name ?? 'Someone';
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
      if (typeof p.typingAt === 'number' && p.typingAt > 0 && now - p.typingAt < TYPING_TTL_MS && typeof p.name === 'string') {
        names.push(p.name.slice(0, 64));
      }
    }
    return names;
  }

  /** Loads stored state, re-applies unsent outbox entries, then starts syncing. */
  async open(persisted: PersistedDoc, attach: (session: ConversationSession) => RoomSync): Promise<void> {
    this.persisted = persisted;
    // Stored updates arrive as one transaction, which `observe` folds into the timeline.
    await persisted.whenLoaded;
    await this.replayOutbox();
    if (!this.log.members.has(this.me)) {
      this.log.members.set(this.me, { name: this.parts.profile.name, at: this.parts.now() });
      this.appendLocal({ kind: 'join', name: this.parts.profile.name });
    }
    this.sync = attach(this);
    this.sync.events = {
      onPeers: (count) => {
        this.peers = count;
        this.changed();
      },
      onAck: (sv) => void this.retire(this.delivery.acknowledge(sv)),
    };
    this.changed();
  }

  /** Sends a message. Resolves once it is acknowledged (durably in the outbox). */
  async send(text: string): Promise<EventId> {
    const body = text.replace(/\s+$/u, '');
    if (body.trim().length === 0) throw new SendFailedError('Write something first.');
    this.setTyping(false);
    return this.appendLocal({ kind: 'message', text: body });
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

  override async destroy(): Promise<void> {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.unobserve();
    this.awareness.destroy();
    await this.persisted?.destroy();
    this.doc.destroy();
    super.destroy();
  }

  private changed(): void {
    this.revisionCount++;
    this.emit('changed', []);
  }

  private async appendLocal(draft: EventDraft): Promise<EventId> {
    const event = createEvent(draft, this.me, nextTimestamp(this.parts.now(), this.timeline.latestAt));
    this.delivery.track(event.id, 'saving', null);
    const [itemId] = this.log.append(this.me, [event], LOCAL_ORIGIN);
    this.delivery.track(event.id, 'saving', itemId ?? null);
    this.changed();
    try {
      await this.parts.outbox.add({ id: event.id, conversation: this.id, event, createdAt: this.parts.now() });
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
    const missing: ConversationEvent[] = [];
    for (const entry of entries) if (!this.timeline.has(entry.event.id)) missing.push(entry.event);
    if (missing.length > 0) this.log.append(this.me, missing, LOCAL_ORIGIN);
    const located = this.log.locate(this.me, new Set(entries.map((e) => e.id)));
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

  private onEvents(events: ConversationEvent[]): void {
    const before = this.timeline.last();
    const change = this.timeline.add(events);
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
