/**
 * A synchronous copy of the drafts not yet safely in IndexedDB (docs/architecture.md §11).
 *
 * Writing a draft to IndexedDB is asynchronous, and a page that goes away (a reload, the
 * tab closed) aborts a transaction that has not committed: a draft typed or left in the
 * last moment came back empty, or as an older text. `localStorage` writes synchronously
 * within the `pagehide` handler, so the page keeps those drafts there too; the next start
 * takes them back (they are newer than what IndexedDB holds) and writes them properly.
 * Only drafts whose write had not committed are copied, so the copy stays small.
 */
import type { EventId, Topic } from '../core/ids.js';
import type { Draft } from './draft-store.js';

export interface DraftCopy {
  /** The drafts copied by the page before, removed from the copy (read once, at start). */
  take(): Map<Topic, Draft>;
  /** Replaces the copy with these drafts (none: the copy is removed). */
  keep(drafts: ReadonlyMap<Topic, Draft>): void;
}

/** In memory (tests: a "reload" is a new `Drafts` on the same copy). */
export class MemoryDraftCopy implements DraftCopy {
  private drafts = new Map<Topic, Draft>();

  take(): Map<Topic, Draft> {
    const taken = this.drafts;
    this.drafts = new Map();
    return taken;
  }

  keep(drafts: ReadonlyMap<Topic, Draft>): void {
    this.drafts = new Map(drafts);
  }
}

/** One JSON object in `localStorage`: conversation → draft. */
export class LocalDraftCopy implements DraftCopy {
  constructor(
    private readonly storage: Storage,
    private readonly key = 'parley:unsaved-drafts',
  ) {}

  take(): Map<Topic, Draft> {
    let text: string | null = null;
    try {
      text = this.storage.getItem(this.key);
      if (text !== null) this.storage.removeItem(this.key);
    } catch {
      // Storage disabled: there is no copy.
    }
    return LocalDraftCopy.parse(text);
  }

  keep(drafts: ReadonlyMap<Topic, Draft>): void {
    try {
      if (drafts.size === 0) this.storage.removeItem(this.key);
      else this.storage.setItem(this.key, JSON.stringify(Object.fromEntries(drafts)));
    } catch {
      // Storage full or disabled: IndexedDB still gets the drafts, only not synchronously.
    }
  }

  /** Anything but an object of drafts (another version, a hand edit) counts as empty. */
  private static parse(text: string | null): Map<Topic, Draft> {
    const out = new Map<Topic, Draft>();
    try {
      const value: unknown = JSON.parse(text ?? '{}');
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
      for (const [topic, d] of Object.entries(value as Record<string, unknown>)) {
        if (typeof d !== 'object' || d === null) continue;
        const { text: t, replyTo } = d as { text?: unknown; replyTo?: unknown };
        if (typeof t !== 'string' || (replyTo !== undefined && typeof replyTo !== 'string')) continue;
        out.set(topic as Topic, typeof replyTo === 'string' ? { text: t, replyTo: replyTo as EventId } : { text: t });
      }
    } catch {
      // Not JSON: nothing to take back.
    }
    return out;
  }
}
