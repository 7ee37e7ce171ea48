/**
 * Length hiding for sealed binary payloads (docs/architecture.md §8): a payload is framed
 * with its length and padded with zeros, so the sealed size tells an observer (the mailbox
 * server) only which bucket it fell in.
 *
 * Buckets follow Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
 * Communication with PURBs", PETS 2019): a length of L keeps only its top ⌊log2 log2 L⌋ + 1
 * bits, which costs at most 12% extra bytes (powers of two would cost up to 100%) and leaves
 * O(log log L) bits of the length. Below `min` everything is one size, so the length of a
 * short chat message, the commonest entry, says nothing at all.
 */

/** Bytes of the length prefix. */
const PREFIX = 4;

/** The Padmé length for `length`: at most 12% larger. */
export function padmeLength(length: number): number {
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits - 1;
  // Arithmetic rather than bit operators: entries may exceed 2^31 bytes in principle.
  return Math.ceil(length / (mask + 1)) * (mask + 1);
}

export interface PadBounds {
  /** Padded sizes are at least this (after `overhead` is added). */
  readonly min: number;
  /** Padded sizes never exceed this (after `overhead` is added); larger ones clamp to it. */
  readonly max: number;
  /** Bytes the sealing adds after padding (IV and tag), so the sealed size is the bucket. */
  readonly overhead: number;
}

/** `payload` behind a 4-byte length, zero-filled so that frame + overhead is a bucket size. */
export function padFrame(payload: Uint8Array, bounds: PadBounds): Uint8Array {
  const needed = PREFIX + payload.length + bounds.overhead;
  if (needed > bounds.max) throw new RangeError(`payload of ${payload.length} bytes does not fit in ${bounds.max}`);
  const target = Math.min(bounds.max, Math.max(bounds.min, padmeLength(needed)));
  const frame = new Uint8Array(target - bounds.overhead);
  new DataView(frame.buffer).setUint32(0, payload.length);
  frame.set(payload, PREFIX);
  return frame;
}

/** The payload of a frame from {@link padFrame}; throws on a frame whose length lies. */
export function unpadFrame(frame: Uint8Array): Uint8Array {
  if (frame.length < PREFIX) throw new RangeError('padded frame too short');
  const length = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
  if (length > frame.length - PREFIX) throw new RangeError('padded frame claims more than it holds');
  return frame.subarray(PREFIX, PREFIX + length);
}
