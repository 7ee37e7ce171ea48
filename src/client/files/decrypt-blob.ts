/**
 * A stored or arriving file's plaintext as one Blob (docs/architecture.md §14.4): decrypted
 * chunk by chunk through `openFile`, content hash checked before the last part. A Blob per
 * MiB of plaintext leaves the JS heap for the browser's blob store as soon as it is made,
 * so the heap holds one batch, never the file. Used on the page and in the opening worker.
 */
import type { FileRef } from '../../core/files/file-ref.js';
import type { NewContentHasher } from '../../core/files/content-hash.js';
import { openFile } from '../../core/files/open-file.js';

/**
 * Decrypted bytes gathered into one Blob: 16 chunks at the default 64 KiB. Counted in bytes,
 * not chunks, so a file with larger chunks holds no more of its plaintext at a time.
 */
const OPEN_BATCH_BYTES = 1024 * 1024;

/** What opening needs of a file: its shape, content hash, media type and key. */
export type OpenRef = Pick<FileRef, 'size' | 'chunk' | 'sha256' | 'type'> & { readonly key: string };

/** Throws what `openFile` or `read` throws. `newHasher`: as `openFile` takes it. */
export async function decryptToBlob(ref: OpenRef, read: (index: number) => Promise<Uint8Array | null>, newHasher?: NewContentHasher): Promise<Blob> {
  const blobs: Blob[] = [];
  let batch: Uint8Array<ArrayBuffer>[] = [];
  let gathered = 0;
  for await (const part of openFile(ref, read, newHasher)) {
    batch.push(part as Uint8Array<ArrayBuffer>);
    gathered += part.length;
    if (gathered >= OPEN_BATCH_BYTES) {
      blobs.push(new Blob(batch));
      batch = [];
      gathered = 0;
    }
  }
  if (batch.length > 0) blobs.push(new Blob(batch));
  return new Blob(blobs, { type: ref.type });
}
