/**
 * Drafts of unsent messages, per conversation (docs/architecture.md §11). The composer
 * reports every change; writes to the store are coalesced per conversation (a burst of
 * typing is one write) and flushed when the user leaves the conversation or the page is
 * hidden. Reads are cached, so reopening a conversation shows its draft at once. Drafts
 * whose write has not committed when the page is hidden also go into a synchronous copy
 * (`DraftCopy`): a page closed or reloaded aborts that write, and the next start takes them
 * back from the copy.
 */
import type { Topic } from '../core/ids.js';
import { errorField, silentLogger, type Logger } from '../core/logger.js';
import type { DraftCopy } from '../store/draft-copy.js';
import { isEmptyDraft, type Draft, type DraftStore } from '../store/draft-store.js';

export type { Draft } from '../store/draft-store.js';

/** How long typing may pause before the draft is written. */
const WRITE_AFTER_MS = 250;
const EMPTY: Draft = { text: '' };

export class Drafts {
  private readonly cache = new Map<Topic, Draft>();
  private readonly timers = new Map<Topic, ReturnType<typeof setTimeout>>();
  /** Conversations whose cached draft may differ from what the store has committed. */
  private readonly unsaved = new Set<Topic>();
  /** The copy holds drafts of this page (rewritten as their writes commit). */
  private copied = false;

  constructor(
    private readonly store: DraftStore,
    private readonly logger: Logger = silentLogger,
    private readonly copy?: DraftCopy,
  ) {
    // Newer than the store's: their writes were cut off when the page went away.
    for (const [topic, draft] of copy?.take() ?? []) {
      this.cache.set(topic, isEmptyDraft(draft) ? EMPTY : draft);
      this.unsaved.add(topic);
      void this.write(topic);
    }
  }

  /** The draft of a conversation (empty when there is none). */
  async get(topic: Topic): Promise<Draft> {
    const cached = this.cache.get(topic);
    if (cached) return cached;
    let stored: Draft | null = null;
    try {
      stored = await this.store.get(topic);
    } catch (error) {
      this.logger.warn('draft not read', { error: errorField(error) });
    }
    // A change made while the read was in flight wins.
    const draft = this.cache.get(topic) ?? stored ?? EMPTY;
    this.cache.set(topic, draft);
    return draft;
  }

  /**
   * Replaces the draft of a conversation; it is written shortly after, or at once with
   * `now` (a sent draft must not come back after a quick reload).
   */
  set(topic: Topic, draft: Draft, now = false): void {
    const current = this.cache.get(topic);
    const same = current !== undefined && current.text === draft.text && current.replyTo === draft.replyTo;
    if (same && !this.timers.has(topic) && !now) return;
    this.cache.set(topic, isEmptyDraft(draft) ? EMPTY : draft);
    this.unsaved.add(topic);
    clearTimeout(this.timers.get(topic));
    if (now) {
      this.timers.delete(topic);
      void this.write(topic);
    } else {
      this.timers.set(topic, setTimeout(() => void this.write(topic), WRITE_AFTER_MS));
    }
  }

  /** Writes every pending draft now (leaving a conversation, the page being hidden). */
  async flush(): Promise<void> {
    await Promise.all([...this.timers.keys()].map((topic) => this.write(topic)));
  }

  /**
   * The page is hidden or going away: copies every draft not yet committed, synchronously
   * (the page may be gone before any write commits), then writes them.
   */
  hide(): void {
    this.keepCopy();
    void this.flush();
  }

  /**
   * Erases a conversation's draft, pending write included (the conversation was deleted on
   * this device, docs/architecture.md §4.9).
   */
  async erase(topic: Topic): Promise<void> {
    clearTimeout(this.timers.get(topic));
    this.timers.delete(topic);
    this.cache.delete(topic);
    if (this.unsaved.delete(topic) && this.copied) this.keepCopy();
    await this.store.remove(topic);
  }

  /** Cancels pending writes without writing them. */
  destroy(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async write(topic: Topic): Promise<void> {
    clearTimeout(this.timers.get(topic));
    this.timers.delete(topic);
    const draft = this.cache.get(topic) ?? EMPTY;
    try {
      await this.store.put(topic, draft);
    } catch (error) {
      // A draft is a convenience: losing one must not disturb the user.
      this.logger.warn('draft not saved', { error: errorField(error) });
      return;
    }
    // Unless it changed meanwhile (a new write is due then), the store has this draft.
    if ((this.cache.get(topic) ?? EMPTY) !== draft || !this.unsaved.delete(topic)) return;
    // A copy left from an earlier hide must not bring back an older text after a crash.
    if (this.copied) this.keepCopy();
  }

  private keepCopy(): void {
    if (!this.copy) return;
    const drafts = new Map([...this.unsaved].map((topic) => [topic, this.cache.get(topic) ?? EMPTY] as const));
    this.copy.keep(drafts);
    this.copied = drafts.size > 0;
  }
}
