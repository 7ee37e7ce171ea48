/**
 * A budgeted walk over a Yjs v1 update's bytes before anything is decoded into objects
 * (docs/architecture.md §8). `Y.decodeUpdate` allocates an object per struct and per value:
 * a 61 MiB frame of tiny structs froze a page for 14 s and took 3.2 GiB of heap in Node
 * before any rule could refuse it. This walk allocates nothing per struct, counts structs,
 * values and delete ranges, measures each value's encoded size, refuses content types the
 * schema never uses, bounds nesting (lib0's `readAny` recurses), and stops at the first
 * limit crossed. Only an update that passes is decoded.
 *
 * Layout as written by yjs `writeStructs`/`Item.write` and lib0 `writeAny`.
 */
import * as decoding from 'lib0/decoding';

export interface ScanLimits {
  /** Structs in one update. */
  readonly maxStructs: number;
  /** Values (array elements of ContentAny) in one update. */
  readonly maxValues: number;
  /** Encoded bytes of one value, whatever its fields (events and records alike). */
  readonly maxValueBytes: number;
  /** Delete-set ranges in one update. */
  readonly maxDeleteRanges: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  // A late joiner's 100k-message history is a few hundred structs (Yjs merges a device's
  // consecutive appends) and ~100k values; these leave an order of magnitude of room.
  maxStructs: 200_000,
  maxValues: 2_000_000,
  maxValueBytes: 64 * 1024,
  maxDeleteRanges: 200_000,
};

export type ScanResult =
  | {
      readonly ok: true;
      /** Encoded size of every value, in the order the structs carry them. */
      readonly valueBytes: Uint32Array;
    }
  | { readonly ok: false; readonly reason: 'malformed' | 'forbidden' | 'gap'; readonly detail: string };

const MAX_DEPTH = 16;
const CONTENT_ANY = 8;
const GC = 0;
const SKIP = 10;

class ScanStop extends Error {
  constructor(
    readonly reason: 'malformed' | 'forbidden' | 'gap',
    message: string,
  ) {
    super(message);
  }
}

export function scanUpdate(update: Uint8Array, limits: ScanLimits = DEFAULT_SCAN_LIMITS): ScanResult {
  const d = decoding.createDecoder(update);
  let sizes = new Uint32Array(64);
  let values = 0;
  const pushSize = (n: number): void => {
    if (values >= sizes.length) {
      const grown = new Uint32Array(sizes.length * 2);
      grown.set(sizes);
      sizes = grown;
    }
    sizes[values++] = n;
  };
  try {
    let structs = 0;
    const clients = decoding.readVarUint(d);
    for (let c = 0; c < clients; c++) {
      const count = decoding.readVarUint(d);
      decoding.readVarUint(d); // client
      decoding.readVarUint(d); // clock
      structs += count;
      if (structs > limits.maxStructs) throw new ScanStop('forbidden', `more than ${limits.maxStructs} structs in one update`);
      for (let i = 0; i < count; i++) {
        const info = decoding.readUint8(d);
        const ref = info & 0x1f;
        if (ref === GC) throw new ScanStop('forbidden', 'garbage-collected structs are not accepted');
        if (ref === SKIP) throw new ScanStop('gap', 'update contains a skip');
        if (ref !== CONTENT_ANY) throw new ScanStop('forbidden', `content type ${ref} is not part of the schema`);
        if (info & 0x80) readId(d);
        if (info & 0x40) readId(d);
        if ((info & 0xc0) === 0) {
          if (decoding.readVarUint(d) === 1) skipString(d);
          else readId(d);
          if (info & 0x20) skipString(d);
        }
        const n = decoding.readVarUint(d);
        if (values + n > limits.maxValues) throw new ScanStop('forbidden', `more than ${limits.maxValues} values in one update`);
        for (let j = 0; j < n; j++) {
          const start = d.pos;
          skipAny(d, 0);
          const size = d.pos - start;
          if (size > limits.maxValueBytes) throw new ScanStop('forbidden', `a value of ${size} bytes (at most ${limits.maxValueBytes})`);
          pushSize(size);
        }
      }
    }
    let ranges = 0;
    const deleteClients = decoding.readVarUint(d);
    for (let c = 0; c < deleteClients; c++) {
      decoding.readVarUint(d);
      const n = decoding.readVarUint(d);
      ranges += n;
      if (ranges > limits.maxDeleteRanges) throw new ScanStop('forbidden', `more than ${limits.maxDeleteRanges} delete ranges`);
      for (let i = 0; i < n; i++) {
        decoding.readVarUint(d);
        decoding.readVarUint(d);
      }
    }
    if (d.pos > update.length) throw new ScanStop('malformed', 'update ends early');
    return { ok: true, valueBytes: sizes.subarray(0, values) };
  } catch (error) {
    if (error instanceof ScanStop) return { ok: false, reason: error.reason, detail: error.message };
    return { ok: false, reason: 'malformed', detail: `undecodable update: ${(error as Error).message}` };
  }
}

function readId(d: decoding.Decoder): void {
  decoding.readVarUint(d);
  decoding.readVarUint(d);
}

function skip(d: decoding.Decoder, n: number): void {
  if (n < 0 || d.pos + n > d.arr.length) throw new ScanStop('malformed', 'update ends early');
  d.pos += n;
}

function skipString(d: decoding.Decoder): void {
  skip(d, decoding.readVarUint(d));
}

function skipAny(d: decoding.Decoder, depth: number): void {
  if (depth > MAX_DEPTH) throw new ScanStop('forbidden', 'a value nests too deeply');
  const type = decoding.readUint8(d);
  switch (type) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return;
    case 125:
      decoding.readVarInt(d);
      return;
    case 124:
      return skip(d, 4);
    case 123:
    case 122:
      return skip(d, 8);
    case 119:
    case 116:
      return skipString(d);
    case 118: {
      const n = decoding.readVarUint(d);
      for (let i = 0; i < n; i++) {
        skipString(d);
        skipAny(d, depth + 1);
      }
      return;
    }
    case 117: {
      const n = decoding.readVarUint(d);
      for (let i = 0; i < n; i++) skipAny(d, depth + 1);
      return;
    }
    default:
      throw new ScanStop('malformed', `unknown value type ${type}`);
  }
}
