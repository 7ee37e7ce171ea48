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
});
