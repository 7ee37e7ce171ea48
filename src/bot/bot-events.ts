/**
 * What a bot hears: the conversation events of other members, as plain typed objects with
 * the author resolved (name, identity, verified, bot) and, for messages, `reply` and `react`.
 * The same objects become `parley listen --json` lines through `eventJson`.
 *
 * Kinds follow the conversation log's event kinds one to one (core/events.ts); a new kind
 * there (files, for one) becomes a new variant here and a new line in `eventJson`, and
 * nothing else changes: the feed hands over whatever `describeEvent` returns.
 */
import type { DeviceId, EventId, Topic } from '../core/ids.js';
import type { IdentityId } from '../core/identity/keys.js';

export interface BotAuthor {
  /** The name in the author's signed member record. */
  readonly name: string;
  /** The author's identity (its Ed25519 key, base64url); null if its record has not arrived. */
  readonly identity: IdentityId | null;
  /** The device that wrote and signed the event. */
  readonly device: DeviceId;
  /** The bot's operator compared safety numbers with this identity and marked it verified. */
  readonly verified: boolean;
  /** The author is a program too (the bot flag of its member record). */
  readonly bot: boolean;
}

export interface BotConversation {
  readonly id: Topic;
  readonly title: string;
}

interface EventBase {
  readonly id: EventId;
  readonly conversation: BotConversation;
  readonly author: BotAuthor;
  /** When the author wrote it (their clock), ms since epoch. */
  readonly at: number;
}

/** Resolves once the answer is acknowledged: delivered to a member, or stored in the mailbox. */
export interface SentMessage {
  readonly id: EventId;
  readonly conversation: Topic;
}

export interface BotMessage extends EventBase {
  readonly kind: 'message';
  readonly text: string;
  /** The message this one answers, if any. */
  readonly replyTo?: EventId;
  /** A file the message carries (its text is the caption): name, media type, size in bytes. */
  readonly file?: BotFile;
  /** Sends `text` into the same conversation as a reply to this message. */
  reply(text: string): Promise<SentMessage>;
  /** Adds the bot's reaction with `emoji` to this message. */
  react(emoji: string): Promise<void>;
}

/** What a bot hears of a file: the bytes stay with members until fetched. */
export interface BotFile {
  readonly name: string;
  readonly type: string;
  readonly size: number;
}

export interface BotEdit extends EventBase {
  readonly kind: 'edit';
  readonly target: EventId;
  readonly text: string;
}

export interface BotDelete extends EventBase {
  readonly kind: 'delete';
  readonly target: EventId;
}

export interface BotReaction extends EventBase {
  readonly kind: 'reaction';
  readonly target: EventId;
  readonly emoji: string;
  /** False: the author withdrew this reaction. */
  readonly on: boolean;
}

export interface BotMembership extends EventBase {
  readonly kind: 'join' | 'leave';
}

export type BotEvent = BotMessage | BotEdit | BotDelete | BotReaction | BotMembership;
export type BotEventKind = BotEvent['kind'];

/** Listeners may be async: a rejection becomes an `error` event, never an unhandled one. */
export type BotEvents = {
  message: (message: BotMessage) => void;
  edit: (edit: BotEdit) => void;
  delete: (deletion: BotDelete) => void;
  reaction: (reaction: BotReaction) => void;
  join: (join: BotMembership) => void;
  leave: (leave: BotMembership) => void;
  /** Every event above, in order, whatever its kind. */
  event: (event: BotEvent) => void;
  /** A listener failed, or something went wrong in the background (a send, storage). */
  error: (error: Error) => void;
};

/** One `parley listen --json` line (and the outgoing webhook's body). */
export interface EventJson {
  readonly type: BotEventKind;
  readonly conversation: string;
  readonly conversationTitle: string;
  readonly id: string;
  readonly author: { readonly name: string; readonly identity: string | null; readonly device: string; readonly verified: boolean; readonly bot: boolean };
  /** ISO 8601. */
  readonly time: string;
  readonly text?: string;
  readonly replyTo?: string;
  readonly file?: BotFile;
  readonly target?: string;
  readonly emoji?: string;
  readonly on?: boolean;
}

export function eventJson(e: BotEvent): EventJson {
  const base = {
    type: e.kind,
    conversation: e.conversation.id,
    conversationTitle: e.conversation.title,
    id: e.id,
    author: { name: e.author.name, identity: e.author.identity, device: e.author.device, verified: e.author.verified, bot: e.author.bot },
    time: new Date(e.at).toISOString(),
  };
  switch (e.kind) {
    case 'message':
      return { ...base, text: e.text, ...(e.replyTo ? { replyTo: e.replyTo } : {}), ...(e.file ? { file: e.file } : {}) };
    case 'edit':
      return { ...base, target: e.target, text: e.text };
    case 'delete':
      return { ...base, target: e.target };
    case 'reaction':
      return { ...base, target: e.target, emoji: e.emoji, on: e.on };
    case 'join':
    case 'leave':
      return base;
  }
}
