/**
 * The worker that stores and opens a file as it arrives (docs/architecture.md §14.4, §14.5).
 * It writes each batch of checked chunks to the chunk store's database through a connection
 * of its own, then decrypts and hashes the file in order: on the page the content hash
 * (SHA-256 in JavaScript, WebCrypto has no streaming digest) took 1.2 s of its thread per
 * 50 MiB in a profile, and the writes a structured clone per chunk; texts arriving meanwhile
 * had waited behind both. Here the hash is WebAssembly (`wasm-hash.ts`), which this script's
 * CSP alone allows: in JavaScript it was what made opening run behind the arrival.
 *
 * One worker per fetch. In: `{ ref, root, database, have, keep, port }` once, then `{ batch, chunks }`
 * (bytes transferred) as the fetch checks them. On `port`, from the bulk worker, `{ lane, chunks }`:
 * chunks it checked, sent here without passing through the page (docs/architecture.md §14.2,
 * "Worker to worker"). Out: `{ stored: batch }` once a batch is written (`failed` with the
 * reason if not), `{ direct: indices }` once chunks from the port are (`failed` likewise), then `{ blob, hasher }` (which SHA-256 ran; the
 * blob is null unless `keep` asked for the plaintext: a file the service worker will serve is
 * only checked), or `{ error }` with the OpenFileError's code when the file does not open.
 */
import type { ContentHasher } from '../../core/files/content-hash.js';
import { chunkCount } from '../../core/files/file-ref.js';
import { OpenFileError } from '../../core/files/open-file.js';
import type { DirectChunks } from '../../net/files/bulk-core.js';
import { FLUSH_BYTES, FLUSH_MS } from '../../net/files/held-chunks.js';
import { IdbChunkStore, openFilesDatabase } from '../../store/idb-chunk-store.js';
import { ChunkFeed, UNAVAILABLE_CODE } from './chunk-feed.js';
import { checkFile, decryptToBlob, type OpenRef } from './decrypt-blob.js';
import { TwoUsers } from './two-users.js';
import { reportingHasher } from './wasm-hash.js';

type Chunks = ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>;

export type ToOpenWorker =
  | { readonly ref: OpenRef; readonly root: string; readonly database: string; readonly have: readonly number[]; readonly keep: boolean; readonly port?: MessagePort }
  | { readonly batch: number; readonly chunks: Chunks };
export type FromOpenWorker =
  | { readonly stored: number; readonly failed?: string }
  | { readonly direct: readonly number[]; readonly failed?: string }
  | { readonly blob: Blob | null; readonly hasher: ContentHasher['kind'] } | { readonly error: { readonly code: string; readonly message: string } };

const scope = globalThis as unknown as { postMessage(message: FromOpenWorker): void; onmessage: ((e: MessageEvent<ToOpenWorker>) => void) | null };
let opened: Promise<{ store: IdbChunkStore; feed: ChunkFeed; root: string }> | null = null;
/** Batches are written one after another, in the order they came. */
let writes: Promise<void> = Promise.resolve();

/** Frees each sealed chunk's buffer once its write and the opener are done with it. */
const users = new TwoUsers();

scope.onmessage = (e) => {
  const message = e.data;
  if ('ref' in message) {
    const { ref, root, database, have, keep, port } = message;
    seen = new Set(have);
    count = chunkCount(ref.size, ref.chunk);
    // Chunks from the bulk worker; the page hears their indices once they are stored.
    if (port) port.onmessage = (e: MessageEvent<DirectChunks>) => fromBulk(e.data.chunks);
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
        (blob) => answer({ blob, hasher: kind() }),
        // Only a file that does not check out is the file's fault (it is then erased); a
        // store that fails here leaves it to be opened from the store once it is whole.
        (error: unknown) => answer({ error: { code: error instanceof OpenFileError ? error.code : UNAVAILABLE_CODE, message: error instanceof Error ? error.message : String(error) } }),
      );
    return;
  }
  const { batch, chunks } = message;
  arrive(chunks);
  for (const { index } of chunks) seen.add(index);
  write(() => chunks, (failed) => scope.postMessage({ stored: batch, ...(failed === undefined ? {} : { failed }) }));
  // The file's last chunk came from the page: what the bulk worker sent is written now too.
  if (seen.size >= count) gather();
};

/**
 * The opener's answer, once every chunk that came is written: the page ends this worker on it,
 * so chunks from the bulk worker still gathering (the 50 ms wait) are written first, or they
 * would go with the worker and be asked again (docs/architecture.md §14.2, "Worker to worker").
 */
function answer(message: FromOpenWorker): Promise<void> {
  gather();
  return writes.then(() => scope.postMessage(message));
}

/**
 * Chunks from the bulk worker not yet written, gathered as the page's path gathers them
 * (`HeldChunks`): a write once 1 MiB waits, 50 ms after the first, or at the file's last
 * chunk, and all that came while a write ran go in the next one. They come in batches of
 * half a MiB or less (what the bulk worker checked in 5 ms), and a transaction per batch made
 * the whole transfer slower (docs/files-measured.md, sixteenth round).
 */
let gathering: Array<Chunks[number]> = [];
let gatheredBytes = 0;
/** A write is queued that will take whatever gathered by its turn. */
let queued = false;
let timer: ReturnType<typeof setTimeout> | null = null;
/** Chunks stored before or arrived since, against the file's count: the last one is written at once. */
let seen = new Set<number>();
let count = Infinity;

function fromBulk(all: Chunks): void {
  // One that came already (stored, or on its way) is not kept again: several links may send
  // the same chunk, and a member resending one must not pile copies up here while a write runs.
  const chunks = all.filter(({ index }) => {
    if (seen.has(index)) return false;
    seen.add(index);
    return true;
  });
  if (chunks.length === 0) return;
  arrive(chunks);
  gathering.push(...chunks);
  for (const { bytes } of chunks) gatheredBytes += bytes.length;
  if (queued) return;
  if (gatheredBytes >= FLUSH_BYTES || seen.size >= count) gather();
  else timer ??= setTimeout(gather, FLUSH_MS);
}

function gather(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  if (queued || gathering.length === 0) return;
  queued = true;
  let batch: Chunks = [];
  write(
    () => {
      queued = false;
      batch = gathering;
      gathering = [];
      gatheredBytes = 0;
      return batch;
    },
    (failed) => scope.postMessage({ direct: batch.map((c) => c.index), ...(failed === undefined ? {} : { failed }) }),
  );
}

/** Hands checked chunks to the opener, which may take them before they are written. */
function arrive(chunks: Chunks): void {
  users.arrived(chunks);
  // A database that did not open is reported by the write.
  void opened?.then(
    ({ feed }) => feed.arrived(chunks),
    () => undefined,
  );
}

/** Writes chunks after those before (`take` gives them when their turn comes); `done` says how it went. */
function write(take: () => Chunks, done: (failed?: string) => void): void {
  const ready = opened;
  writes = writes.then(async () => {
    const chunks = take();
    try {
      if (!ready) throw new Error('no file to store into');
      const { store, feed, root } = await ready;
      await store.putChunks(root, chunks);
      for (const { index, bytes } of chunks) users.doneWith(index, bytes.buffer as ArrayBuffer);
      done();
      feed.add(chunks);
    } catch (error) {
      done(error instanceof Error ? error.message : String(error));
    }
  });
}
