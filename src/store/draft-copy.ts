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
import { LocalJsonObject } from './local-json.js';

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
  private readonly stored: LocalJsonObject;

  constructor(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>, key = 'parley:unsaved-drafts') {
    this.stored = new LocalJsonObject(storage, key);
  }

  take(): Map<Topic, Draft> {
    const taken = LocalDraftCopy.drafts(this.stored.read());
    this.stored.write({});
    return taken;
  }

  keep(drafts: ReadonlyMap<Topic, Draft>): void {
    this.stored.write(Object.fromEntries(drafts));
  }

  /** Entries that are not drafts (another version, a hand edit) are left out. */
  private static drafts(value: Record<string, unknown>): Map<Topic, Draft> {
    const out = new Map<Topic, Draft>();
    for (const [topic, d] of Object.entries(value)) {
      if (typeof d !== 'object' || d === null) continue;
      const { text, replyTo } = d as { text?: unknown; replyTo?: unknown };
      if (typeof text !== 'string' || (replyTo !== undefined && typeof replyTo !== 'string')) continue;
      out.set(topic as Topic, typeof replyTo === 'string' ? { text, replyTo: replyTo as EventId } : { text });
    }
    return out;
  }
}
