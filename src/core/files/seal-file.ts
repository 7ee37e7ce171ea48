/**
 * Turns a file into its sealed chunks and the reference a file message carries
 * (docs/architecture.md §14.1), one chunk at a time: the caller reads slices (`Blob.slice`)
 * and stores each sealed chunk as it comes, so a file is never whole in memory.
 */
import { toBase64Url } from '../bytes.js';
import { encryptChunk, importFileKey, newFileKey, rootOf, sha256 } from './chunk-crypto.js';
import { jsContentHasher, type NewContentHasher } from './content-hash.js';
import { chunkCount, chunkSizeFor, FileLimits, HASH_BYTES, plainLength, type FileRef } from './file-ref.js';

export type SealedFields = Pick<FileRef, 'size' | 'sha256' | 'chunk' | 'root'> & { readonly key: string };

export interface SealSteps {
  /** Seal under this key (base64url) instead of a fresh one: sealing again gives the same chunks. */
  readonly key?: string;
  /** Reads plaintext bytes [offset, offset + length). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Stores one sealed chunk. */
  put(index: number, sealed: Uint8Array): Promise<void>;
  /** Stores the hash list once every chunk is in. */
  putHashes(hashes: Uint8Array): Promise<void>;
  /** Called after each chunk, with plaintext bytes done so far. */
  progress?(done: number): void;
  /** Checked between chunks: true stops with SealCancelledError. */
  cancelled?(): boolean;
  /** Takes the content hash; JavaScript unless given (`content-hash.ts`). */
  readonly newHasher?: NewContentHasher;
}

export class SealCancelledError extends Error {
  override readonly name = 'SealCancelledError';
}

export async function sealFile(size: number, steps: SealSteps): Promise<SealedFields> {
  if (!Number.isSafeInteger(size) || size < 1 || size > FileLimits.maxSize) throw new RangeError(`cannot send a file of ${size} bytes`);
  const chunk = chunkSizeFor(size);
  const shape = { size, chunk };
  const count = chunkCount(size, chunk);
  const { encoded, key } = steps.key ? { encoded: steps.key, key: await importFileKey(steps.key) } : await newFileKey();
  const content = await (steps.newHasher ?? jsContentHasher)();
  const hashes = new Uint8Array(count * HASH_BYTES);
  for (let i = 0; i < count; i++) {
    if (steps.cancelled?.()) throw new SealCancelledError('sending was cancelled');
    const plain = await steps.read(i * chunk, plainLength(shape, i));
    if (plain.length !== plainLength(shape, i)) throw new Error('the file changed while it was read');
    content.update(plain);
    const sealed = await encryptChunk(key, i, plain);
    hashes.set(await sha256(sealed), i * HASH_BYTES);
    await steps.put(i, sealed);
    steps.progress?.(i * chunk + plain.length);
  }
  await steps.putHashes(hashes);
  return { size, chunk, key: encoded, sha256: toBase64Url(content.digest()), root: toBase64Url(await rootOf(hashes)) };
}
