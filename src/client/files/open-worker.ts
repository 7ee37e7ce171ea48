/**
 * The worker that opens a file as it arrives (docs/architecture.md §14.5): decryption is
 * WebCrypto's (off the page's thread already), but the content hash is SHA-256 in JavaScript
 * (WebCrypto has no streaming digest), 1.2 s of the page's thread per 50 MiB in a profile,
 * and texts arriving meanwhile waited behind it.
 *
 * One worker per file. In: `{ ref }` once, then `{ index, bytes }` for every chunk in order.
 * Out: `{ done: index }` per chunk taken (the page's window), then `{ blob }`, or
 * `{ error }` with the OpenFileError's code when the file does not open.
 */
import { OpenFileError } from '../../core/files/open-file.js';
import { decryptToBlob, type OpenRef } from './decrypt-blob.js';

export type ToOpenWorker = { readonly ref: OpenRef } | { readonly index: number; readonly bytes: Uint8Array };
export type FromOpenWorker = { readonly done: number } | { readonly blob: Blob } | { readonly error: { readonly code: string; readonly message: string } };

const scope = globalThis as unknown as { postMessage(message: FromOpenWorker): void; onmessage: ((e: MessageEvent<ToOpenWorker>) => void) | null };
const arrived = new Map<number, Uint8Array>();
let wake: (() => void) | null = null;

const read = async (index: number): Promise<Uint8Array | null> => {
  for (;;) {
    const bytes = arrived.get(index);
    if (bytes) {
      arrived.delete(index);
      return bytes;
    }
    await new Promise<void>((resolve) => (wake = resolve));
  }
};

scope.onmessage = (e) => {
  const message = e.data;
  if ('ref' in message) {
    decryptToBlob(message.ref, read, (done) => scope.postMessage({ done })).then(
      (blob) => scope.postMessage({ blob }),
      (error: unknown) => scope.postMessage({ error: { code: error instanceof OpenFileError ? error.code : 'bad-content', message: error instanceof Error ? error.message : String(error) } }),
    );
    return;
  }
  arrived.set(message.index, message.bytes);
  const w = wake;
  wake = null;
  w?.();
};
