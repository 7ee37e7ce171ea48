/**
 * The file workers' content hash (docs/architecture.md §14.4): SHA-256 in WebAssembly must be
 * exactly WebCrypto's SHA-256 of the whole, whatever the chunk boundaries, and sealing and
 * opening with it must agree with the JavaScript hasher the pages use.
 */
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../src/core/bytes.js';
import { jsContentHasher, type NewContentHasher } from '../../../src/core/files/content-hash.js';
import { openFile, OpenFileError } from '../../../src/core/files/open-file.js';
import { sealFile } from '../../../src/core/files/seal-file.js';
import { reportingHasher, wasmContentHasher } from '../../../src/client/files/wasm-hash.js';

function bytesOf(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + (i >> 9)) & 0xff;
  return out;
}

async function webCryptoSha256(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** Feeds `bytes` to a fresh hasher in pieces of the given sizes (cycled), then digests. */
async function hashInPieces(newHasher: NewContentHasher, bytes: Uint8Array, sizes: readonly number[]): Promise<Uint8Array> {
  const hasher = await newHasher();
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    hasher.update(bytes.subarray(at, at + n));
    at += n;
  }
  return hasher.digest();
}

describe('content hashers', () => {
  it('the WebAssembly hasher runs here and equals WebCrypto over any chunk boundaries', async () => {
    expect((await wasmContentHasher()).kind).toBe('wasm');
    for (const size of [0, 1, 55, 56, 63, 64, 65, 65_536, 65_537, 3 * 65_536 + 17, 1_000_003]) {
      const bytes = bytesOf(size);
      const want = await webCryptoSha256(bytes);
      // Whole, SHA-256 block-aligned pieces, odd pieces straddling blocks, single bytes at the start.
      for (const sizes of [[Math.max(size, 1)], [64], [65_536], [1, 63, 65, 4096, 65_535], [7, 1000, 65_552]]) {
        expect(toBase64Url(await hashInPieces(wasmContentHasher, bytes, sizes)), `size ${size}, pieces ${sizes.join('/')}`).toBe(toBase64Url(want));
      }
      expect(toBase64Url(await hashInPieces(jsContentHasher, bytes, [1, 63, 65, 4096]))).toBe(toBase64Url(want));
    }
  });

  it('two hashers in turn do not share state', async () => {
    const [a, b] = [await wasmContentHasher(), await wasmContentHasher()];
    const [x, y] = [bytesOf(100_000), bytesOf(70_000).reverse()];
    a.update(x.subarray(0, 50_000));
    b.update(y.subarray(0, 1));
    a.update(x.subarray(50_000));
    b.update(y.subarray(1));
    expect(toBase64Url(a.digest())).toBe(toBase64Url(await webCryptoSha256(x)));
    expect(toBase64Url(b.digest())).toBe(toBase64Url(await webCryptoSha256(y)));
  });

  it('a file sealed with one hasher opens with the other, and a wrong content hash is refused by both', async () => {
    const plain = bytesOf(5 * 65_536 + 1234);
    const chunks = new Map<number, Uint8Array>();
    const reported = reportingHasher();
    expect(reported.kind()).toBe('js');
    const fields = await sealFile(plain.length, { read: async (o, n) => plain.slice(o, o + n), put: async (i, c) => void chunks.set(i, c), putHashes: async () => undefined, newHasher: reported.newHasher });
    expect(reported.kind()).toBe('wasm');
    expect(fields.sha256).toBe(toBase64Url(await webCryptoSha256(plain)));
    const read = async (i: number): Promise<Uint8Array | null> => chunks.get(i) ?? null;
    for (const newHasher of [jsContentHasher, wasmContentHasher]) {
      let length = 0;
      for await (const part of openFile(fields, read, newHasher)) length += part.length;
      expect(length).toBe(plain.length);
      const wrong = { ...fields, sha256: toBase64Url(new Uint8Array(32)) };
      const parts: Uint8Array[] = [];
      const opening = (async () => {
        for await (const part of openFile(wrong, read, newHasher)) parts.push(part);
      })();
      await expect(opening).rejects.toMatchObject({ name: OpenFileError.name, code: 'bad-content' });
      // The last chunk is never released when the whole does not match.
      expect(parts.length).toBe(5);
    }
  });
});
