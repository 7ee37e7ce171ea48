/**
 * Pins the storage layout of y-indexeddb that `src/store/doc-updates.ts` relies on: the
 * service worker appends mailbox updates straight into a document's database without a
 * y-indexeddb provider, so an upgrade of y-indexeddb that changed its layout would silently
 * lose those updates. These cases run in Chromium (see browser-entry.ts).
 */
import * as Y from 'yjs';
import { docDatabaseName, IdbDocStore } from '../../src/store/doc-store.js';
import { appendStoredUpdate, loadStoredDoc } from '../../src/store/doc-updates.js';

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

let counter = 0;
const uniqueName = (tag: string): string => `layout-${tag}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Object store names and key settings of one database, read without y-indexeddb. */
async function describeDatabase(name: string): Promise<{ stores: string[]; autoIncrement: boolean; keyPath: unknown; count: number }> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  try {
    const tx = db.transaction('updates', 'readonly');
    const store = tx.objectStore('updates');
    const count = await new Promise<number>((resolve, reject) => {
      const req = store.count();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return { stores: [...db.objectStoreNames].sort(), autoIncrement: store.autoIncrement, keyPath: store.keyPath, count };
  } finally {
    db.close();
  }
}

export const docLayoutCases: Array<{ readonly name: string; run(): Promise<void> }> = [
  {
    name: 'layout: y-indexeddb keeps updates in `parley-doc-<name>` → `updates` (auto-increment), beside `custom`',
    async run() {
      const name = uniqueName('written-by-provider');
      const doc = new Y.Doc();
      const persisted = new IdbDocStore().open(name, doc);
      await persisted.whenLoaded;
      doc.getArray<string>('log').insert(0, ['one', 'two']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await persisted.destroy();
      const layout = await describeDatabase(docDatabaseName(name));
      check(layout.stores.join() === 'custom,updates', `stores: ${layout.stores.join()}`);
      check(layout.autoIncrement && layout.keyPath === null, 'updates use auto-increment keys without a key path');
      check(layout.count >= 1, 'the provider stored at least one update');
      const read = new Y.Doc();
      await loadStoredDoc(name, read, 'test');
      check(read.getArray('log').toArray().join() === 'one,two', `read directly: ${read.getArray('log').toArray().join()}`);
    },
  },
  {
    name: 'layout: an update appended directly (as the service worker does) loads through y-indexeddb',
    async run() {
      const name = uniqueName('written-directly');
      const source = new Y.Doc();
      source.getMap('meta').set('title', 'from the worker');
      await appendStoredUpdate(name, Y.encodeStateAsUpdate(source));
      const doc = new Y.Doc();
      const persisted = new IdbDocStore().open(name, doc);
      await persisted.whenLoaded;
      check(doc.getMap('meta').get('title') === 'from the worker', 'provider loads the appended update');
      doc.getMap('meta').set('more', 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await persisted.destroy();
      const again = new Y.Doc();
      await loadStoredDoc(name, again, 'test');
      check(again.getMap('meta').get('title') === 'from the worker' && again.getMap('meta').get('more') === 1, 'both writers agree');
    },
  },
];
