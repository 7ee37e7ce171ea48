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

/**
 * Decrypts and checks a file against its content hash, keeping nothing: for a file the
 * service worker will serve from the store (§14.4), whose plaintext as a Blob would be a
 * second copy of it made while it arrives (docs/files-measured.md, eleventh round). Throws as `decryptToBlob`.
 */
export async function checkFile(ref: OpenRef, read: (index: number) => Promise<Uint8Array | null>, newHasher?: NewContentHasher): Promise<void> {
  // The hash took its copy of each part: nothing reads these again.
  for await (const part of openFile(ref, read, newHasher)) free(part.buffer as ArrayBuffer);
}

/** Throws what `openFile` or `read` throws. `newHasher`: as `openFile` takes it. */
export async function decryptToBlob(ref: OpenRef, read: (index: number) => Promise<Uint8Array | null>, newHasher?: NewContentHasher): Promise<Blob> {
  const blobs: Blob[] = [];
  let batch: Uint8Array<ArrayBuffer>[] = [];
  let gathered = 0;
  for await (const part of openFile(ref, read, newHasher)) {
    batch.push(part as Uint8Array<ArrayBuffer>);
    gathered += part.length;
    if (gathered >= OPEN_BATCH_BYTES) {
      blobs.push(toBlob(batch));
      batch = [];
      gathered = 0;
    }
  }
  if (batch.length > 0) blobs.push(toBlob(batch));
  return new Blob(blobs, { type: ref.type });
}

/**
 * A Blob of decrypted chunks, whose buffers are then freed at once: the Blob has copied them
 * and nothing else holds them (the hash took its copy too). Left to the garbage collector,
 * a file's worth of dead buffers piled up to 60–80 MiB in the opening worker before V8
 * collected them (its heap measured over CDP while 200 MiB arrived, §14.5).
 */
function toBlob(parts: Uint8Array<ArrayBuffer>[]): Blob {
  const blob = new Blob(parts);
  for (const part of parts) free(part.buffer);
  return blob;
}

/**
 * Detaches a buffer, releasing its memory now (ES2024 `transfer(0)`; where that is missing,
 * as in Node 20, moving it into a clone nobody keeps). Only for a buffer nothing will read
 * again: a later read sees zero bytes.
 */
export function free(buffer: ArrayBuffer): void {
  const withTransfer = buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (withTransfer.transfer) withTransfer.transfer(0);
  else structuredClone(buffer, { transfer: [buffer] });
}
