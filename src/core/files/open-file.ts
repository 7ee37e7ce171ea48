/**
 * Reading a stored file back (docs/architecture.md §14.1): sealed chunks in, plaintext out,
 * one chunk at a time, with the content hash checked at the end. The caller decides where the
 * plaintext goes (a Blob of parts, a stream to the service worker), so the whole file is
 * never one buffer here.
 */
import { equalBytes, fromBase64Url } from '../bytes.js';
import { decryptChunk, importFileKey } from './chunk-crypto.js';
import { jsContentHasher, type NewContentHasher } from './content-hash.js';
import { chunkCount, type FileRef } from './file-ref.js';

export type OpenFailure = 'missing-chunk' | 'bad-chunk' | 'bad-content';

export class OpenFileError extends Error {
  override readonly name = 'OpenFileError';
  constructor(
    readonly code: OpenFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Yields the plaintext chunks of a file in order; throws OpenFileError when a chunk is
 * missing or does not open, or when the whole does not hash to the signed `sha256` (the
 * last chunk is yielded only after that check, so a consumer never completes a wrong file).
 * `key` is the file's key, carried or derived (`file-key.ts`); `newHasher` takes the content
 * hash (JavaScript unless the caller may use a faster one, `content-hash.ts`).
 */
export async function* openFile(
  ref: Pick<FileRef, 'size' | 'chunk' | 'sha256'> & { readonly key: string },
  read: (index: number) => Promise<Uint8Array | null>,
  newHasher: NewContentHasher = jsContentHasher,
): AsyncGenerator<Uint8Array> {
  const key = await importFileKey(ref.key);
  const count = chunkCount(ref.size, ref.chunk);
  const content = await newHasher();
  const want = fromBase64Url(ref.sha256);
  for (let i = 0; i < count; i++) {
    const sealed = await read(i);
    if (!sealed) throw new OpenFileError('missing-chunk', `chunk ${i} is not stored`);
    let plain: Uint8Array;
    try {
      plain = await decryptChunk(key, i, sealed);
    } catch (cause) {
      throw new OpenFileError('bad-chunk', `chunk ${i} does not open`, { cause });
    }
    content.update(plain);
    if (i === count - 1 && (!want || !equalBytes(content.digest(), want))) throw new OpenFileError('bad-content', 'the file does not match its hash');
    yield plain;
  }
}
