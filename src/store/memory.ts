/**
 * In-memory storage: the same contracts as the IndexedDB stores, for Node-side peers and
 * contract tests. Values are structured-cloned so callers cannot mutate what was stored,
 * exactly like IndexedDB.
 */
import type { EventId, Topic } from '../core/ids.js';
import type * as Y from 'yjs';
import type { Account, AccountStore, ConversationRecord, ConversationStore, DocStore, OutboxEntry, OutboxStore, PersistedDoc } from './types.js';

export class MemoryAccountStore implements AccountStore {
  private value: Account | null = null;
  async get(): Promise<Account | null> {
    return this.value ? structuredClone(this.value) : null;
  }
  async put(account: Account): Promise<void> {
    this.value = structuredClone(account);
  }
}

export class MemoryConversationStore implements ConversationStore {
  private readonly records = new Map<Topic, ConversationRecord>();
  async list(): Promise<ConversationRecord[]> {
    return [...this.records.values()].map((r) => structuredClone(r));
  }
  async get(id: Topic): Promise<ConversationRecord | null> {
    const r = this.records.get(id);
    return r ? structuredClone(r) : null;
  }
  async put(record: ConversationRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
  }
  async remove(id: Topic): Promise<void> {
    this.records.delete(id);
  }
}

export class MemoryOutboxStore implements OutboxStore {
  private readonly entries = new Map<EventId, OutboxEntry>();
  async add(entry: OutboxEntry): Promise<void> {
    this.entries.set(entry.id, structuredClone(entry));
  }
  async list(conversation?: Topic): Promise<OutboxEntry[]> {
    return [...this.entries.values()]
      .filter((e) => !conversation || e.conversation === conversation)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((e) => structuredClone(e));
  }
  async remove(ids: readonly EventId[]): Promise<void> {
    for (const id of ids) this.entries.delete(id);
  }
}

/** Documents that live only as long as the process (scripted peers, unit tests). */
export class MemoryDocStore implements DocStore {
  open(_name: string, _doc: Y.Doc): PersistedDoc {
    return { whenLoaded: Promise.resolve(), destroy: async () => undefined };
  }
  async clear(_name: string): Promise<void> {}
}
