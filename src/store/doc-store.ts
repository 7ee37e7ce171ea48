/**
 * Document persistence through y-indexeddb: one database per conversation, updates saved
 * as they happen and compacted by y-indexeddb. Durability of *acknowledged* messages does not
 * rest on this (y-indexeddb writes with default durability): the outbox carries that.
 */
import { IndexeddbPersistence, clearDocument } from 'y-indexeddb';
import type * as Y from 'yjs';
import type { DocStore, PersistedDoc } from './types.js';

/**
 * Format 2 binds Yjs client ids to device keys (docs/architecture.md §3.2). Documents of
 * format 1 (random client ids, values without a nonce) would be refused by every peer, so
 * they are not carried over: a clean break, acceptable while Parley has no users.
 */
export const DOC_FORMAT = 2;
export const docDatabaseName = (name: string): string => `parley-doc-v${DOC_FORMAT}-${name}`;

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
