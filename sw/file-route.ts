/**
 * Finished files for the page (docs/architecture.md §14.4): `GET /files/<conversation>/<root>`
 * answers with the plaintext, decrypted chunk by chunk from the chunk store as the response
 * is read, so neither the worker nor the page holds the file; `Range` requests get `206` with
 * only the chunks they cover (a `<video>` seeks without reading what it skips).
 *
 * Only files this device holds whole and has checked (`complete`, set after the content hash
 * matched) and whose key it keeps are served, and only under the conversation they belong
 * to. The bytes are someone else's: anything but an image, video or audio type goes out as
 * `application/octet-stream` with `Content-Disposition: attachment` and a sandboxing CSP, so
 * a file can never run as a page of the app's origin.
 */
/// <reference lib="webworker" />
import { decryptChunk, importFileKey } from '../src/core/files/chunk-crypto.js';
import { chunkCount, chunksIn } from '../src/core/files/file-ref.js';
import { INLINE_TYPES, parseFileServicePath, parseRange } from '../src/core/files/file-service.js';
import { IdbChunkStore, openFilesDatabase } from '../src/store/idb-chunk-store.js';

/** Chunk bytes read per IndexedDB transaction while streaming (16 chunks of 64 KiB, 4 of 256 KiB). */
const READ_BATCH_BYTES = 1024 * 1024;

const notFound = (): Response => new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' } });

/** The response for a file URL, or null when `request` is not one (the network answers it). */
export function fileResponse(request: Request): Promise<Response> | null {
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return null;
  const named = parseFileServicePath(url.pathname);
  return named ? serve(named.conversation, named.root, request.headers.get('range')) : null;
}

async function serve(conversation: string, root: string, rangeHeader: string | null): Promise<Response> {
  const db = await openFilesDatabase();
  const store = new IdbChunkStore(db);
  const file = await store.file(root).catch(() => null);
  if (!file || file.conversation !== conversation || !file.complete || !file.key) {
    db.close();
    return notFound();
  }
  const range = parseRange(rangeHeader, file.size);
  const inline = INLINE_TYPES.test(file.type);
  const headers: Record<string, string> = {
    'Content-Type': inline ? file.type : 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': 'sandbox',
    ...(inline ? {} : { 'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}` }),
  };
  if (range === 'unsatisfiable') {
    db.close();
    return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${file.size}` } });
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  const key = await importFileKey(file.key);
  const first = Math.floor(start / file.chunk);
  const last = Math.min(Math.floor(end / file.chunk), chunkCount(file.size, file.chunk) - 1);
  let next = first;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (next > last) {
          db.close();
          controller.close();
          return;
        }
        const indices = Array.from({ length: Math.min(chunksIn(READ_BATCH_BYTES, file.chunk), last - next + 1) }, (_, i) => next + i);
        const sealed = await store.chunks(root, indices);
        for (const [i, index] of indices.entries()) {
          const bytes = sealed[i];
          if (!bytes) throw new Error(`chunk ${index} is missing`);
          const plain = await decryptChunk(key, index, bytes);
          const offset = index * file.chunk;
          controller.enqueue(plain.subarray(Math.max(0, start - offset), Math.min(plain.length, end - offset + 1)));
        }
        next += indices.length;
      } catch (error) {
        db.close();
        controller.error(error);
      }
    },
    cancel() {
      db.close();
    },
  }, { highWaterMark: 0 });
  const length = end - start + 1;
  return new Response(body, {
    status: range ? 206 : 200,
    headers: { ...headers, 'Content-Length': String(length), ...(range ? { 'Content-Range': `bytes ${start}-${end}/${file.size}` } : {}) },
  });
}
