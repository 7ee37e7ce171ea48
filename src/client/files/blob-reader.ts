/**
 * Reading a picked file for sealing (docs/architecture.md §14.4): slices of READ_AHEAD bytes,
 * handed out chunk by chunk. One `Blob.arrayBuffer()` per 64 KiB chunk cost more than the
 * encryption (measured: a third of the send time), so a read takes 1 MiB at a time; the
 * file is never held whole.
 */

const READ_AHEAD = 1024 * 1024;

/** `read(offset, length)` over a Blob, for reads in increasing order (as sealing does). */
export function blobReader(blob: Blob): (offset: number, length: number) => Promise<Uint8Array> {
  let from = 0;
  let window = new Uint8Array(0);
  return async (offset, length) => {
    if (offset < from || offset + length > from + window.length) {
      from = offset;
      window = new Uint8Array(await blob.slice(offset, offset + Math.max(length, READ_AHEAD)).arrayBuffer());
    }
    return window.subarray(offset - from, offset - from + length);
  };
}
