/**
 * Turning what the user asked for into event drafts, with the checks that belong before
 * anything is signed: no empty text, edits and deletes only of this device's own live
 * messages (the timeline ignores anyone else's attempt anyway), reactions toggle.
 */
import type { EventDraft } from '../../core/events.js';
import type { DeviceId, EventId } from '../../core/ids.js';
import type { Timeline, TimelineEntry } from '../../core/timeline.js';
import { ClientError } from '../errors.js';

const trimEnd = (text: string): string => text.replace(/\s+$/u, '');

export function messageDraft(text: string, replyTo?: EventId): EventDraft {
  const body = trimEnd(text);
  if (body.trim().length === 0) throw new ClientError('empty-message');
  return { kind: 'message', text: body, ...(replyTo ? { replyTo } : {}) };
}

/** Null when the text did not change. */
export function editDraft(timeline: Timeline, me: DeviceId, target: EventId, text: string): EventDraft | null {
  const body = trimEnd(text);
  if (body.trim().length === 0) throw new ClientError('empty-edit');
  const entry = ownMessage(timeline, me, target);
  return entry.text === body ? null : { kind: 'edit', target, text: body };
}

export function deleteDraft(timeline: Timeline, me: DeviceId, target: EventId): EventDraft {
  ownMessage(timeline, me, target);
  return { kind: 'delete', target };
}

export function reactionDraft(timeline: Timeline, me: DeviceId, target: EventId, emoji: string): EventDraft {
  const entry = timeline.get(target);
  if (!entry || entry.kind !== 'message' || entry.deleted) throw new ClientError('message-gone');
  return { kind: 'reaction', target, emoji, on: !(entry.reactions.get(emoji)?.has(me) ?? false) };
}

function ownMessage(timeline: Timeline, me: DeviceId, target: EventId): TimelineEntry {
  const entry = timeline.get(target);
  if (!entry || entry.kind !== 'message' || entry.deleted) throw new ClientError('message-gone');
  if (entry.author !== me) throw new ClientError('not-author');
  return entry;
}
