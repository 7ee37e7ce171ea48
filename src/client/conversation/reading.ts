/**
 * Reading a timeline for the sidebar and read markers: the newest messages to cache, and
 * how many from others are unread. Both walk from the newest end and stop early, so a long
 * history costs no more than a short one.
 */
import { cachedFile } from '../../core/files/file-ref.js';
import type { DeviceId } from '../../core/ids.js';
import type { Timeline } from '../../core/timeline.js';
import type { RecentMessage } from '../../store/types.js';

/** The newest messages as shown, for the conversation record's cache. */
export function recentMessages(timeline: Timeline, nameOf: (device: DeviceId) => string, count = 30): RecentMessage[] {
  const out: RecentMessage[] = [];
  const entries = timeline.entries;
  for (let i = entries.length - 1; i >= 0 && out.length < count; i--) {
    const e = entries[i]!;
    if (e.kind !== 'message' || e.deleted) continue;
    // A file message's text is its caption, often empty: its row needs the file to say what it is.
    out.push({ id: e.id, author: e.author, name: nameOf(e.author), at: e.at, text: e.text.slice(0, 2000), ...(e.file ? { file: cachedFile(e.file) } : {}) });
  }
  return out.reverse();
}

/** Messages from others newer than `upTo`, counting at most `cap` (the sidebar shows "99+"). */
export function unreadSince(timeline: Timeline, isMine: (device: DeviceId) => boolean, upTo: number, cap = 100): number {
  const entries = timeline.entries;
  let count = 0;
  for (let i = entries.length - 1; i >= 0 && count < cap; i--) {
    const entry = entries[i]!;
    // A future-dated entry sits at the end but is never news (core/timeline.ts).
    if (entry.flag === 'future') continue;
    if (entry.sortAt <= upTo) break;
    if (entry.kind === 'message' && !entry.deleted && !isMine(entry.author)) count++;
  }
  return count;
}
