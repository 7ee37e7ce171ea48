/**
 * Where the reader's attention belongs in a conversation's list (docs/architecture.md §11):
 * the first unread message when it opened, under the "Unread messages" divider, and how
 * many messages from others arrived since the reader was last at the newest ("Jump to
 * newest, 3 new messages"). Pure bookkeeping over the list as shown; the list scrolls.
 */
import type { DeviceId, EventId } from '../../core/ids.js';
import { compareEntries, type TimelineEntry } from '../../core/timeline.js';

/** What the marks need to know about the list's entries. */
export interface UnreadRules {
  /** A device of this user: their own messages are never unread nor new. */
  readonly isMine: (device: DeviceId) => boolean;
  /** A message inside a blocked person's run, which counts for nothing. */
  readonly isBlocked: (id: EventId) => boolean;
}

export class UnreadMarks {
  /** The first unread message when the conversation opened. */
  first: TimelineEntry | null = null;
  /** The first unread no longer moves: the reader scrolled, or the history has loaded. */
  settled = false;
  /** Newest `at` the reader has seen at the end of the list; newer messages are "new". */
  private seenAt = 0;

  constructor(private readonly rules: UnreadRules) {}

  /**
   * Looks for the first message from someone else newer than the read marker `readUpTo`
   * (0: never read). While the history is still `loading` (older unread messages may
   * appear) it is looked for again on each call; then it stays. Returns the entry when it
   * changed, for the list to bring into view, else null.
   */
  find(shown: readonly TimelineEntry[], readUpTo: number, loading: boolean): TimelineEntry | null {
    if (this.settled) return null;
    let found: TimelineEntry | null = null;
    if (readUpTo > 0) {
      let first: TimelineEntry | null = null;
      for (let i = shown.length - 1; i >= 0; i--) {
        const e = shown[i]!;
        // Sorted by sortAt; a future-dated entry is never the first unread (core/timeline.ts).
        if (e.flag === 'future') continue;
        if (e.sortAt <= readUpTo) break;
        if (this.counts(e)) first = e;
      }
      if (first && first !== this.first) {
        this.first = first;
        this.seenAt = readUpTo;
        found = first;
      }
    }
    if (!loading && shown.length > 0) this.settled = true;
    return found;
  }

  /** The reader is at the newest message, dated `at`. */
  seen(at: number): void {
    this.seenAt = at;
  }

  /** Messages from others newer than what the reader saw at the end of the list. */
  countNew(shown: readonly TimelineEntry[]): number {
    let n = 0;
    for (let i = shown.length - 1; i >= 0; i--) {
      const e = shown[i]!;
      if (e.at <= this.seenAt) break;
      if (!e.deleted && this.counts(e)) n++;
    }
    return n;
  }

  private counts(e: TimelineEntry): boolean {
    return e.kind === 'message' && !this.rules.isMine(e.author) && !this.rules.isBlocked(e.id);
  }
}

/** Index of an entry in a list in timeline order; -1 when absent. */
export function indexOfEntry(list: readonly TimelineEntry[], target: TimelineEntry): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(list[mid]!, target) < 0) lo = mid + 1;
    else hi = mid;
  }
  return list[lo]?.id === target.id ? lo : -1;
}
