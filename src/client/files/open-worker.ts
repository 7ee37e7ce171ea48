/**
 * The worker that stores and opens a file as it arrives (docs/architecture.md §14.4, §14.5).
 * It writes each batch of checked chunks to the chunk store's database through a connection
 * of its own, then decrypts and hashes the file in order: on the page the content hash
 * (SHA-256 in JavaScript, WebCrypto has no streaming digest) took 1.2 s of its thread per
 * 50 MiB in a profile, and the writes a structured clone per chunk; texts arriving meanwhile
 * had waited behind both. Here the hash is WebAssembly (`wasm-hash.ts`), which this script's
 * CSP alone allows: in JavaScript it was what made opening run behind the arrival.
 *
 * One worker per fetch. In: `{ ref, root, database, have, keep }` once, then `{ batch, chunks }`
 * (bytes transferred) as the fetch checks them. Out: `{ stored: batch }` once a batch is
 * written (`failed` with the reason if not), then `{ blob, hasher }` (which SHA-256 ran; the
 * blob is null unless `keep` asked for the plaintext: a file the service worker will serve is
 * only checked), or `{ error }` with the OpenFileError's code when the file does not open.
 */
import type { ContentHasher } from '../../core/files/content-hash.js';
import { OpenFileError } from '../../core/files/open-file.js';
import { IdbChunkStore, openFilesDatabase } from '../../store/idb-chunk-store.js';
import { ChunkFeed, UNAVAILABLE_CODE } from './chunk-feed.js';
import { checkFile, decryptToBlob, type OpenRef } from './decrypt-blob.js';
import { TwoUsers } from './two-users.js';
import { reportingHasher } from './wasm-hash.js';

export type ToOpenWorker =
  | { readonly ref: OpenRef; readonly root: string; readonly database: string; readonly have: readonly number[]; readonly keep: boolean }
  | { readonly batch: number; readonly chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }> };
export type FromOpenWorker = { readonly stored: number; readonly failed?: string } | { readonly blob: Blob | null; readonly hasher: ContentHasher['kind'] } | { readonly error: { readonly code: string; readonly message: string } };

const scope = globalThis as unknown as { postMessage(message: FromOpenWorker): void; onmessage: ((e: MessageEvent<ToOpenWorker>) => void) | null };
let opened: Promise<{ store: IdbChunkStore; feed: ChunkFeed; root: string }> | null = null;
/** Batches are written one after another, in the order they came. */
let writes: Promise<void> = Promise.resolve();

/** Frees each sealed chunk's buffer once its write and the opener are done with it. */
const users = new TwoUsers();

scope.onmessage = (e) => {
  const message = e.data;
  if ('ref' in message) {
    const { ref, root, database, have, keep } = message;
    opened = openFilesDatabase(database).then((db) => {
      const store = new IdbChunkStore(db);
      return { store, feed: new ChunkFeed(store, root, new Set(have), ref.chunk), root };
    });
    const { newHasher, kind } = reportingHasher();
    // The opener takes chunks as they arrive, while they are written, so its end waits for
    // the last write or the last hash, not both. Its answer goes only after every write
    // queued by then has answered: the page ends this worker on it, and the fetch counts
    // the file done only once each batch is stored.
    opened
      .then(({ feed }) => (keep ? decryptToBlob(ref, users.reading(feed.read), newHasher) : checkFile(ref, users.reading(feed.read), newHasher).then(() => null)))
      .then(
        (blob) => writes.then(() => scope.postMessage({ blob, hasher: kind() })),
        // Only a file that does not check out is the file's fault (it is then erased); a
        // store that fails here leaves it to be opened from the store once it is whole.
        (error: unknown) => writes.then(() => scope.postMessage({ error: { code: error instanceof OpenFileError ? error.code : UNAVAILABLE_CODE, message: error instanceof Error ? error.message : String(error) } })),
      );
    return;
  }
  const ready = opened;
  users.arrived(message.chunks);
  // A database that did not open is reported by the write below.
  void ready?.then(
    ({ feed }) => feed.arrived(message.chunks),
    () => undefined,
  );
  writes = writes.then(async () => {
    try {
      if (!ready) throw new Error('no file to store into');
      const { store, feed, root } = await ready;
      await store.putChunks(root, message.chunks);
      for (const { index, bytes } of message.chunks) users.doneWith(index, bytes.buffer as ArrayBuffer);
      scope.postMessage({ stored: message.batch });
      feed.add(message.chunks);
    } catch (error) {
      scope.postMessage({ stored: message.batch, failed: error instanceof Error ? error.message : String(error) });
    }
  });
};
