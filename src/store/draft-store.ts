/**
 * Unsent drafts, one per conversation, kept on this device only (IndexedDB `drafts`), so a
 * half-written message survives a reload and never follows the user into another
 * conversation. A draft holds the text and, when replying, the message it answers.
 */
import type { EventId, Topic } from '../core/ids.js';
import { committed, request } from './idb.js';

export const DRAFTS_STORE = 'drafts';

export interface Draft {
  readonly text: string;
  /** The message this draft replies to, if any. */
  readonly replyTo?: EventId;
}

export interface DraftStore {
  /** The draft of a conversation, or null when there is none. */
  get(topic: Topic): Promise<Draft | null>;
  /** Saves a draft; an empty one (no text, no reply) is removed. */
  put(topic: Topic, draft: Draft): Promise<void>;
  /** Removes a conversation's draft (the conversation was deleted on this device). */
  remove(topic: Topic): Promise<void>;
}

export const isEmptyDraft = (draft: Draft): boolean => draft.text.length === 0 && !draft.replyTo;

export class IdbDraftStore implements DraftStore {
  constructor(private readonly db: IDBDatabase) {}

  async get(topic: Topic): Promise<Draft | null> {
    const tx = this.db.transaction(DRAFTS_STORE, 'readonly');
    const value = (await request(tx.objectStore(DRAFTS_STORE).get(topic))) as Draft | undefined;
    return value && typeof value.text === 'string' ? value : null;
  }

  async put(topic: Topic, draft: Draft): Promise<void> {
    const tx = this.db.transaction(DRAFTS_STORE, 'readwrite');
    if (isEmptyDraft(draft)) tx.objectStore(DRAFTS_STORE).delete(topic);
    else tx.objectStore(DRAFTS_STORE).put(draft, topic);
    await committed(tx);
  }

  async remove(topic: Topic): Promise<void> {
    const tx = this.db.transaction(DRAFTS_STORE, 'readwrite');
    tx.objectStore(DRAFTS_STORE).delete(topic);
    await committed(tx);
  }
}

export class MemoryDraftStore implements DraftStore {
  private readonly drafts = new Map<Topic, Draft>();

  async get(topic: Topic): Promise<Draft | null> {
    const d = this.drafts.get(topic);
    return d ? structuredClone(d) : null;
  }

  async put(topic: Topic, draft: Draft): Promise<void> {
    if (isEmptyDraft(draft)) this.drafts.delete(topic);
    else this.drafts.set(topic, structuredClone(draft));
  }

  async remove(topic: Topic): Promise<void> {
    this.drafts.delete(topic);
  }
}
