/** Framing and chunking (docs/architecture.md §5): length-prefixed, doc-tagged, ≤16 KiB chunks. */
import { describe, expect, it } from 'vitest';
import { chunkFrame, decodeFrame, decodePathControl, encodeFrame, encodePathControl, FrameError, FrameKinds, Lanes, MAX_CHUNK, Reassembler } from '../../../src/net/framing.js';

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
});
