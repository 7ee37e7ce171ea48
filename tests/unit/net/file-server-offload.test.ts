/**
 * The holder hands reading and sending to the bulk worker where the link has a ready bulk
 * channel (docs/architecture.md §14.2): the page still decides what may be served (the
 * conversation the file was sent in), answers `none` for what the worker did not find and
 * sends in-band what it could not send. Pure logic; the real worker in Chromium is in
 * tests/e2e/files.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ServeOutcome } from '../../../src/net/files/bulk-core.js';
import type { FileFrame } from '../../../src/net/files/file-frames.js';
import { FileServer, type FileHolder } from '../../../src/net/files/file-server.js';
import type { RoomId } from '../../../src/net/mesh-types.js';
import type { PeerLink } from '../../../src/net/peer-link.js';

const ROOM = 'room-a' as RoomId;
const ROOT = 'A'.repeat(43);

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function rig(outcomes: readonly ServeOutcome[], owns = true) {
  const link = { isClosed: false, peer: { device: 'bob' }, bulkLane: { ready: true } } as unknown as PeerLink;
  const sent: FileFrame[] = [];
  const offloaded: number[][] = [];
  const pageReads: number[][] = [];
  const holder: FileHolder = {
    hashes: async () => null,
    chunks: async (_room, _root, indices) => {
      pageReads.push([...indices]);
      return indices.map((i) => new Uint8Array(10).fill(i));
    },
    owns: async (room) => owns && room === ROOM,
  };
  const server = new FileServer({
    holder,
    send: (_room, _link, frame) => void sent.push(frame),
    drop: () => undefined,
    offload: async (_link, _root, indices) => {
      offloaded.push([...indices]);
      return outcomes;
    },
  });
  const served: number[] = [];
  server.on('served', (_room, _root, _device, index) => served.push(index));
  return { server, link, sent, offloaded, pageReads, served };
}

describe('serving through the bulk worker', () => {
  it('counts what the worker sent, answers none for what it lacked, and sends in-band what it could not', async () => {
    const { server, link, sent, offloaded, pageReads, served } = rig(['sent', 'missing', 'page']);
    server.handle(ROOM, link, { type: 'get', root: ROOT, part: 'chunks', indices: [0, 1, 2] });
    await until(() => sent.some((f) => f.type === 'none'), 'the none');
    expect(offloaded).toEqual([[0, 1, 2]]);
    expect(pageReads).toEqual([[2]]);
    expect(served.sort()).toEqual([0, 2]);
    expect(sent).toEqual([
      { type: 'data', root: ROOT, part: 'chunks', index: 2, bytes: new Uint8Array(10).fill(2) },
      { type: 'none', root: ROOT, part: 'chunks', indices: [1] },
    ]);
  });

  it('lets the worker read nothing of a file this device does not serve in that conversation', async () => {
    const { server, link, sent, offloaded } = rig(['sent'], false);
    server.handle(ROOM, link, { type: 'get', root: ROOT, part: 'chunks', indices: [0] });
    await until(() => sent.length > 0, 'the none');
    expect(offloaded).toEqual([]);
    expect(sent).toEqual([{ type: 'none', root: ROOT, part: 'chunks', indices: [0] }]);
  });
});
