/**
 * In-memory storage: the same contracts as the IndexedDB stores, for Node-side peers and
 * contract tests. Values are structured-cloned so callers cannot mutate what was stored,
 * exactly like IndexedDB.
 */
import * as Y from 'yjs';
import type { EventId, Topic } from '../core/ids.js';
import { defaultSettings, type DeviceSettings, type SettingsStore } from './settings-store.js';
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

/**
 * Documents that live as long as the store object (scripted peers, unit tests): each name
 * keeps its updates, so a document closed and opened again comes back as it was, as with
 * y-indexeddb.
 */
export class MemoryDocStore implements DocStore {
  private readonly updates = new Map<string, Uint8Array[]>();

  open(name: string, doc: Y.Doc): PersistedDoc {
    let stored = this.updates.get(name);
    if (!stored) this.updates.set(name, (stored = []));
    const list = stored;
    if (list.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(list), this);
    const onUpdate = (update: Uint8Array, origin: unknown): void => {
      // The store's own load is already stored; everything else is kept as it happens.
      if (origin !== this) list.push(update.slice());
    };
    doc.on('update', onUpdate);
    return {
      whenLoaded: Promise.resolve(),
      destroy: async () => doc.off('update', onUpdate),
    };
  }

  async clear(name: string): Promise<void> {
    this.updates.delete(name);
  }
}

export class MemorySettingsStore implements SettingsStore {
  private settings: DeviceSettings = defaultSettings;
  private counts: Record<string, number> = {};
  async get(): Promise<DeviceSettings> {
    return structuredClone({ ...defaultSettings, ...this.settings });
  }
  async put(settings: DeviceSettings): Promise<void> {
    this.settings = structuredClone(settings);
  }
  async unread(): Promise<Record<string, number>> {
    return structuredClone(this.counts);
  }
  async addUnread(topic: Topic, count: number): Promise<Record<string, number>> {
    this.counts = { ...this.counts, [topic]: (this.counts[topic] ?? 0) + count };
    return structuredClone(this.counts);
  }
  async clearUnread(topic: Topic): Promise<Record<string, number>> {
    const { [topic]: _gone, ...rest } = this.counts;
    this.counts = rest;
    return structuredClone(this.counts);
  }
}
