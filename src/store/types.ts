/**
 * Storage seams (docs/architecture.md §9): small interfaces that the client composes. The IndexedDB
 * implementations are the product; the in-memory ones run the same contract tests and
 * serve Node-side scripted peers.
 */
import type { UnsignedEvent } from '../core/events.js';
import type { EventId, Topic } from '../core/ids.js';

export type { Account } from '../core/identity/account.js';
import type { Account } from '../core/identity/account.js';

export interface ConversationRecord {
  readonly id: Topic;
  /** base64url conversation secret; never leaves the device except in invite links. */
  readonly secret: string;
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

export interface RecentMessage {
  readonly id: string;
  readonly author: string;
  readonly name: string;
  readonly at: number;
  readonly text: string;
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
