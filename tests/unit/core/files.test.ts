/**
 * File references, chunk crypto, sealing and opening (docs/architecture.md §14.1): pure logic
 * over WebCrypto, no storage or network.
 */
import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../../../src/core/bytes.js';
import { parseEvent, parseUnsigned } from '../../../src/core/events.js';
import { chunkMatches, decryptChunk, encryptChunk, hashListMatches, importFileKey, sealedLength } from '../../../src/core/files/chunk-crypto.js';
import { chunkSizeFor, chunksIn, cleanFileRef, DEFAULT_CHUNK, FileLimits, HASH_BYTES, parseFileRef, type FileRef } from '../../../src/core/files/file-ref.js';
import { deriveFileKey, deriveFileRoot, FILE_SALT_BYTES, newFileSalt } from '../../../src/core/files/file-key.js';
import { openFile, OpenFileError } from '../../../src/core/files/open-file.js';
import { SealCancelledError, sealFile } from '../../../src/core/files/seal-file.js';
import { newEventId, type DeviceId } from '../../../src/core/ids.js';

function bytesOf(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Seals `plain` into memory: the chunks, the hash list and the reference. */
async function seal(plain: Uint8Array): Promise<{ ref: FileRef & { key: string }; chunks: Map<number, Uint8Array>; hashes: Uint8Array }> {
  const chunks = new Map<number, Uint8Array>();
  let hashes: Uint8Array = new Uint8Array();
  const fields = await sealFile(plain.length, {
    read: async (offset, length) => plain.slice(offset, offset + length),
    put: async (i, sealed) => void chunks.set(i, sealed),
    putHashes: async (h) => void (hashes = h),
  });
  return { ref: { name: 'a.bin', type: 'application/octet-stream', ...fields }, chunks, hashes };
}

async function readAll(ref: Pick<FileRef, 'size' | 'chunk' | 'sha256'> & { key: string }, chunks: Map<number, Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of openFile(ref, async (i) => chunks.get(i) ?? null)) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

const key32 = toBase64Url(new Uint8Array(32).fill(1));
const good: FileRef = { name: 'photo.png', type: 'image/png', size: 100_000, sha256: key32, key: key32, chunk: DEFAULT_CHUNK, root: key32 };

describe('file reference', () => {
  it('accepts a well-formed reference and refuses each broken field', () => {
    expect(parseFileRef(good)).not.toBeNull();
    expect(parseFileRef({ ...good, thumb: toBase64Url(new Uint8Array(20)), w: 640, h: 480 })).not.toBeNull();
    const broken: Array<Record<string, unknown>> = [
      { name: '' },
      { name: 'a/b' },
      { name: 'x'.repeat(FileLimits.maxName + 1) },
      { name: 'bell\u0007' },
      { type: 'image' },
      { type: 'IMAGE/PNG' },
      { size: 0 },
      { size: 1.5 },
      { size: FileLimits.maxSize + 1 },
      { chunk: 1000 },
      { chunk: FileLimits.maxChunk * 2 },
      { size: FileLimits.maxChunks * DEFAULT_CHUNK + 1 },
      { key: toBase64Url(new Uint8Array(16)) },
      { root: 'not base64!' },
      { thumb: toBase64Url(new Uint8Array(FileLimits.maxThumbBytes + 1)) },
      { w: 10 },
      { w: 0, h: 10 },
      { ms: -1 },
      { voice: 'yes' },
    ];
    for (const b of broken) expect(parseFileRef({ ...good, ...b }), JSON.stringify(b)).toBeNull();
  });

  it('takes the key from an epoch and a salt instead of carrying it, and never both or half', () => {
    const salt = toBase64Url(new Uint8Array(FILE_SALT_BYTES).fill(2));
    const { key: _carried, ...noKey } = good;
    const derived = { ...noKey, epoch: 'e3-abcdefgh12', salt };
    expect(parseFileRef(derived)).not.toBeNull();
    expect(Object.keys(cleanFileRef(derived)).sort()).toEqual(Object.keys(derived).sort());
    const rooted = { ...derived, kdf: 'root' };
    expect(parseFileRef(rooted)).not.toBeNull();
    expect(cleanFileRef(rooted as FileRef).kdf).toBe('root');
    const broken: Array<Record<string, unknown>> = [
      { ...derived, key: key32 },
      { ...noKey, epoch: 'e3-abcdefgh12' },
      { ...noKey, salt },
      { ...noKey },
      { ...derived, epoch: 'not an epoch' },
      { ...derived, salt: toBase64Url(new Uint8Array(FILE_SALT_BYTES + 1)) },
      { ...derived, kdf: 'secret' },
      { ...derived, kdf: true },
      { ...good, kdf: 'root' },
    ];
    for (const b of broken) expect(parseFileRef(b), JSON.stringify(b)).toBeNull();
  });

  it('derives one key per epoch secret and salt', async () => {
    const secret = new Uint8Array(32).fill(9);
    const salt = newFileSalt();
    const key = await deriveFileKey(secret, salt);
    expect(await deriveFileKey(secret.slice(), salt)).toBe(key);
    expect(await deriveFileKey(secret, newFileSalt())).not.toBe(key);
    expect(await deriveFileKey(new Uint8Array(32).fill(8), salt)).not.toBe(key);
    await expect(deriveFileKey(secret, toBase64Url(new Uint8Array(8)))).rejects.toThrow(RangeError);
    // A file sealed under a derived key opens under the same derivation only.
    const plain = bytesOf(DEFAULT_CHUNK + 5);
    const chunks = new Map<number, Uint8Array>();
    const fields = await sealFile(plain.length, { key, read: async (o, l) => plain.slice(o, o + l), put: async (i, s) => void chunks.set(i, s), putHashes: async () => undefined });
    expect(await readAll({ ...fields, key }, chunks)).toEqual(plain);
    await expect(readAll({ ...fields, key: await deriveFileKey(new Uint8Array(32).fill(8), salt) }, chunks)).rejects.toThrow(OpenFileError);
  });

  it('derives keys through the epoch file root: one root per secret, which is not the secret, and a key per salt', async () => {
    const secret = new Uint8Array(32).fill(9);
    const root = await deriveFileRoot(secret);
    expect(fromBase64Url(root)).toHaveLength(32);
    expect(await deriveFileRoot(secret.slice())).toBe(root);
    expect(await deriveFileRoot(new Uint8Array(32).fill(8))).not.toBe(root);
    expect(root).not.toBe(toBase64Url(secret));
    const salt = newFileSalt();
    // A root-derived key differs from the older secret-derived one for the same salt.
    expect(await deriveFileKey(fromBase64Url(root)!, salt)).not.toBe(await deriveFileKey(secret, salt));
  });

  it('keeps only known fields, so a newer client cannot smuggle data through this one', () => {
    const dirty = { ...good, extra: 'x'.repeat(1000) } as FileRef;
    expect(Object.keys(cleanFileRef(dirty)).sort()).toEqual(Object.keys(good).sort());
  });

  it('grows the chunk size only when a file would need more than the chunk cap', () => {
    expect(chunkSizeFor(1)).toBe(DEFAULT_CHUNK);
    expect(chunkSizeFor(200 * 1024 * 1024)).toBe(DEFAULT_CHUNK);
    expect(chunkSizeFor(FileLimits.maxChunks * DEFAULT_CHUNK + 1)).toBe(DEFAULT_CHUNK * 2);
    // A receiver takes every power of two a message names (another sender's choice).
    expect(parseFileRef({ ...good, size: 200 * 1024 * 1024, chunk: 256 * 1024 })).not.toBeNull();
  });

  it('counts windows and batches in bytes: fewer chunks of a larger size, never none', () => {
    expect(chunksIn(4 * 1024 * 1024, DEFAULT_CHUNK)).toBe(64);
    expect(chunksIn(4 * 1024 * 1024, 256 * 1024)).toBe(16);
    expect(chunksIn(1024 * 1024, FileLimits.maxChunk)).toBe(1);
    expect(chunksIn(512 * 1024, FileLimits.maxChunk)).toBe(1);
  });

  it('lets a message carry a file with an empty caption, and refuses a broken file', () => {
    const author = 'A'.repeat(43) as DeviceId;
    const base = { id: newEventId(author), kind: 'message', author, at: 1_700_000_000_000 };
    expect(parseUnsigned({ ...base, text: '', file: good })).not.toBeNull();
    expect(parseUnsigned({ ...base, text: 'caption', file: good })).not.toBeNull();
    expect(parseUnsigned({ ...base, text: '' })).toBeNull();
    expect(parseUnsigned({ ...base, text: '', file: { ...good, size: -1 } })).toBeNull();
    expect(parseEvent({ ...base, text: '', file: { ...good, key: 'short' }, sig: 'x' })).toBeNull();
  });
});

describe('chunk crypto', () => {
  it('seals a file of several chunks and opens it byte for byte', async () => {
    const plain = bytesOf(3 * DEFAULT_CHUNK + 123);
    const { ref, chunks, hashes } = await seal(plain);
    expect(chunks.size).toBe(4);
    expect(hashes.length).toBe(4 * HASH_BYTES);
    expect(chunks.get(3)!.length).toBe(sealedLength(ref, 3));
    expect(await hashListMatches(ref, hashes)).toBe(true);
    for (const [i, c] of chunks) expect(await chunkMatches(ref, hashes, i, c)).toBe(true);
    expect(await readAll(ref, chunks)).toEqual(plain);
  });

  it('uses a fresh key per file: the same bytes seal differently', async () => {
    const plain = bytesOf(1000);
    const [a, b] = await Promise.all([seal(plain), seal(plain)]);
    expect(a.ref.key).not.toBe(b.ref.key);
    expect(a.ref.root).not.toBe(b.ref.root);
    expect(a.ref.sha256).toBe(b.ref.sha256);
  });

  it('refuses a chunk moved to another index, a changed chunk and a wrong hash list', async () => {
    const { ref, chunks, hashes } = await seal(bytesOf(2 * DEFAULT_CHUNK));
    expect(await chunkMatches(ref, hashes, 1, chunks.get(0)!)).toBe(false);
    const flipped = chunks.get(0)!.slice();
    flipped[5]! ^= 1;
    expect(await chunkMatches(ref, hashes, 0, flipped)).toBe(false);
    const wrongList = hashes.slice();
    wrongList[0]! ^= 1;
    expect(await hashListMatches(ref, wrongList)).toBe(false);
    expect(await hashListMatches(ref, hashes.subarray(32))).toBe(false);
    // The IV is the index: even with the key, chunk 0 does not open as chunk 1.
    await expect(decryptChunk(await importFileKey(ref.key), 1, chunks.get(0)!)).rejects.toThrow();
  });

  it('a chunk forged under the right key opens but never matches the hash list', async () => {
    const { ref, chunks, hashes } = await seal(bytesOf(DEFAULT_CHUNK + 10));
    const forged = await encryptChunk(await importFileKey(ref.key), 1, bytesOf(10, 99));
    expect(forged.length).toBe(chunks.get(1)!.length);
    expect(await chunkMatches(ref, hashes, 1, forged)).toBe(false);
  });

  it('opening reports a missing chunk, a chunk that does not open, and content that does not match', async () => {
    const { ref, chunks } = await seal(bytesOf(2 * DEFAULT_CHUNK));
    const missing = new Map(chunks);
    missing.delete(1);
    await expect(readAll(ref, missing)).rejects.toMatchObject({ code: 'missing-chunk' });
    const broken = new Map(chunks);
    broken.set(1, chunks.get(0)!);
    await expect(readAll(ref, broken)).rejects.toMatchObject({ code: 'bad-chunk' });
    const lying = { ...ref, sha256: key32 };
    await expect(readAll(lying, chunks)).rejects.toBeInstanceOf(OpenFileError);
    await expect(readAll(lying, chunks)).rejects.toMatchObject({ code: 'bad-content' });
  });

  it('sealing stops when cancelled, and refuses a file that changed while read', async () => {
    let calls = 0;
    await expect(
      sealFile(3 * DEFAULT_CHUNK, {
        read: async (_o, length) => new Uint8Array(length),
        put: async () => undefined,
        putHashes: async () => undefined,
        cancelled: () => ++calls > 1,
      }),
    ).rejects.toBeInstanceOf(SealCancelledError);
    await expect(
      sealFile(DEFAULT_CHUNK, { read: async () => new Uint8Array(10), put: async () => undefined, putHashes: async () => undefined }),
    ).rejects.toThrow(/changed/);
    await expect(sealFile(0, { read: async () => new Uint8Array(), put: async () => undefined, putHashes: async () => undefined })).rejects.toBeInstanceOf(RangeError);
  });
});
