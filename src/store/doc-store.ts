/**
 * Document persistence through y-indexeddb: one database per conversation, updates saved
 * as they happen and compacted by y-indexeddb. Durability of *acknowledged* messages does not
 * rest on this (y-indexeddb writes with default durability): the outbox carries that.
 */
import { IndexeddbPersistence, clearDocument } from 'y-indexeddb';
import type * as Y from 'yjs';
import type { DocStore, PersistedDoc } from './types.js';

export const docDatabaseName = (name: string): string => `parley-doc-${name}`;

export class IdbDocStore implements DocStore {
  open(name: string, doc: Y.Doc): PersistedDoc {
    const persistence = new IndexeddbPersistence(docDatabaseName(name), doc);
    return {
      whenLoaded: persistence.whenSynced.then(() => undefined),
      destroy: () => persistence.destroy(),
    };
  }

  clear(name: string): Promise<void> {
    return clearDocument(docDatabaseName(name));
  }
}
