/** What a browser profile keeps about conversations, read straight from IndexedDB. */
import type { ParleyUser } from './parley-user.js';

/**
 * What this browser profile stores about conversations: records in the app database and
 * per-conversation document databases (the account's own self doc is not a conversation).
 */
export async function storedConversations(user: ParleyUser): Promise<{ records: number; documents: string[] }> {
  return user.page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('parley');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const records = await new Promise<number>((resolve, reject) => {
      const req = db.transaction('conversations').objectStore('conversations').count();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    const documents = (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('parley-doc-') && !n.endsWith('-self'));
    return { records, documents };
  });
}
