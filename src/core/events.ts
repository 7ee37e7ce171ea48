/**
 * Conversation events (docs/architecture.md §3.1): immutable plain objects appended to per-author
 * logs. Edits, deletes and reactions point at a target event (Matrix "relations"); the
 * timeline folds them. Everything read from a doc goes through `parseEvent`, because a doc
 * is fed by peers and every input is hostile until checked.
 */
import { isClientNonce } from './authorship/client-id.js';
import { parseFileRef, type FileRef } from './files/file-ref.js';
import { isId, newEventId, type DeviceId, type EventId } from './ids.js';

export const EventKinds = ['message', 'edit', 'delete', 'reaction', 'join', 'leave'] as const;
export type EventKind = (typeof EventKinds)[number];

/** Longest message text, in UTF-16 code units; longer input is refused, not cut. */
export const MAX_TEXT = 16_000;
export const MAX_NAME = 64;
const MAX_EMOJI = 16;

interface EventBase {
  readonly id: EventId;
  /** The device that wrote and signed the event. */
  readonly author: DeviceId;
  /** Milliseconds since epoch, kept monotonic per conversation by `nextTimestamp`. */
  readonly at: number;
  /**
   * Where the event sits in the Yjs doc: client id and clock of its item. Signed, so a peer
   * cannot replay the event elsewhere or squat on the author's client id.
   */
  readonly c: number;
  readonly k: number;
  /** Nonce that binds client id `c` to the author device (core/authorship/client-id.ts). */
  readonly n: string;
  /** Hash of this device's previous event in the conversation ('' for its first). */
  readonly prev: string;
  /** Ed25519 signature by the author device over everything else. */
  readonly sig: string;
}

/** A message someone wrote (named apart from the DOM's `MessageEvent`). */
export interface ChatMessageEvent extends EventBase {
  readonly kind: 'message';
  readonly text: string;
  /**
   * The message this one answers (a relation, like an edit's target, but the reply is a
   * message of its own). Signed with the rest of the event, so nobody can re-point it.
   */
  readonly replyTo?: EventId;
  /**
   * A file this message carries (docs/architecture.md §14); `text` is then its caption and
   * may be empty. The bytes travel beside the document, never in it.
   */
  readonly file?: FileRef;
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

export type ConversationEvent = ChatMessageEvent | EditEvent | DeleteEvent | ReactionEvent | JoinEvent | LeaveEvent;
export type RelationEvent = EditEvent | DeleteEvent | ReactionEvent;

/** Distributes Omit over the union so each variant keeps its own fields. */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type SignatureFields = 'c' | 'k' | 'n' | 'prev' | 'sig';
/** What the user asks for. */
export type EventDraft = OmitEach<ConversationEvent, 'id' | 'author' | 'at' | SignatureFields>;
/** A complete event not yet placed in a doc nor signed. */
export type UnsignedEvent = OmitEach<ConversationEvent, SignatureFields>;

/** Why an event could not be made; the UI words each code (core holds no UI copy). */
export type EventErrorCode = 'message-too-long' | 'invalid-event';

export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly code: EventErrorCode,
    message: string,
    /** For 'message-too-long': the length given and the limit. */
    readonly detail: Readonly<Record<string, number>> = {},
  ) {
    super(message);
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isText = (x: unknown, max: number): x is string => typeof x === 'string' && x.length > 0 && x.length <= max;
/** Largest instant a JavaScript Date can hold; later times cannot even be displayed. */
export const MAX_TIME = 8.64e15;
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0 && x <= MAX_TIME;
/**
 * Event ids are `<author device>.<random>`: an event can only take an id its author could
 * have made, so another member cannot reuse someone's id to shadow their message.
 */
const isEventIdOf = (id: unknown, author: string): boolean =>
  typeof id === 'string' && id.length <= 64 && id.startsWith(`${author}.`) && /^[A-Za-z0-9_-]{8,40}$/.test(id.slice(author.length + 1));
const isTarget = (x: unknown): boolean => typeof x === 'string' && x.length <= 64 && /^[A-Za-z0-9_-]{8,64}\.[A-Za-z0-9_-]{8,40}$/.test(x);
const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isHash = (x: unknown): x is string => x === '' || (typeof x === 'string' && /^[A-Za-z0-9_-]{43}$/.test(x));
const isSig = (x: unknown): x is string => typeof x === 'string' && /^[A-Za-z0-9_-]{86}$/.test(x);

/**
 * Returns the event if the value is a well-formed event, else null. Unknown fields are
 * tolerated (newer clients may add some) but never copied into the timeline.
 */
export function parseEvent(x: unknown): ConversationEvent | null {
  if (!isObj(x) || !isUint(x.c) || !isUint(x.k) || !isClientNonce(x.n) || !isHash(x.prev) || !isSig(x.sig)) return null;
  return parseUnsigned(x) as ConversationEvent | null;
}

/** Shape check of the user-visible part of an event (before it is signed). */
export function parseUnsigned(x: unknown): UnsignedEvent | null {
  if (!isObj(x) || !isId(x.author) || !isEventIdOf(x.id, x.author) || !isTime(x.at)) return null;
  switch (x.kind) {
    case 'message':
      return (isText(x.text, MAX_TEXT) || (x.text === '' && x.file !== undefined)) &&
        (x.replyTo === undefined || isTarget(x.replyTo)) &&
        (x.file === undefined || parseFileRef(x.file) !== null)
        ? (x as unknown as UnsignedEvent)
        : null;
    case 'edit':
      return isTarget(x.target) && isText(x.text, MAX_TEXT) ? (x as unknown as UnsignedEvent) : null;
    case 'delete':
      return isTarget(x.target) ? (x as unknown as UnsignedEvent) : null;
    case 'reaction':
      return isTarget(x.target) && isText(x.emoji, MAX_EMOJI) && typeof x.on === 'boolean' ? (x as unknown as UnsignedEvent) : null;
    case 'join':
      return isText(x.name, MAX_NAME) ? (x as unknown as UnsignedEvent) : null;
    case 'leave':
      return x as unknown as UnsignedEvent;
    default:
      return null;
  }
}

/** Builds an event from a draft, validating what the user typed; signing comes later. */
export function createEvent(draft: EventDraft, author: DeviceId, at: number): UnsignedEvent {
  const event = { ...draft, id: newEventId(author), author, at } as UnsignedEvent;
  if (!parseUnsigned(event)) {
    if ((draft.kind === 'message' || draft.kind === 'edit') && draft.text.length > MAX_TEXT) {
      throw new InvalidEventError('message-too-long', `text of ${draft.text.length} characters, limit ${MAX_TEXT}`, { length: draft.text.length, max: MAX_TEXT });
    }
    throw new InvalidEventError('invalid-event', `invalid ${draft.kind} event`);
  }
  return event;
}

/**
 * A timestamp that never goes backwards relative to what this device has seen, so a reply
 * sorts after the message it answers even when clocks disagree (a hybrid logical clock
 * reduced to its essentials).
 */
export const nextTimestamp = (now: number, latestSeen: number): number =>
  // A clock far ahead (skewed, or a hostile member) must not drag everyone's time with it.
  latestSeen > now + MAX_CLOCK_SKEW ? now : Math.max(now, latestSeen + 1);

/**
 * How far ahead of this device's clock a timestamp is still believed: past it, an event is
 * shown flagged as future-dated and never counts as the newest time (timeline.ts).
 */
export const MAX_CLOCK_SKEW = 5 * 60 * 1000;

