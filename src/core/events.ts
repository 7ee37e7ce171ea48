/**
 * Conversation events (ARCHITECTURE §3): immutable plain objects appended to per-author
 * logs. Edits, deletes and reactions point at a target event (Matrix "relations"); the
 * timeline folds them. Everything read from a doc goes through `parseEvent`, because a doc
 * is fed by peers and every input is hostile until checked.
 */
import { isId, newEventId, type DeviceId, type EventId } from './ids.js';

export const EventKinds = ['message', 'edit', 'delete', 'reaction', 'join', 'leave'] as const;
export type EventKind = (typeof EventKinds)[number];

/** Longest message text, in UTF-16 code units; longer input is refused, not cut. */
export const MAX_TEXT = 16_000;
export const MAX_NAME = 64;
const MAX_EMOJI = 16;

interface EventBase {
  readonly id: EventId;
  readonly author: DeviceId;
  /** Milliseconds since epoch, kept monotonic per conversation by `nextTimestamp`. */
  readonly at: number;
}

export interface MessageEvent extends EventBase {
  readonly kind: 'message';
  readonly text: string;
}
export interface EditEvent extends EventBase {
  readonly kind: 'edit';
  readonly target: EventId;
  readonly text: string;
}
export interface DeleteEvent extends EventBase {
  readonly kind: 'delete';
  readonly target: EventId;
}
export interface ReactionEvent extends EventBase {
  readonly kind: 'reaction';
  readonly target: EventId;
  readonly emoji: string;
  /** false withdraws an earlier reaction with the same emoji. */
  readonly on: boolean;
}
export interface JoinEvent extends EventBase {
  readonly kind: 'join';
  readonly name: string;
}
export interface LeaveEvent extends EventBase {
  readonly kind: 'leave';
}

export type ConversationEvent = MessageEvent | EditEvent | DeleteEvent | ReactionEvent | JoinEvent | LeaveEvent;
export type RelationEvent = EditEvent | DeleteEvent | ReactionEvent;

/** Distributes Omit over the union so each variant keeps its own fields. */
export type EventDraft = ConversationEvent extends infer E ? (E extends ConversationEvent ? Omit<E, 'id' | 'author' | 'at'> : never) : never;

export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isText = (x: unknown, max: number): x is string => typeof x === 'string' && x.length > 0 && x.length <= max;
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;

/**
 * Returns the event if the value is a well-formed event, else null. Unknown fields are
 * tolerated (newer clients may add some) but never copied into the timeline.
 */
export function parseEvent(x: unknown): ConversationEvent | null {
  if (!isObj(x) || !isId(x.id) || !isId(x.author) || !isTime(x.at)) return null;
  switch (x.kind) {
    case 'message':
      return isText(x.text, MAX_TEXT) ? (x as unknown as MessageEvent) : null;
    case 'edit':
      return isId(x.target) && isText(x.text, MAX_TEXT) ? (x as unknown as EditEvent) : null;
    case 'delete':
      return isId(x.target) ? (x as unknown as DeleteEvent) : null;
    case 'reaction':
      return isId(x.target) && isText(x.emoji, MAX_EMOJI) && typeof x.on === 'boolean' ? (x as unknown as ReactionEvent) : null;
    case 'join':
      return isText(x.name, MAX_NAME) ? (x as unknown as JoinEvent) : null;
    case 'leave':
      return x as unknown as LeaveEvent;
    default:
      return null;
  }
}

/** Builds a complete event from a draft, validating what the user typed. */
export function createEvent(draft: EventDraft, author: DeviceId, at: number): ConversationEvent {
  const event = { ...draft, id: newEventId(), author, at } as ConversationEvent;
  if (!parseEvent(event)) {
    if ((draft.kind === 'message' || draft.kind === 'edit') && draft.text.length > MAX_TEXT) {
      throw new InvalidEventError(`Message is too long: ${draft.text.length} characters, at most ${MAX_TEXT}.`);
    }
    throw new InvalidEventError(`Invalid ${draft.kind} event.`);
  }
  return event;
}

/**
 * A timestamp that never goes backwards relative to what this device has seen, so a reply
 * sorts after the message it answers even when clocks disagree (a hybrid logical clock
 * reduced to its essentials).
 */
export const nextTimestamp = (now: number, latestSeen: number): number => Math.max(now, latestSeen + 1);

export const isRelation = (e: ConversationEvent): e is RelationEvent =>
  e.kind === 'edit' || e.kind === 'delete' || e.kind === 'reaction';
