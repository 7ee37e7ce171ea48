/** Framing and chunking (docs/architecture.md §5): length-prefixed, doc-tagged, ≤16 KiB chunks. */
import { describe, expect, it } from 'vitest';
import {
  chunkFrame,
  decodeFrame,
  encodeFrame,
  FrameError,
  FrameKinds,
  frameLength,
  Lanes,
  LINK_CHUNK,
  MAX_CHUNK,
  OutgoingFrame,
  Reassembler,
} from '../../../src/net/framing.js';
import { decodeLinkOptions, decodePathControl, encodeLinkOptions, encodePathControl } from '../../../src/net/link-controls.js';

const doc = Uint8Array.from({ length: 16 }, (_, i) => i);
const payloadOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);

describe('framing', () => {
  it('round-trips frames of every size class through chunks of at most 16 KiB', () => {
    for (const size of [0, 1, MAX_CHUNK - 20, MAX_CHUNK, MAX_CHUNK * 3 + 1, 300 * 1024, 2 * 1024 * 1024]) {
      const frame = { kind: FrameKinds.sync, doc, payload: payloadOf(size) };
      const chunks = chunkFrame(encodeFrame(frame));
      expect(chunks.every((c) => c.length <= MAX_CHUNK)).toBe(true);
      const r = new Reassembler();
      let out: Uint8Array | null = null;
      chunks.forEach((c, i) => {
        out = r.push(c);
        if (i < chunks.length - 1) expect(out).toBeNull();
      });
      const decoded = decodeFrame(out!);
      expect(decoded.kind).toBe(FrameKinds.sync);
      expect(Array.from(decoded.doc)).toEqual(Array.from(doc));
      expect(Buffer.from(decoded.payload).equals(Buffer.from(frame.payload))).toBe(true);
    }
  });

  it('tells which document a frame part-way in is for, and how far it has come', () => {
    const chunks = chunkFrame(encodeFrame({ kind: FrameKinds.sync, doc, payload: payloadOf(MAX_CHUNK * 4) }));
    const r = new Reassembler();
    expect(r.partial()).toBeNull();
    r.push(chunks[0]!);
    const first = r.partial()!;
    expect(Array.from(first.doc!)).toEqual(Array.from(doc));
    expect(first.expected).toBe(2 + doc.length + MAX_CHUNK * 4);
    expect(first.received).toBeGreaterThan(0);
    r.push(chunks[1]!);
    expect(r.partial()!.received).toBeGreaterThan(first.received);
    for (const c of chunks.slice(2)) r.push(c);
    expect(r.partial()).toBeNull();
  });

  it('keeps frames apart when several arrive back to back', () => {
    const r = new Reassembler();
    const frames = [1, MAX_CHUNK * 2, 5].map((n, i) => encodeFrame({ kind: FrameKinds.awareness, doc, payload: payloadOf(n + i) }));
    const got = frames.flatMap((f) => chunkFrame(f)).map((c) => r.push(c)).filter((x) => x !== null);
    expect(got.map((f) => f!.length)).toEqual(frames.map((f) => f.length));
  });

  it('rejects a chunk over 16 KiB, a continuation without a start, and a length lie', () => {
    expect(() => new Reassembler().push(new Uint8Array(MAX_CHUNK + 1))).toThrow(FrameError);
    expect(() => new Reassembler().push(Uint8Array.of(0, 1, 2))).toThrow(/continuation/);
    // Declares 10 bytes, marks the first chunk as last with 3.
    expect(() => new Reassembler().push(Uint8Array.of(3, 10, 1, 2, 3))).toThrow(/last-chunk/);
    // Declares 2 bytes, sends 3.
    expect(() => new Reassembler().push(Uint8Array.of(1, 2, 1, 2, 3))).toThrow(/longer/);
    expect(() => new Reassembler().push(Uint8Array.of(0x80 | 4))).toThrow(/flags/);
  });

  it('refuses a tiny chunk that does not end its frame: a frame cut into 2-byte chunks would hold a message per byte', () => {
    const r = new Reassembler();
    // Declares 1 MiB (varuint 0x80 0x80 0x40), then sends it a byte at a time.
    expect(r.push(Uint8Array.of(1, 0x80, 0x80, 0x40, ...new Uint8Array(MAX_CHUNK - 4)))).toBeNull();
    expect(() => r.push(Uint8Array.of(0, 7))).toThrow(/inside a frame/);
    // What every build sends still goes through: full chunks, and a short last one.
    const frame = encodeFrame({ kind: FrameKinds.sync, doc, payload: payloadOf(MAX_CHUNK * 2 + 3) });
    const whole = new Reassembler();
    const frames = chunkFrame(frame).map((c) => whole.push(c)).filter((f) => f !== null);
    expect(frames).toEqual([frame]);
  });

  it('refuses a declared size over the cap before buffering anything', () => {
    const r = new Reassembler(1024);
    expect(() => r.push(Uint8Array.of(1, 0x80, 0x10))).toThrow(/exceeds/);
  });

  it('rejects unknown frame kinds and truncated headers', () => {
    expect(() => decodeFrame(Uint8Array.of(99, 0))).toThrow(/unknown frame kind/);
    expect(() => decodeFrame(Uint8Array.of(1))).toThrow(FrameError);
    expect(() => decodeFrame(Uint8Array.of(1, 16, 1, 2))).toThrow(/doc id/);
  });

  it('reassembles frames of different lanes whose chunks interleave', () => {
    const big = chunkFrame(encodeFrame({ kind: FrameKinds.sync, doc, payload: payloadOf(MAX_CHUNK * 3) }), Lanes.sync);
    const small = chunkFrame(encodeFrame({ kind: FrameKinds.ack, doc, payload: payloadOf(10) }), Lanes.control);
    const r = new Reassembler();
    const out = [big[0]!, small[0]!, ...big.slice(1)].map((c) => r.push(c)).filter((f) => f !== null).map((f) => decodeFrame(f!).kind);
    expect(out).toEqual([FrameKinds.ack, FrameKinds.sync]);
    // Lane 3 does not exist.
    expect(() => new Reassembler().push(Uint8Array.of(3 | (3 << 2), 0))).toThrow(/lane/);
  });

  it('round-trips path control chunks and refuses malformed ones', () => {
    const control = { type: 'switch', local: 'sha-256 AA:BB', remote: 'sha-256 CC:DD' } as const;
    expect(decodePathControl(encodePathControl(control))).toEqual(control);
    expect(decodePathControl(encodePathControl({ ...control, type: 'begin' }))!.type).toBe('begin');
    expect(decodePathControl(chunkFrame(encodeFrame({ kind: FrameKinds.hello, doc, payload: payloadOf(3) }))[0]!)).toBeNull();
    expect(() => decodePathControl(Uint8Array.of(0x10, 200))).toThrow(FrameError);
    expect(() => decodePathControl(new Uint8Array([...encodePathControl(control), 0]))).toThrow(FrameError);
  });

  it('cuts a frame into chunks of whatever size each path takes, and the reassembler follows', () => {
    const frame = { kind: FrameKinds.fileData, doc, payload: payloadOf(600 * 1024) };
    const out = OutgoingFrame.of(frame);
    expect(out.lane).toBe(Lanes.bulk);
    const r = new Reassembler();
    r.allowChunks(LINK_CHUNK);
    const sizes = [MAX_CHUNK, LINK_CHUNK, MAX_CHUNK, LINK_CHUNK, LINK_CHUNK, LINK_CHUNK, LINK_CHUNK];
    let whole: Uint8Array | null = null;
    for (const size of sizes) {
      const chunk = out.next(size);
      expect(chunk.length).toBeLessThanOrEqual(size);
      whole = r.push(chunk);
      if (out.remaining === 0) break;
    }
    expect(out.remaining).toBe(0);
    expect(Buffer.from(decodeFrame(whole!).payload).equals(Buffer.from(frame.payload))).toBe(true);
  });

  it('sends a frame that fits one chunk as it was encoded, and takes it without a copy', () => {
    const out = OutgoingFrame.of({ kind: FrameKinds.sync, doc, payload: payloadOf(100) });
    const chunk = out.next(MAX_CHUNK);
    expect(out.remaining).toBe(0);
    expect(chunk).toEqual(chunkFrame(encodeFrame({ kind: FrameKinds.sync, doc, payload: payloadOf(100) }), Lanes.sync)[0]);
    const frame = new Reassembler().push(chunk)!;
    expect(frame.buffer).toBe(chunk.buffer);
  });

  it('refuses chunks over 16 KiB until told the remote advertised larger ones', () => {
    const [chunk] = chunkFrame(encodeFrame({ kind: FrameKinds.fileData, doc, payload: payloadOf(40 * 1024) }), Lanes.bulk, LINK_CHUNK);
    expect(() => new Reassembler().push(chunk!)).toThrow(/chunk of/);
    const r = new Reassembler();
    r.allowChunks(LINK_CHUNK);
    expect(r.push(chunk!)).not.toBeNull();
    expect(() => r.push(new Uint8Array(LINK_CHUNK + 1))).toThrow(/chunk of/);
  });

  it('reads link options: none from an older build, a floor of 16 KiB, fields it does not know ignored', () => {
    expect(decodeLinkOptions(new Uint8Array())).toBeNull();
    expect(decodeLinkOptions(encodeLinkOptions({ maxChunk: LINK_CHUNK }))).toEqual({ maxChunk: LINK_CHUNK });
    expect(decodeLinkOptions(encodeLinkOptions({ maxChunk: 100 }))).toEqual({ maxChunk: MAX_CHUNK });
    expect(decodeLinkOptions(new Uint8Array([...encodeLinkOptions({ maxChunk: 65_536 }), 7, 7]))).toEqual({ maxChunk: 65_536 });
    expect(() => decodeLinkOptions(Uint8Array.of(0x80))).toThrow(FrameError);
  });

  it('writes a payload given in pieces exactly as the same payload in one piece', () => {
    const pieces = [payloadOf(40), payloadOf(70 * 1024), new Uint8Array(), payloadOf(3)];
    const joined = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    pieces.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    const a = OutgoingFrame.of({ kind: FrameKinds.fileData, doc, payload: pieces });
    const b = OutgoingFrame.of({ kind: FrameKinds.fileData, doc, payload: joined });
    expect(frameLength({ kind: FrameKinds.fileData, doc, payload: pieces })).toBe(2 + doc.length + joined.length);
    expect(Buffer.from(a.next(LINK_CHUNK)).equals(Buffer.from(b.next(LINK_CHUNK)))).toBe(true);
    expect(a.remaining).toBe(0);
  });
});
