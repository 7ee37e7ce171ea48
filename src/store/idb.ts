/**
 * Minimal promise helpers over IndexedDB. Small enough to read in one sitting, which a
 * wrapper library would not be, and it keeps `durability` visible at every write.
 */

export class StorageError extends Error {
  override readonly name = 'StorageError';
}

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new StorageError(req.error?.message ?? 'IndexedDB request failed', { cause: req.error }));
  });
}

/** Resolves when the transaction has committed; with 'strict' durability, once on disk. */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(new StorageError(tx.error?.message ?? 'IndexedDB transaction failed', { cause: tx.error }));
    tx.onabort = () => reject(new StorageError(tx.error?.message ?? 'IndexedDB transaction aborted', { cause: tx.error }));
  });
}

export function openDatabase(
  name: string,
  version: number,
  upgrade: (db: IDBDatabase, oldVersion: number, tx: IDBTransaction) => void,
  factory: IDBFactory = indexedDB,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(name, version);
    req.onupgradeneeded = (ev) => upgrade(req.result, ev.oldVersion, req.transaction!);
    req.onsuccess = () => {
      const db = req.result;
      // Another tab upgraded the schema: close so its upgrade can proceed; this tab reloads.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    req.onerror = () => reject(new StorageError(`cannot open database ${name}`, { cause: req.error }));
    req.onblocked = () => reject(new StorageError(`database ${name} is blocked by another tab`));
  });
}
