/**
 * Hands each conversation's new events to the bot, once each, in order, across restarts.
 *
 * "New" is decided with the cursor (cursor-store.ts): an event is new when its Yjs clock is
 * past the state vector of the last hand-over and it is dated no earlier than the moment the
 * bot started following the conversation. On attach, events stored but not yet handed over
 * (a crash, or another command of this profile received them) are handed over first, oldest
 * first; then everything that arrives live, from peers or the mailbox. The cursor is saved
 * after each batch, so delivery is at least once: a crash between a hand-over and the save
 * hands the batch over again.
 *
 * Skipped: this account's own events, events of blocked identities, and edits or deletes of
 * another author's message (the timeline ignores those too).
 */
import * as Y from 'yjs';
import type { ConversationSession } from '../client/conversation-session.js';
import type { ParleyClient } from '../client/parley-client.js';
import type { ConversationEvent } from '../core/events.js';
import type { DeviceId, Topic } from '../core/ids.js';
import { Disposables } from '../core/lifecycle.js';
import type { BotAuthor, BotEvent, SentMessage } from './bot-events.js';
import type { CursorStore, FeedCursor } from './cursor-store.js';

export interface FeedActions {
  send(session: ConversationSession, text: string, replyTo?: string): Promise<SentMessage>;
  react(session: ConversationSession, target: string, emoji: string): Promise<void>;
}

export interface EventFeedParts {
  readonly client: ParleyClient;
  readonly cursors: CursorStore;
  readonly actions: FeedActions;
  readonly now: () => number;
  readonly deliver: (event: BotEvent) => void;
  readonly failed: (error: Error) => void;
}

interface Followed {
  cursor: FeedCursor;
  saving: Promise<void>;
  dirty: boolean;
}

export class EventFeed {
  private readonly followed = new Map<Topic, Followed>();
  private readonly starting = new Map<Topic, Promise<void>>();
  private readonly disposables = new Disposables();
  private destroyed = false;

  constructor(private readonly parts: EventFeedParts) {}

  /** Starts following a conversation (once); resolves after its backlog was handed over. */
  follow(session: ConversationSession): Promise<void> {
    let started = this.starting.get(session.id);
    if (!started) {
      started = this.attach(session).catch((error) => this.parts.failed(error as Error));
      this.starting.set(session.id, started);
    }
    return started;
  }

  /** Whether a conversation is followed (or being attached). */
  follows(id: Topic): boolean {
    return this.starting.has(id);
  }

  /** Saves every cursor that moved and stops. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    this.disposables.dispose();
    await Promise.all([...this.starting.values()]);
    await Promise.all([...this.followed.entries()].map(([id, f]) => this.save(id, f)));
  }

  private async attach(session: ConversationSession): Promise<void> {
    await session.loaded;
    if (this.destroyed) return;
    const stored = await this.parts.cursors.get(session.id);
    const cursor: FeedCursor = stored ?? { seen: Y.encodeStateVector(session.doc), since: this.parts.now() };
    const entry: Followed = { cursor, saving: Promise.resolve(), dirty: stored === null };
    this.followed.set(session.id, entry);
    // Live events from here on; the backlog is read in the same turn, so none falls between.
    this.disposables.add(session.synced.log.observe((events) => this.handOver(session, entry, events)));
    const seen = Y.decodeStateVector(cursor.seen);
    const backlog = session.synced.log.readAll().filter((e) => e.k >= (seen.get(e.c) ?? 0));
    backlog.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    this.handOver(session, entry, backlog);
    if (entry.dirty) await this.save(session.id, entry);
  }

  private handOver(session: ConversationSession, entry: Followed, events: readonly ConversationEvent[]): void {
    if (this.destroyed) return;
    for (const event of events) {
      if (event.at < entry.cursor.since) continue;
      const described = this.describe(session, event);
      if (described) this.parts.deliver(described);
    }
    entry.cursor = { seen: Y.encodeStateVector(session.doc), since: entry.cursor.since };
    entry.dirty = true;
    // One save at a time per conversation; a burst of batches ends in one more save.
    entry.saving = entry.saving.then(() => this.save(session.id, entry));
  }

  private async save(id: Topic, entry: Followed): Promise<void> {
    if (!entry.dirty) return;
    entry.dirty = false;
    await this.parts.cursors.put(id, entry.cursor).catch((error) => this.parts.failed(error as Error));
  }

  private describe(session: ConversationSession, event: ConversationEvent): BotEvent | null {
    if (session.isMine(event.author)) return null;
    const author = this.author(session, event.author);
    if (author.identity && this.parts.client.contacts.isBlocked(author.identity)) return null;
    const base = { id: event.id, conversation: { id: session.id, title: session.title }, author, at: event.at };
    switch (event.kind) {
      case 'message':
        return {
          ...base,
          kind: 'message',
          text: event.text,
          ...(event.replyTo ? { replyTo: event.replyTo } : {}),
          ...(event.file ? { file: { name: event.file.name, type: event.file.type, size: event.file.size } } : {}),
          reply: (text: string) => this.parts.actions.send(session, text, event.id),
          react: (emoji: string) => this.parts.actions.react(session, event.id, emoji),
        };
      case 'edit':
      case 'delete': {
        const target = session.timeline.get(event.target);
        if (!target || target.author !== event.author) return null;
        return event.kind === 'edit' ? { ...base, kind: 'edit', target: event.target, text: event.text } : { ...base, kind: 'delete', target: event.target };
      }
      case 'reaction':
        return { ...base, kind: 'reaction', target: event.target, emoji: event.emoji, on: event.on };
      case 'join':
      case 'leave':
        return { ...base, kind: event.kind };
    }
  }

  private author(session: ConversationSession, device: DeviceId): BotAuthor {
    const identity = session.identityOf(device);
    const contact = identity ? this.parts.client.contacts.get(identity) : null;
    return { name: session.memberName(device), identity, device, verified: contact?.verified ?? false, bot: session.memberIsBot(device) };
  }
}
