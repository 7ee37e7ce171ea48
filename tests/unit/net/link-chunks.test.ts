/**
 * Chunk sizes on a peer link (docs/protocol.md §2.3): larger chunks only between builds whose
 * hellos advertised them, never on the relay, and a text still goes out between the chunks
 * of a file.
 */
import { describe, expect, it } from 'vitest';
import { chunkFrame, encodeFrame, FrameKinds, Lanes, LINK_CHUNK, MAX_CHUNK, type Frame } from '../../../src/net/framing.js';
import { encodePathControl } from '../../../src/net/link-controls.js';
import { PeerLink } from '../../../src/net/peer-link.js';
import { linkPair, type LinkPair } from '../../helpers/link-pair.js';
import { flushAll, transportPair, type MemoryTransport } from '../../helpers/memory-transport.js';

const DOC = Uint8Array.from({ length: 16 }, (_, i) => i);
const hello = (): Frame => ({ kind: FrameKinds.hello, doc: new Uint8Array(), payload: Uint8Array.of(1, 2, 3) });
/** A file chunk as the file server sends it: 64 KiB sealed, plus its file-frame header. */
const fileChunk = (n: number): Frame => ({ kind: FrameKinds.fileData, doc: DOC, payload: new Uint8Array(64 * 1024 + 50).fill(n) });

type Ends = LinkPair;

function linked(kind: 'direct' | 'relay'): Ends {
  const ends = linkPair(kind);
  ends.ta.open();
  return ends;
}

/** Both ends say hello, as the mesh has them do first. */
function greet(ends: Ends): void {
  ends.a.send(hello());
  ends.b.send(hello());
  flushAll(ends.ta, ends.tb);
  ends.ta.sentSizes.length = 0;
}

/** An older build on `raw`: it starts its stream and says hello with an empty doc field, as builds before link options do. */
function oldBuildGreets(raw: MemoryTransport): void {
  const binding = raw.binding();
  raw.send(encodePathControl({ type: 'begin', local: binding.local, remote: binding.remote }));
  for (const chunk of chunkFrame(encodeFrame(hello()), Lanes.control)) raw.send(chunk);
}

describe('link chunk sizes', () => {
  it('sends a file chunk as one message once both hellos advertised larger chunks', () => {
    const ends = linked('direct');
    greet(ends);
    for (let i = 0; i < 3; i++) ends.a.send(fileChunk(i));
    flushAll(ends.ta, ends.tb);
    expect(ends.ta.sentSizes).toHaveLength(3);
    expect(Math.max(...ends.ta.sentSizes)).toBeGreaterThan(64 * 1024);
    expect(Math.max(...ends.ta.sentSizes)).toBeLessThanOrEqual(LINK_CHUNK);
    expect(ends.got.filter((f) => f.kind === FrameKinds.fileData).map((f) => [f.payload.length, f.payload[0]])).toEqual([0, 1, 2].map((n) => [64 * 1024 + 50, n]));
    // The mesh sees the hello it would see from an older build: no document.
    expect(ends.got[0]!.kind).toBe(FrameKinds.hello);
    expect(ends.got[0]!.doc).toHaveLength(0);
    expect(ends.closes).toEqual([]);
  });

  it('sends 16 KiB chunks before the remote hello, and to a remote that advertised nothing', () => {
    const ends = linked('direct');
    ends.a.send(fileChunk(0));
    flushAll(ends.ta, ends.tb);
    expect(Math.max(...ends.ta.sentSizes)).toBeLessThanOrEqual(MAX_CHUNK);

    const [raw, tb] = transportPair('direct');
    const link = new PeerLink(tb);
    raw.open();
    oldBuildGreets(raw);
    raw.flush();
    tb.flush();
    link.send(hello());
    link.send(fileChunk(1));
    expect(tb.sentSizes.length).toBeGreaterThan(4);
    expect(Math.max(...tb.sentSizes)).toBeLessThanOrEqual(MAX_CHUNK);
    expect(link.isClosed).toBe(false);
  });

  it('refuses a chunk over 16 KiB from a remote that did not advertise larger ones', () => {
    const [raw, tb] = transportPair('direct');
    const link = new PeerLink(tb);
    const closes: string[] = [];
    link.on('close', (reason, detail) => closes.push(`${reason}: ${detail}`));
    raw.open();
    oldBuildGreets(raw);
    for (const chunk of chunkFrame(encodeFrame(fileChunk(0)), Lanes.bulk, LINK_CHUNK)) raw.send(chunk);
    raw.flush();
    tb.flush();
    expect(link.isClosed).toBe(true);
    expect(closes).toEqual([`framing: chunk of ${64 * 1024 + 50 + 2 + DOC.length + 4} bytes`]);
  });

  it('keeps 16 KiB chunks on the relay though both ends take more', () => {
    const ends = linked('relay');
    greet(ends);
    ends.a.send(fileChunk(7));
    flushAll(ends.ta, ends.tb);
    expect(Math.max(...ends.ta.sentSizes)).toBeLessThanOrEqual(MAX_CHUNK);
    expect(ends.got.at(-1)!.payload.length).toBe(64 * 1024 + 50);
    expect(ends.closes).toEqual([]);
  });

  it('cuts a frame for each path it crosses when the link moves from the relay to a direct path', () => {
    const ends = linked('relay');
    greet(ends);
    const [da, db] = transportPair('direct');
    ends.a.addPath(da);
    ends.b.addPath(db);
    const big: Frame = { kind: FrameKinds.fileData, doc: DOC, payload: Uint8Array.from({ length: 1024 * 1024 }, (_, i) => i % 251) };
    ends.a.send(big);
    // Part of the frame is in the relay's buffer; the rest moves to the direct path.
    const onRelay = ends.ta.sentSizes.length;
    da.open();
    flushAll(ends.ta, ends.tb, da, db);
    expect(onRelay).toBeGreaterThan(0);
    expect(Math.max(...ends.ta.sentSizes)).toBeLessThanOrEqual(MAX_CHUNK);
    expect(Math.max(...da.sentSizes)).toBeGreaterThan(MAX_CHUNK);
    expect(Math.max(...da.sentSizes)).toBeLessThanOrEqual(LINK_CHUNK);
    const arrived = ends.got.at(-1)!;
    expect(Buffer.from(arrived.payload).equals(Buffer.from(big.payload))).toBe(true);
    expect(ends.closes).toEqual([]);
  });

  it('lets a text go out right behind the file data in the path, with larger chunks too', () => {
    const ends = linked('direct');
    greet(ends);
    for (let i = 0; i < 32; i++) ends.a.send(fileChunk(i));
    const bulkInPath = ends.ta.bufferedAmount;
    expect(bulkInPath).toBeGreaterThanOrEqual(192 * 1024);
    // At most one chunk past the bulk lane's mark.
    expect(bulkInPath).toBeLessThan(192 * 1024 + LINK_CHUNK);
    ends.a.send({ kind: FrameKinds.sync, doc: DOC, payload: Uint8Array.of(42) });
    const last = ends.tb.inbox.at(-1)!;
    expect((last[0]! >> 2) & 3).toBe(Lanes.sync);
    expect(ends.ta.bufferedAmount - last.length).toBe(bulkInPath);
    flushAll(ends.ta, ends.tb);
    expect(ends.got.filter((f) => f.kind === FrameKinds.fileData)).toHaveLength(32);
  });

  it('cuts a 256 KiB file chunk into link chunks, and a text goes between them rather than behind the whole', () => {
    const ends = linked('direct');
    greet(ends);
    // A big file's chunk (docs/architecture.md §14.2): 256 KiB sealed plus its file-frame header, larger than a link chunk.
    const bigChunk = (n: number): Frame => ({ kind: FrameKinds.fileData, doc: DOC, payload: new Uint8Array(256 * 1024 + 50).fill(n) });
    for (let i = 0; i < 4; i++) ends.a.send(bigChunk(i));
    const bulkInPath = ends.ta.bufferedAmount;
    // The path holds the bulk lane's mark and at most one link chunk past it, not a whole file chunk.
    expect(bulkInPath).toBeLessThan(192 * 1024 + LINK_CHUNK);
    expect(Math.max(...ends.ta.sentSizes)).toBeLessThanOrEqual(LINK_CHUNK);
    ends.a.send({ kind: FrameKinds.sync, doc: DOC, payload: Uint8Array.of(42) });
    // The text went to the path at once, in the middle of the first file chunk's frame.
    const last = ends.tb.inbox.at(-1)!;
    expect((last[0]! >> 2) & 3).toBe(Lanes.sync);
    expect(ends.ta.bufferedAmount - last.length).toBe(bulkInPath);
    flushAll(ends.ta, ends.tb);
    const arrived = ends.got.filter((f) => f.kind !== FrameKinds.hello).map((f) => (f.kind === FrameKinds.sync ? 'text' : `file ${f.payload[0]} ${f.payload.length}`));
    expect(arrived).toEqual(['text', ...[0, 1, 2, 3].map((n) => `file ${n} ${256 * 1024 + 50}`)]);
    expect(ends.closes).toEqual([]);
  });
});
