/**
 * The worker that makes a sent file's hash list, root and content hash (the first pass over
 * the Blob, docs/architecture.md §14.4). On the page the content hash (SHA-256 in JavaScript,
 * WebCrypto has no streaming digest) took 1.7–2.4 s of its thread for 100 MiB in a profile,
 * in short tasks, and texts typed meanwhile waited behind them. Here it is WebAssembly
 * (`wasm-hash.ts`), which this script's CSP alone allows.
 *
 * In: `{ blob, key }` once. Out: `{ done }` (plaintext bytes hashed) at most every
 * PROGRESS_MS, then `{ fields, hashes, hasher }` (which SHA-256 ran), or `{ error }` with a
 * message.
 */
import type { ContentHasher } from '../../core/files/content-hash.js';
import { sealFile, type SealedFields } from '../../core/files/seal-file.js';
import { blobReader } from './blob-reader.js';
import { reportingHasher } from './wasm-hash.js';

export type ToSealWorker = { readonly blob: Blob; readonly key: string };
export type FromSealWorker = { readonly done: number } | { readonly fields: SealedFields; readonly hashes: Uint8Array; readonly hasher: ContentHasher['kind'] } | { readonly error: string };

/** How often the page hears how far the pass is: often enough for a bar, not a message per chunk. */
const PROGRESS_MS = 100;

const scope = globalThis as unknown as { postMessage(message: FromSealWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToSealWorker>) => void) | null };

scope.onmessage = (e) => {
  const { blob, key } = e.data;
  let hashes: Uint8Array | null = null;
  const { newHasher, kind } = reportingHasher();
  let told = 0;
  const progress = (done: number): void => {
    const now = performance.now();
    if (now - told < PROGRESS_MS) return;
    told = now;
    scope.postMessage({ done });
  };
  sealFile(blob.size, { key, read: blobReader(blob), put: async () => undefined, putHashes: async (h) => void (hashes = h), newHasher, progress }).then(
    (fields) => scope.postMessage({ fields, hashes: hashes!, hasher: kind() }, [hashes!.buffer as ArrayBuffer]),
    (error: unknown) => scope.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
};
