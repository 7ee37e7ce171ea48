/**
 * A voice message's waveform (docs/architecture.md §14.8): loudness samples taken while
 * recording, reduced to at most `FileLimits.maxWaveBytes` levels of 0–255 (the loudest
 * sample of each stretch, scaled so the loudest stretch is 255), which the file message
 * carries base64url in `wave`. Pure, so the recorder and the tests share it.
 */
import { fromBase64Url, toBase64Url } from '../bytes.js';
import { FileLimits } from './file-ref.js';

/** `samples` (any non-negative loudness) as at most `n` levels 0–255. */
export function waveLevels(samples: readonly number[], n: number = FileLimits.maxWaveBytes): Uint8Array {
  const count = Math.min(n, samples.length);
  const out = new Uint8Array(count);
  if (count === 0) return out;
  const peaks: number[] = [];
  for (let i = 0; i < count; i++) {
    const from = Math.floor((i * samples.length) / count);
    const to = Math.max(from + 1, Math.floor(((i + 1) * samples.length) / count));
    let peak = 0;
    for (let j = from; j < to; j++) peak = Math.max(peak, samples[j]! > 0 ? samples[j]! : 0);
    peaks.push(peak);
  }
  const loudest = Math.max(...peaks);
  for (let i = 0; i < count; i++) out[i] = loudest > 0 ? Math.round((peaks[i]! / loudest) * 255) : 0;
  return out;
}

/** The levels as the file message carries them; absent for no samples. */
export function encodeWave(levels: Uint8Array): string | undefined {
  return levels.length > 0 ? toBase64Url(levels) : undefined;
}

/** The levels of a `wave` field (already checked by `parseFileRef`); empty when absent. */
export function decodeWave(wave: string | undefined): Uint8Array {
  return (wave && fromBase64Url(wave)) || new Uint8Array(0);
}

/**
 * `m:ss` for a duration in ms, as voice messages show it. A duration that is not a finite
 * number (a recording's WebM reports Infinity until read to its end) reads 0:00, never
 * "Infinity:NaN".
 */
export function durationText(ms: number): string {
  const seconds = Number.isFinite(ms) ? Math.max(0, Math.round(ms / 1000)) : 0;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
