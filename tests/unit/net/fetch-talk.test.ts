/**
 * Pacing while texts go (docs/architecture.md §14.2, "Pacing"): a sync frame heard
 * on a link holds that link's window down for a while, so a transfer leaves both pages'
 * threads (and the machine) room for the conversation. Pure logic: a stand-in link that
 * keeps when it last heard a sync frame (PeerLink.syncHeardAt, peer-link.test.ts), a fake
 * clock; the real links are in file-exchange.test.ts and the e2e tests.
 */
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../src/core/bytes.js';
import { chunkCount, DEFAULT_CHUNK, HASH_BYTES } from '../../../src/core/files/file-ref.js';
import type { RoomId } from '../../../src/net/mesh-types.js';
import { PACE } from '../../../src/net/files/fetch-pace.js';
import { FileFetch } from '../../../src/net/files/file-fetch.js';
import type { FileFrame } from '../../../src/net/files/file-frames.js';
import type { PeerLink } from '../../../src/net/peer-link.js';

const MiB = 1024 * 1024;
const ROOT = toBase64Url(new Uint8Array(32).fill(9));

/** Enough of a link for the fetch: open, identified, and when it last heard a sync frame. */
class StandInLink {
  readonly isClosed = false;
  readonly peer = { device: 'd' };
  syncHeardAt = -Infinity;

  /** Unused (the fetch sends through `parts.send`), but what makes it a link to the fetch. */
  send(): void {}
}

type Get = Extract<FileFrame, { type: 'get' }>;

function fetchOver(link: StandInLink, clock: { now: number }, paced = true) {
  const size = 40 * MiB;
  const gets: Get[] = [];
  const fetch = new FileFetch({
    room: 'room' as RoomId,
    ref: { size, chunk: DEFAULT_CHUNK, root: ROOT },
    hashes: new Uint8Array(chunkCount(size, DEFAULT_CHUNK) * HASH_BYTES),
    have: new Set(),
    links: () => [link as unknown as PeerLink],
    send: (_link, frame) => frame.type === 'get' && gets.push(frame),
    drop: () => undefined,
    sink: { saveHashes: async () => undefined, saveChunks: async () => undefined },
    now: () => clock.now,
    paced: () => paced,
  });
  return { fetch, gets };
}

/** Answers `indices` with `none`: the fetch counts them off the link's window and pumps. */
const answer = (fetch: FileFetch, link: StandInLink, indices: readonly number[]): void =>
  fetch.onFrame(link as unknown as PeerLink, { type: 'none', root: ROOT, part: 'chunks', indices });

describe('FileFetch while texts go on a link', () => {
  it('asks at most talkWindow of a link once a text was heard on it, and its whole window again after talkMs', () => {
    const link = new StandInLink();
    const clock = { now: 0 };
    const { fetch, gets } = fetchOver(link, clock);
    fetch.start();
    // Before any text: the ceiling, 64 chunks.
    expect(gets[0]!.indices).toHaveLength(PACE.ceiling / DEFAULT_CHUNK);
    link.syncHeardAt = clock.now;
    answer(fetch, link, gets[0]!.indices);
    expect(gets).toHaveLength(2);
    expect(gets[1]!.indices).toHaveLength(PACE.talkWindow / DEFAULT_CHUNK);
    // The hold ends talkMs after the text: the link is asked for its window again.
    clock.now = PACE.talkMs;
    answer(fetch, link, gets[1]!.indices);
    expect(gets[2]!.indices).toHaveLength(PACE.ceiling / DEFAULT_CHUNK);
    fetch.destroy();
  });

  it('holds a link whose chunks go to the bulk worker (not paced) as well', () => {
    const link = new StandInLink();
    const clock = { now: 0 };
    const { fetch, gets } = fetchOver(link, clock, false);
    fetch.start();
    expect(gets[0]!.indices).toHaveLength(PACE.ceiling / DEFAULT_CHUNK);
    link.syncHeardAt = clock.now;
    answer(fetch, link, gets[0]!.indices);
    expect(gets[1]!.indices).toHaveLength(PACE.talkWindow / DEFAULT_CHUNK);
    clock.now = PACE.talkMs;
    answer(fetch, link, gets[1]!.indices);
    expect(gets[2]!.indices).toHaveLength(PACE.ceiling / DEFAULT_CHUNK);
    fetch.destroy();
  });

  it('is not held by a sync frame heard before it looked at the link (the file message itself)', () => {
    const link = new StandInLink();
    const clock = { now: 10 };
    link.syncHeardAt = 5;
    const { fetch, gets } = fetchOver(link, clock);
    fetch.start();
    answer(fetch, link, gets[0]!.indices);
    expect(gets[1]!.indices).toHaveLength(PACE.ceiling / DEFAULT_CHUNK);
    link.syncHeardAt = clock.now;
    answer(fetch, link, gets[1]!.indices);
    expect(gets[2]!.indices).toHaveLength(PACE.talkWindow / DEFAULT_CHUNK);
    fetch.destroy();
  });

  it('two fetches on one link are both held by the link\'s one record', () => {
    const link = new StandInLink();
    const clock = { now: 0 };
    const one = fetchOver(link, clock);
    const two = fetchOver(link, clock);
    one.fetch.start();
    two.fetch.start();
    link.syncHeardAt = clock.now;
    answer(one.fetch, link, one.gets[0]!.indices);
    answer(two.fetch, link, two.gets[0]!.indices);
    expect(one.gets[1]!.indices).toHaveLength(PACE.talkWindow / DEFAULT_CHUNK);
    expect(two.gets[1]!.indices).toHaveLength(PACE.talkWindow / DEFAULT_CHUNK);
    one.fetch.destroy();
    two.fetch.destroy();
  });

  /**
   * Texts every 100 ms for `ms` over a link whose chunks all come back `rttMs` after they
   * were asked (the holder serves at once): resolves with the bytes per second that arrived
   * after the first second, and the largest group asked while held.
   */
  async function heldTransfer(rttMs: number, paced: boolean, ms = 4_000): Promise<{ rate: number; largest: number }> {
    const link = new StandInLink();
    const clock = { now: 0 };
    link.syncHeardAt = 0;
    const { fetch, gets } = fetchOver(link, clock, paced);
    const bytes = new Uint8Array(DEFAULT_CHUNK);
    const due: Array<{ index: number; at: number }> = [];
    let seen = 0;
    let counted = 0;
    let largest = 0;
    const schedule = (): void => {
      for (; seen < gets.length; seen++) {
        for (const index of gets[seen]!.indices) due.push({ index, at: clock.now + rttMs });
        if (clock.now > 0) largest = Math.max(largest, gets[seen]!.indices.length);
      }
    };
    fetch.start();
    schedule();
    while (clock.now < ms) {
      const next = Math.min(due[0]?.at ?? Infinity, clock.now - (clock.now % 100) + 100);
      clock.now = next;
      if (clock.now % 100 === 0) link.syncHeardAt = clock.now;
      while (due[0] && due[0].at <= clock.now) {
        const { index } = due.shift()!;
        fetch.onChecked(link as unknown as PeerLink, index, bytes);
        if (clock.now > 1_000) counted += bytes.length;
        schedule();
      }
      // Let the sink's writes settle, as they would between the chunks' tasks.
      await new Promise((resolve) => setImmediate(resolve));
      schedule();
    }
    fetch.destroy();
    return { rate: (counted * 1000) / (ms - 1_000), largest };
  }

  it('holds a link across a 100 ms round trip to about talkRate, not to one chunk per round trip', async () => {
    for (const paced of [false, true]) {
      const { rate } = await heldTransfer(100, paced);
      // One chunk per round trip would be 640 KiB/s; the window in whole chunks rounds down.
      expect(rate).toBeGreaterThan(0.8 * PACE.talkRate);
      expect(rate).toBeLessThan(1.05 * PACE.talkRate);
    }
  });

  it('holds a link of a few ms to one 64 KiB chunk at a time, as before', async () => {
    for (const paced of [false, true]) {
      const { largest } = await heldTransfer(3, paced, 2_000);
      expect(largest).toBe(PACE.talkWindow / DEFAULT_CHUNK);
    }
  });
});
