/**
 * The first pass over a file being sent (docs/architecture.md §14.4): its hash list, root
 * and content hash, in a worker where there are workers (`seal-worker.ts`, so the page's
 * thread stays free for texts), else on this thread (Node peers). Nothing is stored: the
 * second pass (`storeSealed`) seals and stores the chunks under the root.
 */
import { sealFile, type SealedFields } from '../../core/files/seal-file.js';
import { blobReader } from './blob-reader.js';
import type { FromSealWorker, ToSealWorker } from './seal-worker.js';

export interface FirstPass {
  readonly fields: SealedFields;
  readonly hashes: Uint8Array;
}

/**
 * Throws when the Blob cannot be read (or changed while it was read). `progress` is told the
 * plaintext bytes done, at most every PROGRESS_MS from a worker.
 */
export async function sealBlob(blob: Blob, key: string, progress?: (done: number) => void): Promise<FirstPass> {
  if (typeof Worker !== 'undefined') {
    let worker: Worker | null = null;
    try {
      // This exact form is what Vite recognizes to bundle the worker.
      worker = new Worker(new URL('./seal-worker.ts', import.meta.url), { type: 'module' });
    } catch {
      // No worker here: the one thread does it below.
    }
    if (worker) return inWorker(worker, blob, key, progress);
  }
  let hashes: Uint8Array | null = null;
  const fields = await sealFile(blob.size, { key, read: blobReader(blob), put: async () => undefined, putHashes: async (h) => void (hashes = h), ...(progress ? { progress } : {}) });
  return { fields, hashes: hashes! };
}

function inWorker(worker: Worker, blob: Blob, key: string, progress?: (done: number) => void): Promise<FirstPass> {
  return new Promise<FirstPass>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<FromSealWorker>) => {
      const m = e.data;
      if ('done' in m) progress?.(m.done);
      else if ('error' in m) reject(new Error(m.error));
      else resolve(m);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`the sealing worker failed: ${e.message}`));
    };
    worker.postMessage({ blob, key } satisfies ToSealWorker);
  }).finally(() => worker.terminate());
}
