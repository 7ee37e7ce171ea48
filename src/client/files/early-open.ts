/**
 * Storing and opening a file while it arrives (docs/architecture.md §14.4, §14.5): the fetch
 * hands each batch of checked chunks to `save`, which stores them and feeds them to an opener
 * that decrypts and hashes them in order, gathering the plaintext into Blobs, so the content
 * hash is checked and the object URL made moments after the last chunk, instead of a second
 * pass over the whole file once it is stored.
 *
 * In a browser both run in a worker (`open-worker.ts`) with its own connection to the chunk
 * store's database: the page only checks a chunk against its hash and moves its bytes to the
 * worker (transferred, not copied). Writing the chunks on the page (a structured clone of
 * every 64 KiB value, a request each) was a tenth of the receiving page's thread in a profile
 * of a transfer, and texts arriving meanwhile waited behind it. In Node peers, and for a
 * store a worker cannot open, both run on the one thread.
 *
 * Nothing holds the file: the plaintext leaves the JS heap as Blobs of a few chunks
 * (`decrypt-blob.ts`) and the feed keeps at most a few MiB of sealed chunks
 * (`chunk-feed.ts`), reading further ones back from the store.
 */
import type { FileRef } from '../../core/files/file-ref.js';
import { OpenFileError, type OpenFailure } from '../../core/files/open-file.js';
import type { DirectEvents, DirectSink } from '../../net/files/held-chunks.js';
import type { ChunkStore } from '../../store/chunk-store.js';
import { StorageError } from '../../store/idb.js';
import { ChunkFeed, EarlyOpenUnavailable, UNAVAILABLE_CODE } from './chunk-feed.js';
import { checkFile, decryptToBlob, type OpenRef } from './decrypt-blob.js';
import type { FromOpenWorker, ToOpenWorker } from './open-worker.js';

export { ChunkFeed, EarlyOpenUnavailable } from './chunk-feed.js';

type Chunks = ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>;

/** The store-and-open of one fetch. */
export interface EarlyOpen {
  /** Stores a batch of checked chunks (the fetch's sink) and hands them to the opener. */
  save(chunks: Chunks): Promise<void>;
  /** The fetch stopped: the opener ends (`blob` rejects with EarlyOpenUnavailable); `save` still stores. */
  stop(): void;
  /** The whole file, once every chunk was saved and it checked out; null when it was only checked (`keep` false). */
  readonly blob: Promise<Blob | null>;
  /** A port for the bulk worker to send checked chunks straight to the opening worker; absent on this thread. */
  readonly direct?: DirectSink;
}

/**
 * Starts storing and opening `ref`: in a worker where there are workers and the store names
 * a database they can open (browsers), else on this thread (Node peers, where nobody renders).
 * `have`: chunks stored before this fetch began (a resumed fetch). `keep`: gather the
 * plaintext into a Blob; without it the file is only checked, for the service worker to
 * serve from the store once it is marked complete (§14.4).
 */
export function openEarly(store: ChunkStore, ref: FileRef & { readonly key: string }, have: ReadonlySet<number>, keep = true): EarlyOpen {
  const shape: OpenRef = { size: ref.size, chunk: ref.chunk, sha256: ref.sha256, type: ref.type, key: ref.key };
  const opening = typeof Worker === 'undefined' || !store.database ? onThisThread(store, ref.root, shape, have, keep) : inWorker(store, store.database, ref.root, shape, have, keep);
  // Awaited by whoever finishes the fetch; a fetch that stops never awaits it.
  opening.blob.catch(() => undefined);
  return opening;
}

function onThisThread(store: ChunkStore, root: string, shape: OpenRef, have: ReadonlySet<number>, keep: boolean): EarlyOpen {
  const feed = new ChunkFeed(store, root, have, shape.chunk);
  return {
    save: async (chunks) => {
      feed.arrived(chunks);
      await store.putChunks(root, chunks);
      feed.add(chunks);
    },
    stop: () => feed.stop(),
    blob: keep ? decryptToBlob(shape, feed.read) : checkFile(shape, feed.read).then(() => null),
  };
}

/** A batch's bytes as buffers of their own, so they move to the worker without a copy. */
function owned(chunks: Chunks): { index: number; bytes: Uint8Array<ArrayBuffer> }[] {
  return chunks.map(({ index, bytes }) => ({
    index,
    bytes: (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()) as Uint8Array<ArrayBuffer>,
  }));
}

function inWorker(store: ChunkStore, database: string, root: string, ref: OpenRef, have: ReadonlySet<number>, keep: boolean): EarlyOpen {
  let worker: Worker | null = null;
  let settle: { resolve(blob: Blob | null): void; reject(error: Error): void } = { resolve: () => undefined, reject: () => undefined };
  const blob = new Promise<Blob | null>((resolve, reject) => (settle = { resolve, reject }));
  /** Batches sent to the worker and not yet stored, by number. */
  const pending = new Map<number, { resolve(): void; reject(error: Error): void }>();
  let sent = 0;
  // The bulk worker's way in (docs/architecture.md §14.2, "Worker to worker"): one end goes to
  // the opening worker now, the other to the bulk worker when the fetch has the hash list.
  const channel = typeof MessageChannel === 'undefined' ? null : new MessageChannel();
  let toBulk: MessagePort | null = channel?.port2 ?? null;
  let heard: DirectEvents | null = null;
  // The opener is over (done, failed, stopped): the worker goes, batches it had not stored
  // fail (their bytes went with it), and later batches are stored on this thread.
  const end = (outcome: { blob: Blob | null } | { error: Error }): void => {
    if (!worker) return;
    worker.terminate();
    worker = null;
    for (const p of pending.values()) p.reject(new EarlyOpenUnavailable('the opening worker ended before it stored a batch'));
    pending.clear();
    toBulk?.close();
    toBulk = null;
    heard?.lost();
    if ('blob' in outcome) settle.resolve(outcome.blob);
    else settle.reject(outcome.error);
  };
  try {
    // This exact form is what Vite recognizes to bundle the worker.
    worker = new Worker(new URL('./open-worker.ts', import.meta.url), { type: 'module' });
  } catch (cause) {
    const opening = onThisThread(store, root, ref, have, keep);
    return { ...opening, blob: Promise.reject(new EarlyOpenUnavailable('no worker', { cause })) };
  }
  worker.onmessage = (e: MessageEvent<FromOpenWorker>) => {
    const m = e.data;
    if ('direct' in m) {
      if (m.failed === undefined) heard?.stored(m.direct);
      else heard?.failed(new StorageError(m.failed));
    } else if ('stored' in m) {
      const p = pending.get(m.stored);
      pending.delete(m.stored);
      if (m.failed === undefined) p?.resolve();
      else p?.reject(new StorageError(m.failed));
    } else if ('blob' in m) end({ blob: m.blob });
    else end({ error: m.error.code === UNAVAILABLE_CODE ? new EarlyOpenUnavailable(m.error.message) : new OpenFileError(m.error.code as OpenFailure, m.error.message) });
  };
  // The worker failed to load or crashed: nothing is known about the file.
  worker.onerror = (e) => {
    e.preventDefault();
    end({ error: new EarlyOpenUnavailable(`the opening worker failed: ${e.message}`) });
  };
  const port = channel?.port1;
  worker.postMessage({ ref, root, database, have: [...have], keep, ...(port ? { port } : {}) } satisfies ToOpenWorker, port ? [port] : []);
  return {
    ...(channel
      ? {
          direct: {
            take: () => {
              const taken = worker ? toBulk : null;
              toBulk = null;
              return taken;
            },
            listen: (events) => (heard = events),
          } satisfies DirectSink,
        }
      : {}),
    save: (chunks) => {
      if (!worker) return store.putChunks(root, chunks);
      const batch = sent++;
      const moved = owned(chunks);
      const stored = new Promise<void>((resolve, reject) => pending.set(batch, { resolve, reject }));
      worker.postMessage({ batch, chunks: moved } satisfies ToOpenWorker, moved.map((c) => c.bytes.buffer));
      return stored;
    },
    stop: () => end({ error: new EarlyOpenUnavailable('the fetch stopped') }),
    blob,
  };
}
