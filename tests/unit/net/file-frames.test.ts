/**
 * File frames (docs/protocol.md §8): every kind round-trips, and every malformed or
 * over-cap payload is refused with FileFrameError before anything is allocated for it.
 */
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../src/core/bytes.js';
import { FileLimits } from '../../../src/core/files/file-ref.js';
import { decodeFileFrame, encodeFileFrame, FileFrameError, fileFramePieces, MAX_INDICES, type FileFrame } from '../../../src/net/files/file-frames.js';
import { FrameKinds, isFileFrame, laneOf, Lanes } from '../../../src/net/framing.js';

const root = toBase64Url(new Uint8Array(32).fill(9));

describe('file frames', () => {
  it('round-trips get, data, none and cancel', () => {
    const frames: FileFrame[] = [
      { type: 'get', root, part: 'hashes', indices: [] },
      { type: 'get', root, part: 'chunks', indices: [0, 1, 300, FileLimits.maxChunks - 1] },
      { type: 'data', root, part: 'hashes', index: 0, bytes: new Uint8Array(64).fill(3) },
      { type: 'data', root, part: 'chunks', index: 77, bytes: new Uint8Array(1000).fill(4) },
      { type: 'none', root, part: 'chunks', indices: [5, 6] },
      { type: 'none', root, part: 'hashes', indices: [] },
      { type: 'cancel', root, by: 'asker' },
      { type: 'cancel', root, by: 'holder' },
    ];
    for (const frame of frames) {
      const { kind, payload } = encodeFileFrame(frame);
      expect(isFileFrame(kind)).toBe(true);
      expect(decodeFileFrame(kind, payload)).toEqual(frame);
    }
  });

  it('puts only data in the bulk lane: a request or cancel never waits behind chunks', () => {
    expect(laneOf(FrameKinds.fileData)).toBe(Lanes.bulk);
    for (const k of [FrameKinds.fileGet, FrameKinds.fileNone, FrameKinds.fileCancel]) expect(laneOf(k)).toBe(Lanes.sync);
    expect(isFileFrame(FrameKinds.sync)).toBe(false);
  });

  it('refuses malformed and over-cap payloads', () => {
    const get = (indices: number[], part: 'hashes' | 'chunks' = 'chunks') => encodeFileFrame({ type: 'get', root, part, indices }).payload;
    const bad: Array<[number, Uint8Array]> = [
      [FrameKinds.fileGet, new Uint8Array(10)],
      [FrameKinds.fileGet, get(Array.from({ length: MAX_INDICES + 1 }, (_, i) => i))],
      [FrameKinds.fileGet, get([FileLimits.maxChunks])],
      [FrameKinds.fileGet, get([])],
      [FrameKinds.fileGet, get([1], 'hashes')],
      [FrameKinds.fileGet, new Uint8Array([...get([1]), 0])],
      [FrameKinds.fileGet, get([1, 2]).subarray(0, 34)],
      [FrameKinds.fileData, encodeFileFrame({ type: 'data', root, part: 'hashes', index: 3, bytes: new Uint8Array(1) }).payload],
      [FrameKinds.fileData, encodeFileFrame({ type: 'data', root, part: 'chunks', index: 3, bytes: new Uint8Array(0) }).payload],
      [FrameKinds.fileData, encodeFileFrame({ type: 'data', root, part: 'chunks', index: 3, bytes: new Uint8Array(3 * 1024 * 1024) }).payload],
      [FrameKinds.fileCancel, new Uint8Array([...new Uint8Array(32), 2])],
      [FrameKinds.fileCancel, new Uint8Array([...new Uint8Array(32), 0, 0])],
      [FrameKinds.sync, get([1])],
    ];
    for (const [kind, payload] of bad) expect(() => decodeFileFrame(kind as never, payload), `${kind}`).toThrow(FileFrameError);
  });

  it('refuses to encode a root that is not 32 bytes', () => {
    expect(() => encodeFileFrame({ type: 'cancel', root: 'abc', by: 'asker' })).toThrow(FileFrameError);
  });

  it("hands a data frame's chunk to the link uncopied, beside its header", () => {
    const bytes = new Uint8Array(65_552).fill(9);
    const { kind, payload } = fileFramePieces({ type: 'data', root, part: 'chunks', index: 700, bytes });
    expect(kind).toBe(FrameKinds.fileData);
    expect(payload.at(-1)).toBe(bytes);
    const joined = encodeFileFrame({ type: 'data', root, part: 'chunks', index: 700, bytes }).payload;
    expect(decodeFileFrame(kind, joined)).toMatchObject({ type: 'data', part: 'chunks', index: 700 });
  });
});
