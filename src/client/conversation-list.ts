/**
 * The sidebar's view of every conversation: title, newest message, unread count, newest
 * first. A loaded conversation answers from its timeline (so a device that just received
 * the history shows its newest message at once, not "No messages yet"); one still loading
 * answers from the preview cached in its record.
 */
import type { Topic } from '../core/ids.js';
import type { IdentityId } from '../core/identity/keys.js';
import { messagePreview } from '../core/message-preview.js';
import type { TimelineEntry } from '../core/timeline.js';
import type { ContactRecord } from './self-session.js';
import type { ConversationSession } from './conversation-session.js';

export interface ConversationSummary {
  readonly id: Topic;
  readonly title: string;
  readonly direct: boolean;
  readonly verified: boolean;
  readonly lastText: string;
  readonly lastAuthor: string;
  /** The newest message was written by this user (the list says "You: …"). */
  readonly lastMine: boolean;
  readonly lastAt: number;
  /** Messages from others since the user last read it, on any of their devices (capped at 100). */
  readonly unread: number;
  /** This user left or was removed, or this device was removed: read-only history. */
  readonly ended: boolean;
  /** Archived on this device: listed apart until a new message arrives. */
  readonly archived: boolean;
}

/** Characters of the newest message the sidebar shows. */
const PREVIEW_CHARS = 120;

/**
 * The newest message as the list shows it (`messagePreview`: a file message by its kind and
 * caption), or that it was deleted.
 */
export function previewText(entry: TimelineEntry): string {
  return entry.deleted ? 'Message deleted' : messagePreview(entry, PREVIEW_CHARS);
}

export function summarize(
  sessions: Iterable<ConversationSession>,
  contact: (identity: IdentityId) => ContactRecord | null,
  unread: (id: Topic) => number,
): ConversationSummary[] {
  const out: ConversationSummary[] = [];
  for (const s of sessions) {
    const person = s.isDirect && s.record.peer ? contact(s.record.peer as IdentityId) : null;
    if (person?.state === 'blocked') continue;
    const last = s.ready ? lastMessage(s) : null;
    out.push({
      id: s.id,
      title: person ? person.name : s.title,
      direct: s.isDirect,
      verified: person?.verified ?? false,
      lastText: last ? previewText(last) : (s.record.lastText ?? ''),
      lastAuthor: last ? s.memberName(last.author) : (s.record.lastAuthor ?? ''),
      lastMine: last ? s.isMine(last.author) : newestMessageIsMine(s),
      lastAt: last?.at ?? s.record.lastAt ?? s.record.createdAt,
      unread: unread(s.id),
      ended: s.ended !== null,
      archived: s.record.archived ?? false,
    });
  }
  return out.sort((a, b) => b.lastAt - a.lastAt);
}

function lastMessage(s: ConversationSession) {
  const entries = s.timeline.entries;
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.kind === 'message') return entries[i]!;
  return null;
}

/** Whether the newest message of a conversation is this user's (any of their devices). */
function newestMessageIsMine(session: ConversationSession): boolean {
  const last = lastMessage(session);
  return last !== null && session.isMine(last.author);
}
