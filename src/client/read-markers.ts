/**
 * Read markers: how far the user has read each conversation. They live in the self doc, so
 * every device of the user agrees on what is unread.
 *
 * The conversation on screen counts as read. Its marker is written when it opens, when it is
 * left (or the page is hidden), and at most every 30 s while it stays open: self-doc values
 * are never garbage-collected (signatures cover their placement), so writing on every
 * arriving message would grow the doc with an active chat.
 */
import type { Topic } from '../core/ids.js';
import type { ReadMarkerCopy } from '../store/read-marker-copy.js';
import type { ConversationSession } from './conversation-session.js';
import type { SelfSession } from './self-session.js';

export const READ_WRITE_EVERY_MS = 30_000;

export interface ReadMarkerParts {
  readonly self: () => SelfSession | null;
  readonly session: (topic: Topic) => ConversationSession | undefined;
  readonly onError: (error: Error) => void;
  /** A synchronous copy kept by the page, so a marker set as it closes is not lost. */
  readonly copy?: ReadMarkerCopy;
  readonly writeEveryMs?: number;
}

export class ReadMarkers {
  private viewing: Topic | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Conversations whose copied marker was found ahead of the self doc and written there. */
  private readonly restored = new Set<Topic>();

  constructor(private readonly parts: ReadMarkerParts) {}

  /**
   * The conversation now on screen, or null when none is (another view, or the page hidden).
   * Returns whether that changed.
   */
  view(topic: Topic | null): boolean {
    if (topic === this.viewing) return false;
    const left = this.viewing;
    this.viewing = topic;
    this.cancel();
    if (left) this.write(left);
    if (topic) this.write(topic);
    return true;
  }

  /** The conversation on screen, if any. */
  get current(): Topic | null {
    return this.viewing;
  }

  /** Something new appeared in a conversation; if it is on screen, it will be marked read. */
  shown(topic: Topic): void {
    if (topic !== this.viewing || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.viewing) this.write(this.viewing);
    }, this.parts.writeEveryMs ?? READ_WRITE_EVERY_MS);
  }

  /** Messages from others the user has not seen (capped; the conversation on screen has none). */
  unread(topic: Topic): number {
    if (topic === this.viewing) return 0;
    const session = this.parts.session(topic);
    return session ? session.unreadSince(this.readUpTo(topic)) : 0;
  }

  /** How far the user has read: the self doc's marker, or this page's copy when it is ahead. */
  readUpTo(topic: Topic): number {
    const self = this.parts.self();
    const stored = self?.readUpTo(topic) ?? 0;
    const copied = this.parts.copy?.get(topic) ?? 0;
    if (copied <= stored) return stored;
    // The page closed before the self doc saved it: save it now (once), for the other devices too.
    if (self && !this.restored.has(topic)) {
      this.restored.add(topic);
      self.markRead(topic, copied).catch((error: unknown) => this.parts.onError(error as Error));
    }
    return copied;
  }

  destroy(): void {
    this.cancel();
  }

  private write(topic: Topic): void {
    const session = this.parts.session(topic);
    const self = this.parts.self();
    if (!session || !self) return;
    const upTo = session.timeline.latestAt;
    // Synchronously first: this may run as the page goes away (the `visibilitychange` to hidden
    // that follows `pagehide`), with no time left for the self doc.
    if (upTo > self.readUpTo(topic)) this.parts.copy?.set(topic, upTo);
    self.markRead(topic, upTo).catch((error: unknown) => this.parts.onError(error as Error));
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
