/**
 * Storage seams (ARCHITECTURE §9): small interfaces that the client composes. The IndexedDB
 * implementations are the product; the in-memory ones run the same contract tests and
 * serve Node-side scripted peers.
 */
import type { ConversationEvent } from '../core/events.js';
import type { DeviceId, EventId, Topic } from '../core/ids.js';

export interface Profile {
  readonly deviceId: DeviceId;
  readonly name: string;
  readonly createdAt: number;
}

export interface ConversationRecord {
  readonly id: Topic;
  /** base64url conversation secret; never leaves the device except in invite links. */
  readonly secret: string;
  readonly title: string;
  readonly createdAt: number;
  /** Preview of the newest message, for the sidebar without loading the document. */
  readonly lastText?: string;
  readonly lastAuthor?: string;
  readonly lastAt?: number;
}

export interface OutboxEntry {
  readonly id: EventId;
  readonly conversation: Topic;
  readonly event: ConversationEvent;
  readonly createdAt: number;
}

export interface ProfileStore {
  get(): Promise<Profile | null>;
  put(profile: Profile): Promise<void>;
}

export interface ConversationStore {
  list(): Promise<ConversationRecord[]>;
  get(id: Topic): Promise<ConversationRecord | null>;
  put(record: ConversationRecord): Promise<void>;
  remove(id: Topic): Promise<void>;
}

/**
 * Write-ahead log of local events (ARCHITECTURE §7). `add` resolves only once the entry is
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
