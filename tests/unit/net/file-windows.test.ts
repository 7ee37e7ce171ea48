/**
 * Windows and batches of file transfer count bytes, not chunks (docs/architecture.md §14.2):
 * a file cut into 256 KiB chunks has as many bytes in flight, waiting and read at once as one
 * cut into 64 KiB chunks. Pure logic with stand-in links and stores; the transfer itself over
 * real links is in file-exchange.test.ts and tests/e2e/files.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ChunkFeed } from '../../../src/client/files/chunk-feed.js';
import { toBase64Url } from '../../../src/core/bytes.js';
import { CHUNK_OVERHEAD, chunkCount, DEFAULT_CHUNK, FileLimits, HASH_BYTES } from '../../../src/core/files/file-ref.js';
import type { RoomId } from '../../../src/net/mesh-types.js';
import { FileFetch } from '../../../src/net/files/file-fetch.js';
import { MAX_INDICES, type FileFrame } from '../../../src/net/files/file-frames.js';
import { FileServer, type FileHolder } from '../../../src/net/files/file-server.js';
import type { PeerLink } from '../../../src/net/peer-link.js';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { recorded } from '../../helpers/file-record.js';

const MiB = 1024 * 1024;
/** A larger chunk size a message may name (a power of two up to 1 MiB). */
const BIG_CHUNK = 256 * 1024;
const ROOT = toBase64Url(new Uint8Array(32).fill(7));
const ROOM = 'room' as RoomId;
/** Enough of a link for the fetch and the server: open, identified. */
const fakeLink = (): PeerLink => ({ isClosed: false, peer: { device: 'd' } }) as unknown as PeerLink;

type Get = Extract<FileFrame, { type: 'get' }>;

/** A fetch of a 40 MiB file cut into `chunk`-byte pieces, its hash list already stored; records the gets it sends. */
function fetchOf(chunk: number): { fetch: FileFetch; link: PeerLink; gets: Get[] } {
  const size = 40 * MiB;
  const link = fakeLink();
  const gets: Get[] = [];
  const fetch = new FileFetch({
    room: ROOM,
    ref: { size, chunk, root: ROOT },
    hashes: new Uint8Array(chunkCount(size, chunk) * HASH_BYTES),
    have: new Set(),
    links: () => [link],
    send: (_link, frame) => frame.type === 'get' && gets.push(frame),
    drop: () => undefined,
    sink: { saveHashes: async () => undefined, saveChunks: async () => undefined },
  });
  return { fetch, link, gets };
}

const asked = (gets: readonly Get[]): number => gets.reduce((n, g) => n + g.indices.length, 0);

describe('file transfer windows in bytes', () => {
  it('asks a link for 4 MiB at once whatever the chunk size, and never for more indices than a get may name', () => {
    for (const [chunk, window] of [
      [DEFAULT_CHUNK, 64],
      [BIG_CHUNK, 16],
      [FileLimits.maxChunk, 4],
      // 16 KiB chunks (no build sends them) count as 64 KiB: a get names at most MAX_INDICES.
      [FileLimits.minChunk, MAX_INDICES],
    ] as const) {
      const { fetch, gets } = fetchOf(chunk);
      fetch.start();
      expect([chunk, asked(gets)]).toEqual([chunk, window]);
      expect(gets.every((g) => g.indices.length <= MAX_INDICES)).toBe(true);
      fetch.destroy();
    }
  });

  it('asks again once 1 MiB of the window was answered, in groups of that size', () => {
    const { fetch, link, gets } = fetchOf(BIG_CHUNK);
    fetch.start();
    expect(asked(gets)).toBe(16);
    const first = gets[0]!.indices;
    // Three answers (768 KiB) leave too little room for a group of four: nothing more is asked.
    fetch.onFrame(link, { type: 'none', root: ROOT, part: 'chunks', indices: first.slice(0, 3) });
    expect(gets).toHaveLength(1);
    fetch.onFrame(link, { type: 'none', root: ROOT, part: 'chunks', indices: first.slice(3, 4) });
    expect(gets).toHaveLength(2);
    expect(gets[1]!.indices).toHaveLength(4);
    fetch.destroy();
  });

  it('keeps at most twice its 4 MiB of checked chunks waiting while writes lag, however many answers come', async () => {
    const chunk = BIG_CHUNK;
    const size = 40 * MiB;
    const count = chunkCount(size, chunk);
    const sealed = new Uint8Array(chunk + CHUNK_OVERHEAD);
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', sealed));
    const hashes = new Uint8Array(count * HASH_BYTES);
    for (let i = 0; i < count; i++) hashes.set(hash, i * HASH_BYTES);
    const link = fakeLink();
    const dropped: string[] = [];
    const fetch = new FileFetch({
      room: ROOM,
      ref: { size, chunk, root: ROOT },
      hashes,
      have: new Set(),
      links: () => [link],
      send: () => undefined,
      drop: (_link, detail) => void dropped.push(detail),
      // Writes that never finish: every checked chunk stays in memory.
      sink: { saveHashes: async () => undefined, saveChunks: () => new Promise(() => undefined) },
    }).start();
    // Answers to requests asked earlier and asked again (a link that left the room and came back).
    for (let index = 0; index < count; index++) fetch.onFrame(link, { type: 'data', root: ROOT, part: 'chunks', index, bytes: sealed });
    await waitUntil(() => fetch.received >= 32 * chunk);
    await new Promise((r) => setTimeout(r, 50));
    expect(fetch.received).toBe(32 * chunk);
    expect(dropped).toEqual([]);
    fetch.destroy();
  });

  it('keeps 4 MiB of stored chunks in memory for the opener, and reads the rest back 1 MiB per transaction', async () => {
    for (const [chunk, fromStore, reads] of [
      // 40 chunks of 64 KiB: all wait in memory.
      [DEFAULT_CHUNK, 0, 0],
      // 40 chunks of 256 KiB: 16 wait in memory, 24 come back from the store, 4 per read.
      [BIG_CHUNK, 24, 6],
    ] as const) {
      const store = await recorded(new CountingStore(), ROOT);
      const feed = new ChunkFeed(store, ROOT, new Set(), chunk);
      const chunks = Array.from({ length: 40 }, (_, index) => ({ index, bytes: new Uint8Array(chunk + CHUNK_OVERHEAD).fill(index) }));
      await store.putChunks(ROOT, chunks);
      feed.add(chunks);
      for (let i = 0; i < 40; i++) expect((await feed.read(i))?.[0]).toBe(i);
      expect([chunk, store.chunksRead, store.reads]).toEqual([chunk, fromStore, reads]);
    }
  });

  it('reads 512 KiB of a file per storage transaction once it knows the file’s chunk size', async () => {
    const reads: number[][] = [];
    const holder: FileHolder = {
      hashes: async () => null,
      chunks: async (_room, _root, indices) => (reads.push([...indices]), indices.map(() => new Uint8Array(BIG_CHUNK + CHUNK_OVERHEAD))),
    };
    let sent = 0;
    const server = new FileServer({ holder, send: () => void sent++, drop: () => undefined });
    const link = fakeLink();
    const get = (indices: number[]): void => server.handle(ROOM, link, { type: 'get', root: ROOT, part: 'chunks', indices });
    get([0, 1, 2, 3, 4, 5, 6, 7]);
    await waitUntil(() => sent === 8);
    // The first read could not know the size: 8 chunks, as of 64 KiB. Then 2 of 256 KiB.
    get([8, 9, 10, 11, 12, 13, 14, 15]);
    await waitUntil(() => sent === 16);
    expect(reads).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9], [10, 11], [12, 13], [14, 15]]);
    server.destroy();
  });
});

describe('pacing only where chunks reach the page', () => {
  /**
   * A fetch of one link answering a chunk every 50 ms (a slow link: the pacing measures
   * about 1.3 MB/s and a 50 ms round trip, so a paced window falls to its 1 MiB floor);
   * resolves with how many chunks were outstanding at the end.
   */
  async function outstandingAfterSlowAnswers(paced: boolean): Promise<number> {
    let clock = 0;
    const link = fakeLink();
    const gets: Get[] = [];
    const size = 40 * MiB;
    const fetch = new FileFetch({
      room: ROOM,
      ref: { size, chunk: DEFAULT_CHUNK, root: ROOT },
      hashes: new Uint8Array(chunkCount(size, DEFAULT_CHUNK) * HASH_BYTES),
      have: new Set(),
      links: () => [link],
      send: (_link, frame) => frame.type === 'get' && gets.push(frame),
      drop: () => undefined,
      sink: { saveHashes: async () => undefined, saveChunks: async () => undefined },
      gate: { file: () => undefined, announce: () => undefined },
      paced: () => paced,
      now: () => clock,
    }).start();
    let answered = 0;
    for (; answered < 60; answered++) {
      clock += 50;
      fetch.onChecked(link, gets.flatMap((g) => g.indices)[answered]!, new Uint8Array(DEFAULT_CHUNK + CHUNK_OVERHEAD));
      await new Promise((r) => setTimeout(r, 0));
    }
    fetch.destroy();
    return asked(gets) - answered;
  }

  it('asks a link whose chunks go to the bulk worker for the whole window, however slow it measures', async () => {
    const paced = await outstandingAfterSlowAnswers(true);
    const unpaced = await outstandingAfterSlowAnswers(false);
    // Paced: the 1 MiB floor (16 chunks of 64 KiB). Not paced: the 4 MiB window, asked
    // again in 1 MiB groups, so between 48 and 64 outstanding.
    expect(paced).toBeLessThanOrEqual(16);
    expect(unpaced).toBeGreaterThanOrEqual(48);
    expect(unpaced).toBeLessThanOrEqual(64);
  });
});

/** A memory store that counts its reads. */
class CountingStore extends MemoryChunkStore {
  reads = 0;
  chunksRead = 0;
  override async chunks(root: string, indices: readonly number[]): Promise<Array<Uint8Array | null>> {
    this.reads++;
    this.chunksRead += indices.length;
    return super.chunks(root, indices);
  }
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(condition()).toBe(true);
}

describe('the holder serves its backlog held while it sends the conversation its own frames', () => {
  /**
   * A holder with 16 chunks asked at once (a bulk link is asked for its whole window) on a
   * link whose last sync frame from this side went at `sentAt` (a text, after the serving
   * began, or the file's own message, before it). Returns the reads and the pauses.
   */
  async function serveBacklog(sentAt: (clock: number) => number): Promise<{ reads: number[][]; pauses: number[] }> {
    let clock = 1_000;
    const reads: number[][] = [];
    const pauses: number[] = [];
    const holder: FileHolder = {
      hashes: async () => null,
      chunks: async (_room, _root, indices) => (reads.push([...indices]), indices.map(() => new Uint8Array(DEFAULT_CHUNK + CHUNK_OVERHEAD))),
    };
    let sent = 0;
    const server = new FileServer({
      holder,
      send: () => void sent++,
      drop: () => undefined,
      clock: () => clock,
      sleep: async (ms) => {
        pauses.push(ms);
        clock += ms;
      },
    });
    const link = { isClosed: false, peer: { device: 'd' }, syncSentAt: -Infinity } as unknown as PeerLink & { syncSentAt: number };
    link.syncSentAt = sentAt(clock);
    server.handle(ROOM, link, { type: 'get', root: ROOT, part: 'chunks', indices: Array.from({ length: 16 }, (_, i) => i) });
    await waitUntil(() => sent === 16);
    server.destroy();
    return { reads, pauses };
  }

  it('one chunk at a time, at the rate the asker holds its asks to, while this side sends texts', async () => {
    // A text went just after the serving began: every chunk is read alone and followed by
    // the pause a 64 KiB chunk takes at 2 MiB/s.
    const { reads, pauses } = await serveBacklog((clock) => clock);
    expect(reads).toEqual(Array.from({ length: 16 }, (_, i) => [i]));
    const chunkMs = ((DEFAULT_CHUNK + CHUNK_OVERHEAD) * 1000) / (2 * MiB);
    expect(pauses).toEqual(Array.from({ length: 16 }, () => chunkMs));
  });

  it('not for a frame sent before the serving began (the file’s own message), nor with none', async () => {
    for (const sentAt of [(clock: number) => clock - 1, () => -Infinity]) {
      const { reads, pauses } = await serveBacklog(sentAt);
      expect(reads).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]]);
      expect(pauses).toEqual([]);
    }
  });
});
