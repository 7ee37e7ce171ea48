/**
 * Frees a sealed chunk's buffer in the opening worker once both its users are done with it
 * (docs/architecture.md §14.5): its write, once stored, and the opener, once it asks for the
 * next chunk (the decryption copied it). Left to the collector, a file's worth of dead
 * buffers piled up in the worker (+64 to +68 MiB while 200 MiB arrived; +6 to +7 MiB freed).
 */
import { free } from './decrypt-blob.js';

export class TwoUsers {
  /** Chunks that arrived here, to the buffer of the first user done with it (or none yet). */
  private readonly open = new Map<number, ArrayBuffer | null>();

  /** Chunks that arrived in this worker: only these are ever freed. */
  arrived(chunks: ReadonlyArray<{ readonly index: number }>): void {
    for (const { index } of chunks) if (!this.open.has(index)) this.open.set(index, null);
  }

  /** One user is done with chunk `index`, whose bytes it held in `buffer`. */
  doneWith(index: number, buffer: ArrayBuffer): void {
    if (!this.open.has(index)) return;
    const other = this.open.get(index);
    if (!other) {
      this.open.set(index, buffer);
      return;
    }
    this.open.delete(index);
    // A chunk the opener read back from the store is another buffer, left to the collector.
    if (other === buffer) free(buffer);
  }

  /** Wraps the opener's `read`: asking for a chunk means it is done with the one before. */
  reading(read: (index: number) => Promise<Uint8Array | null>): (index: number) => Promise<Uint8Array | null> {
    let previous: { index: number; bytes: Uint8Array } | null = null;
    return async (index) => {
      if (previous) this.doneWith(previous.index, previous.bytes.buffer as ArrayBuffer);
      const bytes = await read(index);
      previous = bytes ? { index, bytes } : null;
      return bytes;
    };
  }
}
