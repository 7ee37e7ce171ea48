/**
 * Opening into a Blob (docs/architecture.md §14.4): the plaintext leaves the JS heap in Blob
 * parts of about 1 MiB, counted in bytes, so larger chunks do not make larger parts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toBase64Url } from '../../../src/core/bytes.js';
import { encryptChunk, newFileKey } from '../../../src/core/files/chunk-crypto.js';
import { decryptToBlob } from '../../../src/client/files/decrypt-blob.js';

afterEach(() => vi.unstubAllGlobals());

describe('decryptToBlob', () => {
  it('gathers about 1 MiB of plaintext per Blob part whatever the chunk size, and the whole is the file', async () => {
    const chunk = 256 * 1024;
    const plain = crypto.getRandomValues(new Uint8Array(65_536)).slice();
    const file = new Uint8Array(3 * 1024 * 1024 + 100);
    for (let at = 0; at < file.length; at += plain.length) file.set(plain.subarray(0, Math.min(plain.length, file.length - at)), at);
    const { encoded, key } = await newFileKey();
    const sealed: Uint8Array[] = [];
    for (let i = 0; i * chunk < file.length; i++) sealed.push(await encryptChunk(key, i, file.subarray(i * chunk, (i + 1) * chunk)));
    const sha256 = toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', file)));
    // Records the size of every Blob made from decrypted chunks (the parts), not the whole.
    const parts: number[] = [];
    const Real = Blob;
    vi.stubGlobal(
      'Blob',
      class extends Real {
        constructor(pieces?: BlobPart[], options?: BlobPropertyBag) {
          super(pieces, options);
          if (pieces?.every((p) => p instanceof Uint8Array)) parts.push(this.size);
        }
      },
    );
    const blob = await decryptToBlob({ size: file.length, chunk, sha256, type: 'application/octet-stream', key: encoded }, async (i) => sealed[i] ?? null);
    expect(parts).toEqual([1024 * 1024, 1024 * 1024, 1024 * 1024, 100]);
    expect(toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())))).toBe(sha256);
  });
});
