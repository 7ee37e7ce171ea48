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

/**
 * What this profile keeps about one conversation outside its record and document: its
 * draft, the read position in a mailbox (by id), and the read-marker copy in localStorage.
 */
export async function storedLocalState(user: ParleyUser, topic: string, mailbox: string): Promise<{ draft: boolean; cursor: boolean; readMarker: boolean }> {
  return user.page.evaluate(
    async ({ topic, mailbox }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('parley');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const has = (store: string, key: string) =>
        new Promise<boolean>((resolve, reject) => {
          const req = db.transaction(store).objectStore(store).count(key);
          req.onsuccess = () => resolve(req.result > 0);
          req.onerror = () => reject(req.error);
        });
      const [draft, cursor] = [await has('drafts', topic), await has('mailbox', mailbox)];
      db.close();
      const markers = JSON.parse(localStorage.getItem('parley:read-markers') ?? '{}') as Record<string, number>;
      return { draft, cursor, readMarker: topic in markers };
    },
    { topic, mailbox },
  );
}
