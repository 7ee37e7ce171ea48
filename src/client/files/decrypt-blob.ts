/**
 * A stored or arriving file's plaintext as one Blob (docs/architecture.md §14.4): decrypted
 * chunk by chunk through `openFile`, content hash checked before the last part. A Blob per
 * OPEN_BATCH chunks leaves the JS heap for the browser's blob store as soon as it is made,
 * so the heap holds one batch, never the file. Used on the page and in the opening worker.
 */
import type { FileRef } from '../../core/files/file-ref.js';
import type { NewContentHasher } from '../../core/files/content-hash.js';
import { openFile } from '../../core/files/open-file.js';

/** Decrypted chunks gathered into one Blob (1 MiB at the default chunk). */
const OPEN_BATCH = 16;

/** What opening needs of a file: its shape, content hash, media type and key. */
export type OpenRef = Pick<FileRef, 'size' | 'chunk' | 'sha256' | 'type'> & { readonly key: string };

/** Throws what `openFile` or `read` throws. `newHasher`: as `openFile` takes it. */
export async function decryptToBlob(ref: OpenRef, read: (index: number) => Promise<Uint8Array | null>, newHasher?: NewContentHasher): Promise<Blob> {
  const blobs: Blob[] = [];
  let batch: Uint8Array<ArrayBuffer>[] = [];
  for await (const part of openFile(ref, read, newHasher)) {
    batch.push(part as Uint8Array<ArrayBuffer>);
    if (batch.length >= OPEN_BATCH) {
      blobs.push(new Blob(batch));
      batch = [];
    }
  }
  if (batch.length > 0) blobs.push(new Blob(batch));
  return new Blob(blobs, { type: ref.type });
}
