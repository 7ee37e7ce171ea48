/**
 * Direct access to a document's stored updates, in y-indexeddb's own layout (database
 * `parley-doc-v2-<name>`, object store `updates` with auto-increment keys), for the service
 * worker: it loads a doc, applies mailbox entries and appends the result with an awaited
 * strict-durability commit, without running a live y-indexeddb provider whose writes the
 * worker could be stopped in the middle of. Pages load the appended update as usual.
 */
import * as Y from 'yjs';
import { docDatabaseName } from './doc-store.js';
import { committed, openDatabase, request } from './idb.js';

const UPDATES = 'updates';

function openDocDatabase(name: string): Promise<IDBDatabase> {
  return openDatabase(docDatabaseName(name), 1, (db) => {
    // Same stores y-indexeddb creates, should the worker be first to touch this doc.
    if (!db.objectStoreNames.contains(UPDATES)) db.createObjectStore(UPDATES, { autoIncrement: true });
    if (!db.objectStoreNames.contains('custom')) db.createObjectStore('custom');
  });
}

/** Applies every stored update of a document to `doc` (trusted: it was checked when stored). */
export async function loadStoredDoc(name: string, doc: Y.Doc, origin: unknown): Promise<void> {
  const db = await openDocDatabase(name);
  try {
    const tx = db.transaction(UPDATES, 'readonly');
    const updates = (await request(tx.objectStore(UPDATES).getAll())) as Uint8Array[];
    Y.transact(doc, () => updates.forEach((u) => Y.applyUpdate(doc, u)), origin, false);
  } finally {
    db.close();
  }
}

/** Appends one update to a document's store; resolves once it is on disk. */
export async function appendStoredUpdate(name: string, update: Uint8Array): Promise<void> {
  const db = await openDocDatabase(name);
  try {
    const tx = db.transaction(UPDATES, 'readwrite', { durability: 'strict' });
    tx.objectStore(UPDATES).add(update);
    await committed(tx);
  } finally {
    db.close();
  }
}
