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
import type { ConversationSession } from './conversation-session.js';
import type { SelfSession } from './self-session.js';

export const READ_WRITE_EVERY_MS = 30_000;

export interface ReadMarkerParts {
  readonly self: () => SelfSession | null;
  readonly session: (topic: Topic) => ConversationSession | undefined;
  readonly onError: (error: Error) => void;
  readonly writeEveryMs?: number;
}

export class ReadMarkers {
  private viewing: Topic | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

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
    return session ? session.unreadSince(this.parts.self()?.readUpTo(topic) ?? 0) : 0;
  }

  destroy(): void {
    this.cancel();
  }

  private write(topic: Topic): void {
    const session = this.parts.session(topic);
    const self = this.parts.self();
    if (!session || !self) return;
    self.markRead(topic, session.timeline.latestAt).catch((error: unknown) => this.parts.onError(error as Error));
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
