/**
 * A voice message's waveform and duration text (docs/architecture.md §14.8): at most 64
 * levels, the loudest stretch at 255, round trip through the message field, and `m:ss`.
 */
import { describe, expect, it } from 'vitest';
import { parseFileRef } from '../../../src/core/files/file-ref.js';
import { decodeWave, durationText, encodeWave, waveLevels } from '../../../src/core/files/waveform.js';

describe('voice waveform', () => {
  it('reduces any number of samples to at most 64 levels, scaled to the loudest', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (i < 500 ? 1 : 4));
    const levels = waveLevels(samples);
    expect(levels.length).toBe(64);
    expect(levels[0]).toBe(64);
    expect(levels[63]).toBe(255);
    expect([...waveLevels([3, 6])]).toEqual([128, 255]);
    expect(waveLevels([]).length).toBe(0);
    expect([...waveLevels([0, 0, 0])]).toEqual([0, 0, 0]);
    // Negative or NaN samples count as silence.
    expect([...waveLevels([-5, Number.NaN, 2])]).toEqual([0, 0, 255]);
  });

  it('travels in the file message and comes back the same', () => {
    const levels = waveLevels(Array.from({ length: 300 }, (_, i) => Math.abs(Math.sin(i / 10))));
    const wave = encodeWave(levels)!;
    const ref = parseFileRef({ name: 'Voice message.webm', type: 'audio/webm', size: 1000, sha256: 'A'.repeat(43), key: 'B'.repeat(43), chunk: 65_536, root: 'C'.repeat(43), wave, ms: 2300, voice: true });
    expect(ref).not.toBeNull();
    expect([...decodeWave(ref!.wave)]).toEqual([...levels]);
    expect(encodeWave(new Uint8Array(0))).toBeUndefined();
    expect(decodeWave(undefined).length).toBe(0);
  });

  it('shows durations as m:ss', () => {
    expect(durationText(0)).toBe('0:00');
    expect(durationText(2_400)).toBe('0:02');
    expect(durationText(2_600)).toBe('0:03');
    expect(durationText(65_000)).toBe('1:05');
    expect(durationText(-5)).toBe('0:00');
    // A recording's WebM reports Infinity until read to its end: never "Infinity:NaN".
    for (const odd of [Infinity, NaN, -Infinity]) expect(durationText(odd)).toBe('0:00');
  });
});
