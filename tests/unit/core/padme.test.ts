/** Padmé buckets and the length frame that hides a sealed payload's size. */
import { describe, expect, it } from 'vitest';
import { padFrame, padmeLength, unpadFrame } from '../../../src/core/padme.js';

const bounds = { min: 1024, max: 8 * 1024 * 1024, overhead: 28 };

describe('padme', () => {
  it('never shrinks, costs at most 12%, and maps many lengths to one bucket', () => {
    const buckets = new Set<number>();
    for (let length = 1; length <= 1 << 20; length += 997) {
      const padded = padmeLength(length);
      expect(padded).toBeGreaterThanOrEqual(length);
      expect(padded).toBeLessThanOrEqual(Math.max(length * 1.12, length + 1));
      expect(padmeLength(padded)).toBe(padded);
      buckets.add(padded);
    }
    // About 1,050 lengths sampled, far fewer sizes seen.
    expect(buckets.size).toBeLessThan(200);
  });

  it('frames round-trip, and the sealed size is the bucket', () => {
    for (const length of [0, 1, 500, 992, 993, 5000, 123_456]) {
      const payload = Uint8Array.from({ length }, (_, i) => i % 251);
      const frame = padFrame(payload, bounds);
      const sealedSize = frame.length + bounds.overhead;
      expect(sealedSize).toBeGreaterThanOrEqual(bounds.min);
      expect(sealedSize === bounds.min || padmeLength(sealedSize) === sealedSize).toBe(true);
      expect(unpadFrame(frame)).toEqual(payload);
    }
  });

  it('clamps to the maximum and refuses what cannot fit', () => {
    const max = { ...bounds, max: 10_000 };
    expect(padFrame(new Uint8Array(9_900), max).length + max.overhead).toBe(10_000);
    expect(() => padFrame(new Uint8Array(9_990), max)).toThrow(RangeError);
  });

  it('rejects a frame whose length prefix lies or that is too short', () => {
    const frame = padFrame(new Uint8Array(10), bounds);
    new DataView(frame.buffer).setUint32(0, frame.length);
    expect(() => unpadFrame(frame)).toThrow(/claims more/);
    expect(() => unpadFrame(new Uint8Array(3))).toThrow(/too short/);
  });
});
