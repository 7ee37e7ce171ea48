/**
 * Storage seams (docs/architecture.md §9): small interfaces that the client composes. The IndexedDB
 * implementations are the product; the in-memory ones run the same contract tests and
 * serve Node-side scripted peers.
 */
import type { UnsignedEvent } from '../core/events.js';
import type { CachedFile } from '../core/files/file-ref.js';
import type { EventId, Topic } from '../core/ids.js';

export type { Account } from '../core/identity/account.js';
import type { Account } from '../core/identity/account.js';

export interface ConversationRecord {
  /** Stable id (docs/architecture.md §4.1); the topic changes with every epoch. */
  readonly id: Topic;
  /**
   * base64url secret of the current epoch, from which its topic, mailbox and keys derive
   * (the service worker reads it too). Never leaves the device except sealed to members.
   */
  readonly secret: string;
  /**
   * The epochs this device holds secrets for, current one last. Older ones stay only while
   * their mailbox may still hold entries (retired + mailbox TTL), then they are deleted.
   * Absent for conversations that never rotated (their one secret is `secret`).
   */
  readonly epochs?: readonly StoredEpoch[];
  /**
   * Epoch id → base64url file root (docs/architecture.md §14.1) for epochs whose secret this
   * device does not hold (any more): handed over at a full-history join, or kept when an
   * old secret was deleted. A root opens that epoch's files and nothing else.
   */
  readonly fileRoots?: Readonly<Record<string, string>>;
  /**
   * 'explicit': a group with a genesis record (created since epochs). Otherwise the genesis
   * is implicit: a 1:1 chat, or a group from before epochs (docs/architecture.md §4.2).
   */
  readonly genesis?: 'explicit';
  /** Another device of this user was in it first: this device joins without a join line. */
  readonly quiet?: boolean;
  /** Set when this user left, or was removed: the conversation is read-only history. */
  readonly ended?: 'left' | 'removed' | 'device-removed';
  /** Archived on this device: out of the main list until a new message arrives (docs/architecture.md §4.9). */
  readonly archived?: boolean;
  readonly title: string;
  readonly createdAt: number;
  /** 'direct': a 1:1 conversation with `peer`, derived from both identities. */
  readonly kind?: 'group' | 'direct';
  /** The other identity of a direct conversation (its Ed25519 key). */
  readonly peer?: string;
  /** Preview of the newest message, for the sidebar without loading the document. */
  readonly lastText?: string;
  readonly lastAuthor?: string;
  readonly lastAt?: number;
  /**
   * The newest messages, as shown: opening a long conversation puts them on screen at once
   * while the document (100k messages take a second or two) loads behind them.
   */
  readonly recent?: readonly RecentMessage[];
}

export interface StoredEpoch {
  /** Epoch record id (or 'g0' for an implicit genesis). */
  readonly id: string;
  readonly n: number;
  /** base64url epoch secret. */
  readonly secret: string;
  /** When this device moved into it. */
  readonly since: number;
  /** When a newer epoch replaced it; its key is deleted once the mailbox TTL has passed. */
  readonly retiredAt?: number;
}

export interface RecentMessage {
  readonly id: string;
  readonly author: string;
  readonly name: string;
  readonly at: number;
  readonly text: string;
  /** A file message's file, as much as its row needs to be drawn at its size (`CachedFile`). */
  readonly file?: CachedFile;
}

export interface OutboxEntry {
  readonly id: EventId;
  readonly conversation: Topic;
  /** Stored unsigned: the signature binds the event to where it lands in the doc. */
  readonly event: UnsignedEvent;
  readonly createdAt: number;
}

export interface AccountStore {
  get(): Promise<Account | null>;
  put(account: Account): Promise<void>;
}

export interface ConversationStore {
  list(): Promise<ConversationRecord[]>;
  get(id: Topic): Promise<ConversationRecord | null>;
  put(record: ConversationRecord): Promise<void>;
  remove(id: Topic): Promise<void>;
}

/**
 * Write-ahead log of local events (docs/architecture.md §7.1). `add` resolves only once the entry is
 * durably committed: that is the moment a message counts as acknowledged.
 */
export interface OutboxStore {
  add(entry: OutboxEntry): Promise<void>;
  list(conversation?: Topic): Promise<OutboxEntry[]>;
  remove(ids: readonly EventId[]): Promise<void>;
}

/** A document bound to durable storage: updates are saved as they happen. */
export interface PersistedDoc {
  /** Resolves once stored state has been applied to the doc. */
  readonly whenLoaded: Promise<void>;
  destroy(): Promise<void>;
}

export interface DocStore {
  open(name: string, doc: import('yjs').Doc): PersistedDoc;
  /** Deletes a document's stored state. */
  clear(name: string): Promise<void>;
}
