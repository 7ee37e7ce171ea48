/**
 * A fetch whose checked chunks go from the bulk worker straight to the opening worker
 * (docs/architecture.md §14.2, "Worker to worker"): the fetch hands the port over once it has
 * the hash list, hears only indices, counts a chunk held until the opening worker says it is
 * stored (in either order of the two workers' messages), is done once every chunk is, and
 * asks again what an opening worker that ended had not stored. Pure logic with stand-in
 * links, gate and port; the path in real Chromium is in tests/e2e/bulk-connection.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../src/core/bytes.js';
import { chunkCount, DEFAULT_CHUNK, HASH_BYTES } from '../../../src/core/files/file-ref.js';
import { FileFetch } from '../../../src/net/files/file-fetch.js';
import type { FileFrame } from '../../../src/net/files/file-frames.js';
import type { DirectEvents } from '../../../src/net/files/held-chunks.js';
import type { RoomId } from '../../../src/net/mesh-types.js';
import type { PeerLink } from '../../../src/net/peer-link.js';

const ROOT = toBase64Url(new Uint8Array(32).fill(7));
const fakeLink = (): PeerLink => ({ isClosed: false, peer: { device: 'd' } }) as unknown as PeerLink;
type Get = Extract<FileFrame, { type: 'get' }>;

function directFetch(chunks: number): {
  fetch: FileFetch;
  link: PeerLink;
  gets: Get[];
  saved: number[];
  ports: Array<MessagePort | null>;
  events: () => DirectEvents;
} {
  const size = chunks * DEFAULT_CHUNK;
  const link = fakeLink();
  const gets: Get[] = [];
  const saved: number[] = [];
  const ports: Array<MessagePort | null> = [];
  const { port1 } = new MessageChannel();
  let events: DirectEvents | null = null;
  let taken = false;
  const fetch = new FileFetch({
    room: 'room' as RoomId,
    ref: { size, chunk: DEFAULT_CHUNK, root: ROOT },
    hashes: new Uint8Array(chunkCount(size, DEFAULT_CHUNK) * HASH_BYTES),
    have: new Set(),
    links: () => [link],
    send: (_link, frame) => frame.type === 'get' && gets.push(frame),
    drop: () => undefined,
    sink: {
      saveHashes: async () => undefined,
      saveChunks: async (batch) => void saved.push(...batch.map((c) => c.index)),
      direct: {
        take: () => (taken ? null : ((taken = true), port1 as unknown as MessagePort)),
        listen: (e) => (events = e),
      },
    },
    gate: { file: () => undefined, announce: () => undefined, direct: (_root, port) => (ports.push(port), true) },
    paced: () => false,
  });
  return { fetch, link, gets, saved, ports, events: () => events! };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('a fetch whose chunks go worker to worker', () => {
  it('hands the port to the gate, holds chunks heard by index until stored, whichever message comes first, and is done once all are', async () => {
    const { fetch, link, gets, saved, ports, events } = directFetch(4);
    let done = false;
    fetch.on('done', () => (done = true));
    fetch.start();
    expect(ports).toHaveLength(1);
    expect(gets.flatMap((g) => g.indices)).toEqual([0, 1, 2, 3]);
    // Heard, then stored.
    fetch.onChecked(link, 0, null);
    fetch.onChecked(link, 1, null);
    expect(fetch.received).toBe(2 * DEFAULT_CHUNK);
    events().stored([0, 1]);
    // Stored before the page heard they came (two workers' messages in the other order).
    events().stored([2, 3]);
    expect(done).toBe(false);
    fetch.onChecked(link, 2, null);
    fetch.onChecked(link, 3, null);
    await tick();
    expect(done).toBe(true);
    expect(fetch.received).toBe(4 * DEFAULT_CHUNK);
    // Nothing went through the page's own writes, and nothing was asked twice.
    expect(saved).toEqual([]);
    expect(gets.flatMap((g) => g.indices)).toEqual([0, 1, 2, 3]);
    fetch.destroy();
  });

  it('writes at once a last chunk that came with its bytes while the others are with the opening worker', () => {
    const { fetch, link, saved } = directFetch(4);
    fetch.start();
    for (const index of [0, 1, 2]) fetch.onChecked(link, index, null);
    // In-band (a relay link, a link's first file before its bulk channel is up): the page writes it.
    fetch.onChecked(link, 3, new Uint8Array(DEFAULT_CHUNK + 16));
    // Not after the 50 ms a lone chunk waits for others: every other chunk is held already.
    expect(saved).toEqual([3]);
    fetch.destroy();
  });

  it('fails as a failed write does when the opening worker could not store', () => {
    const { fetch, link, events } = directFetch(4);
    let failed: Error | null = null;
    fetch.on('failed', (e) => (failed = e));
    fetch.start();
    fetch.onChecked(link, 0, null);
    events().failed(new Error('quota'));
    expect(fetch.state).toBe('failed');
    expect(failed!.message).toBe('quota');
    fetch.destroy();
  });

  it('asks again what an opening worker that ended had not stored, and takes chunks with their bytes after it', async () => {
    const { fetch, link, gets, saved, ports, events } = directFetch(4);
    let done = false;
    fetch.on('done', () => (done = true));
    fetch.start();
    fetch.onChecked(link, 0, null);
    fetch.onChecked(link, 1, null);
    events().stored([0]);
    events().lost();
    // Chunk 1 was with the opening worker and not stored: no longer counted received.
    expect(fetch.received).toBe(DEFAULT_CHUNK);
    // The bulk worker is told to send the file's chunks to the page again.
    expect(ports).toEqual([expect.anything(), null]);
    // A chunk the bulk worker had sent on before it heard: its bytes are gone, so it is asked again.
    fetch.onChecked(link, 2, null);
    fetch.onChecked(link, 3, new Uint8Array(DEFAULT_CHUNK + 16));
    await tick();
    const asked = gets.flatMap((g) => g.indices);
    expect(asked.slice(4).sort()).toEqual([1, 2]);
    fetch.onChecked(link, 1, new Uint8Array(DEFAULT_CHUNK + 16));
    fetch.onChecked(link, 2, new Uint8Array(DEFAULT_CHUNK + 16));
    await new Promise((r) => setTimeout(r, 80));
    expect(saved.sort()).toEqual([1, 2, 3]);
    expect(done).toBe(true);
    // Chunk 1, counted when the opening worker had it and again when it came back, counts once.
    expect(fetch.received).toBe(4 * DEFAULT_CHUNK);
    fetch.destroy();
  });
});
