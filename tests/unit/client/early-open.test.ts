/**
 * Opening a file while it arrives (docs/architecture.md §14.5): the feed that hands a fetch's
 * stored chunks to the opener in order, and the opener on this thread (Node has no Worker;
 * the browser's worker path runs in the e2e files tests and the files bench).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK, type FileRef } from '../../../src/core/files/file-ref.js';
import { OpenFileError } from '../../../src/core/files/open-file.js';
import { sealFile } from '../../../src/core/files/seal-file.js';
import { ChunkFeed, EarlyOpenUnavailable } from '../../../src/client/files/chunk-feed.js';
import { openEarly } from '../../../src/client/files/early-open.js';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { recorded } from '../../helpers/file-record.js';

const ROOT = 'r'.repeat(43);
const chunk = (index: number): { index: number; bytes: Uint8Array } => ({ index, bytes: new Uint8Array([index & 0xff, index >> 8]) });

/** Resolves with the settled state of `p` once the microtasks and timers queued now have run. */
async function settled<T>(p: Promise<T>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  p.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setTimeout(r, 0));
  return state;
}

describe('ChunkFeed', () => {
  it('hands chunks over in order as they are stored, waiting for one not stored yet', async () => {
    const feed = new ChunkFeed(new MemoryChunkStore(), ROOT, new Set(), DEFAULT_CHUNK);
    feed.add([chunk(1), chunk(2)]);
    const first = feed.read(0);
    expect(await settled(first)).toBe('pending');
    feed.add([chunk(0)]);
    expect([...(await first)!]).toEqual([0, 0]);
    expect([...(await feed.read(1))!]).toEqual([1, 0]);
    expect([...(await feed.read(2))!]).toEqual([2, 0]);
  });

  it('reads back from the store what it did not keep: chunks stored before it began and chunks far ahead', async () => {
    const store = await recorded(new MemoryChunkStore(), ROOT);
    // Stored in an earlier session (a resumed fetch), and far beyond what the feed keeps.
    await store.putChunks(ROOT, [chunk(0), chunk(1), chunk(300)]);
    const feed = new ChunkFeed(store, ROOT, new Set([0, 1]), DEFAULT_CHUNK);
    feed.add([chunk(300)]);
    expect([...(await feed.read(0))!]).toEqual([0, 0]);
    expect([...(await feed.read(1))!]).toEqual([1, 0]);
    for (let i = 2; i < 300; i++) {
      await store.putChunks(ROOT, [chunk(i)]);
      feed.add([chunk(i)]);
      expect((await feed.read(i))![0]).toBe(i & 0xff);
    }
    expect([...(await feed.read(300))!]).toEqual([300 & 0xff, 1]);
  });

  it('hands over chunks as they arrive, before they are stored; one too far ahead waits until stored and is read back', async () => {
    const store = new MemoryChunkStore();
    const feed = new ChunkFeed(store, ROOT, new Set(), DEFAULT_CHUNK);
    feed.arrived([chunk(1), chunk(0), chunk(200)]);
    expect([...(await feed.read(0))!]).toEqual([0, 0]);
    expect([...(await feed.read(1))!]).toEqual([1, 0]);
    // Stored now, after the opener had them: nothing is kept again (the feed would hold the file).
    feed.add([chunk(0), chunk(1)]);
    expect((feed as unknown as { waiting: Map<number, Uint8Array> }).waiting.size).toBe(0);
    for (let i = 2; i < 200; i++) {
      feed.arrived([chunk(i)]);
      expect((await feed.read(i))![0]).toBe(i & 0xff);
    }
    // Chunk 200 arrived when it was too far ahead to keep: the read waits for its write.
    const far = feed.read(200);
    expect(await settled(far)).toBe('pending');
    await store.putChunks(ROOT, [chunk(200)]);
    feed.add([{ index: 200, bytes: new Uint8Array(0) }]);
    // Within reach now, so kept from `add`: the bytes given there.
    expect((await far)!.length).toBe(0);
  });

  it('stop ends a read that waits, and every later one, with EarlyOpenUnavailable', async () => {
    const feed = new ChunkFeed(new MemoryChunkStore(), ROOT, new Set(), DEFAULT_CHUNK);
    const waiting = feed.read(0);
    feed.stop();
    await expect(waiting).rejects.toBeInstanceOf(EarlyOpenUnavailable);
    feed.add([chunk(1)]);
    await expect(feed.read(1)).rejects.toBeInstanceOf(EarlyOpenUnavailable);
  });
});

describe('openEarly (no Worker: on this thread)', () => {
  const plain = new Uint8Array(5 * 65_536 + 1234).map((_, i) => (i * 7 + 3) & 0xff);

  async function sealed(): Promise<{ ref: FileRef & { key: string }; chunks: Map<number, Uint8Array> }> {
    const chunks = new Map<number, Uint8Array>();
    const fields = await sealFile(plain.length, {
      read: async (offset, length) => plain.slice(offset, offset + length),
      put: async (i, bytes) => void chunks.set(i, bytes),
      putHashes: async () => undefined,
    });
    return { ref: { name: 'a.bin', type: 'application/x-test', ...fields }, chunks };
  }

  it('opens a file whose chunks arrive out of order into a Blob of exactly its bytes', async () => {
    const { ref, chunks } = await sealed();
    const store = await recorded(new MemoryChunkStore(), ref.root);
    const opening = openEarly(store, ref, new Set());
    for (const batch of [[3, 1], [0, 5], [2, 4]]) await opening.save(batch.map((index) => ({ index, bytes: chunks.get(index)! })));
    // Saving stores: the file is whole in the store too.
    expect([...(await store.indices(ref.root))].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const blob = (await opening.blob)!;
    expect(blob.type).toBe('application/x-test');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(plain);
  });

  it('a file that does not match its signed content hash fails with bad-content', async () => {
    const { ref, chunks } = await sealed();
    const opening = openEarly(new MemoryChunkStore(), { ...ref, sha256: 'A'.repeat(43) }, new Set());
    await opening.save([...chunks].map(([index, bytes]) => ({ index, bytes })));
    const error = await opening.blob.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenFileError);
    expect((error as OpenFileError).code).toBe('bad-content');
  });

  it('without keep, a file is stored and checked but no Blob is made; a wrong content hash still fails', async () => {
    const { ref, chunks } = await sealed();
    const all = [...chunks].map(([index, bytes]) => ({ index, bytes }));
    const store = await recorded(new MemoryChunkStore(), ref.root);
    const checked = openEarly(store, ref, new Set(), false);
    await checked.save(all);
    await expect(checked.blob).resolves.toBeNull();
    expect([...(await store.indices(ref.root))].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const wrong = openEarly(await recorded(new MemoryChunkStore(), ref.root), { ...ref, sha256: 'A'.repeat(43) }, new Set(), false);
    await wrong.save(all.map(({ index, bytes }) => ({ index, bytes: bytes.slice() })));
    const error = await wrong.blob.catch((e: unknown) => e);
    expect((error as OpenFileError).code).toBe('bad-content');
  });
});
