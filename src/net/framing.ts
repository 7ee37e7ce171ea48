/**
 * Peer wire framing (docs/protocol.md §2).
 *
 * A *frame* is one logical message: [kind u8][doc id: u8 length + bytes][payload]. Frames are
 * split into *chunks* of at most MAX_CHUNK bytes because a data channel message over 256 KiB
 * is refused by Chromium (the failure that stops stock y-webrtc syncing docs over 256 KiB),
 * and small chunks let a small frame go out between the chunks of a big one.
 *
 * Chunk layout: [flags u8][varuint total frame length, first chunk only][bytes]. Flags: bit 0
 * first chunk, bit 1 last chunk, bits 2–3 the lane. Each lane is a priority class (control,
 * sync, bulk): chunks of different lanes interleave, chunks of one frame are contiguous
 * within its lane, and frames of one lane stay in order. The pipe is ordered and reliable;
 * the reassembler still checks every invariant because the peer may be hostile.
 *
 * Path control chunks (flags 0x20 `begin`, 0x10 `switch`) belong to no frame: they mark where
 * a sender's chunk stream starts and where it moves to another path (see peer-link).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export const MAX_CHUNK = 16 * 1024;
/** Largest frame a peer may send; a whole-history sync step 2 must fit. */
export const MAX_FRAME = 64 * 1024 * 1024;
const MAX_DOC_ID = 64;

export const FrameKinds = {
  /** Membership proof for a conversation on this connection. */
  join: 0,
  /** y-protocols sync message (step 1, step 2, update). */
  sync: 1,
  /** y-protocols awareness update. */
  awareness: 2,
  /** Receiver's state vector: what it now holds, so the sender can retire outbox entries. */
  ack: 3,
  /** The sender stops syncing this conversation on this connection. */
  leave: 4,
  /** Connection-level identity proof; must be the first frame each side sends. */
  hello: 5,
  /** Asks for a file's hash list or chunks (docs/protocol.md §8). */
  fileGet: 6,
  /** A file's hash list or one encrypted chunk; the only frame in the bulk lane. */
  fileData: 7,
  /** "I do not hold these": the asker tries another member. */
  fileNone: 8,
  /** The asker stops wanting a file, or a holder stops serving it. */
  fileCancel: 9,
} as const;
export type FrameKind = (typeof FrameKinds)[keyof typeof FrameKinds];
const KIND_VALUES = new Set<number>(Object.values(FrameKinds));

/**
 * Priority classes, highest first. A lane never waits behind a lower one; within a lane
 * frames keep their order. Joins, leaves, sync and awareness share one lane because their
 * order matters (a join must arrive before the sync and presence it admits, a leave after
 * them); hello and acks may overtake everything. Bulk is for large transfers that must not
 * hold up conversation traffic (files).
 */
export const Lanes = { control: 0, sync: 1, bulk: 2 } as const;
export type Lane = (typeof Lanes)[keyof typeof Lanes];
export const LANE_COUNT = 3;

export function laneOf(kind: FrameKind): Lane {
  if (kind === FrameKinds.fileData) return Lanes.bulk;
  return kind === FrameKinds.hello || kind === FrameKinds.ack ? Lanes.control : Lanes.sync;
}

/** File frames go to the file exchange, not to a document's sync. */
export const isFileFrame = (kind: FrameKind): boolean => kind >= FrameKinds.fileGet && kind <= FrameKinds.fileCancel;

export interface Frame {
  readonly kind: FrameKind;
  readonly doc: Uint8Array;
  readonly payload: Uint8Array;
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

const FLAG_FIRST = 1;
const FLAG_LAST = 2;
const LANE_SHIFT = 2;
const LANE_MASK = 3 << LANE_SHIFT;
const FLAG_SWITCH = 0x10;
const FLAG_BEGIN = 0x20;
/** Longest binding a path control may name (a DTLS fingerprint line is ~110 characters). */
const MAX_BINDING = 512;

export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.doc.length > MAX_DOC_ID) throw new FrameError('doc id too long');
  const out = new Uint8Array(2 + frame.doc.length + frame.payload.length);
  out[0] = frame.kind;
  out[1] = frame.doc.length;
  out.set(frame.doc, 2);
  out.set(frame.payload, 2 + frame.doc.length);
  return out;
}

/** Throws FrameError for unknown kinds or truncated headers. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < 2) throw new FrameError('frame too short');
  const kind = bytes[0]!;
  if (!KIND_VALUES.has(kind)) throw new FrameError(`unknown frame kind ${kind}`);
  const docLength = bytes[1]!;
  if (docLength > MAX_DOC_ID || bytes.length < 2 + docLength) throw new FrameError('bad doc id length');
  return {
    kind: kind as FrameKind,
    doc: bytes.subarray(2, 2 + docLength),
    payload: bytes.subarray(2 + docLength),
  };
}

/** Splits an encoded frame into chunks of at most `maxChunk` bytes, tagged with its lane. */
export function chunkFrame(frame: Uint8Array, lane: Lane = Lanes.control, maxChunk = MAX_CHUNK): Uint8Array[] {
  if (frame.length > MAX_FRAME) throw new FrameError(`frame of ${frame.length} bytes exceeds ${MAX_FRAME}`);
  const header = encoding.createEncoder();
  encoding.writeVarUint(header, frame.length);
  const lengthBytes = encoding.toUint8Array(header);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let first = true;
  do {
    const headerSize = 1 + (first ? lengthBytes.length : 0);
    const take = Math.min(maxChunk - headerSize, frame.length - offset);
    const chunk = new Uint8Array(headerSize + take);
    const last = offset + take >= frame.length;
    chunk[0] = (first ? FLAG_FIRST : 0) | (last ? FLAG_LAST : 0) | (lane << LANE_SHIFT);
    if (first) chunk.set(lengthBytes, 1);
    chunk.set(frame.subarray(offset, offset + take), headerSize);
    chunks.push(chunk);
    offset += take;
    first = false;
  } while (offset < frame.length);
  return chunks;
}

/** One lane's frame in the middle of arriving. */
interface LaneState {
  parts: Uint8Array[];
  expected: number;
  received: number;
}

/**
 * Rebuilds frames from chunks, per lane. `push` returns a complete frame or null, and throws
 * FrameError on any violation (oversized chunk, missing first chunk, length mismatch,
 * declared length over the cap, unknown flags) — the caller then drops the peer.
 */
export class Reassembler {
  private readonly lanes: LaneState[] = Array.from({ length: LANE_COUNT }, () => ({ parts: [], expected: -1, received: 0 }));
  private lastLane = 0;

  constructor(private readonly maxFrame = MAX_FRAME, private readonly maxChunk = MAX_CHUNK) {}

  /** The frame in the middle of arriving on the lane last pushed to (for progress; nothing here is trusted). */
  partial(): PartialFrame | null {
    const lane = this.lanes[this.lastLane]!;
    if (lane.expected === -1) return null;
    const head = lane.parts[0];
    const docLength = head && head.length >= 2 ? head[1]! : -1;
    const doc = docLength >= 0 && docLength <= MAX_DOC_ID && head!.length >= 2 + docLength ? head!.subarray(2, 2 + docLength) : null;
    return { doc, received: lane.received, expected: lane.expected };
  }

  push(chunk: Uint8Array): Uint8Array | null {
    if (chunk.length === 0 || chunk.length > this.maxChunk) throw new FrameError(`chunk of ${chunk.length} bytes`);
    const flags = chunk[0]!;
    if (flags & ~(FLAG_FIRST | FLAG_LAST | LANE_MASK)) throw new FrameError('unknown chunk flags');
    const laneIndex = (flags & LANE_MASK) >> LANE_SHIFT;
    if (laneIndex >= LANE_COUNT) throw new FrameError('unknown lane');
    const lane = this.lanes[laneIndex]!;
    this.lastLane = laneIndex;
    let body: Uint8Array;
    if (flags & FLAG_FIRST) {
      if (lane.expected !== -1) throw new FrameError('new frame before the previous one ended');
      const decoder = decoding.createDecoder(chunk.subarray(1));
      let length: number;
      try {
        length = decoding.readVarUint(decoder);
      } catch (cause) {
        throw new FrameError('bad frame length', { cause });
      }
      if (length > this.maxFrame) throw new FrameError(`declared frame of ${length} bytes exceeds ${this.maxFrame}`);
      lane.expected = length;
      lane.received = 0;
      lane.parts = [];
      body = chunk.subarray(1 + decoder.pos);
    } else {
      if (lane.expected === -1) throw new FrameError('continuation chunk without a first chunk');
      body = chunk.subarray(1);
    }
    lane.received += body.length;
    if (lane.received > lane.expected) throw new FrameError('frame longer than declared');
    lane.parts.push(body);
    const last = (flags & FLAG_LAST) !== 0;
    if (last !== (lane.received === lane.expected)) throw new FrameError('last-chunk flag disagrees with length');
    if (!last) return null;
    const frame = lane.parts.length === 1 ? lane.parts[0]!.slice() : join(lane.parts, lane.expected);
    lane.parts = [];
    lane.expected = -1;
    return frame;
  }
}

/**
 * Path control chunks, which belong to no frame and no lane. Each names a path by its binding
 * as the sender sees it:
 * - `begin` is the first chunk a sender writes on its first path: "my stream starts here";
 * - `switch` is the last chunk it writes on a path: "my next chunk comes on this other path".
 */
export type PathControl = { readonly type: 'begin' | 'switch'; readonly local: string; readonly remote: string };

export function encodePathControl(control: PathControl): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, control.type === 'begin' ? FLAG_BEGIN : FLAG_SWITCH);
  encoding.writeVarString(encoder, control.local);
  encoding.writeVarString(encoder, control.remote);
  return encoding.toUint8Array(encoder);
}

/** The control a chunk carries, null for a frame chunk; throws FrameError when malformed. */
export function decodePathControl(chunk: Uint8Array): PathControl | null {
  const flags = chunk[0];
  if (flags !== FLAG_BEGIN && flags !== FLAG_SWITCH) return null;
  try {
    const decoder = decoding.createDecoder(chunk.subarray(1));
    const local = decoding.readVarString(decoder);
    const remote = decoding.readVarString(decoder);
    if (decoding.hasContent(decoder) || local.length > MAX_BINDING || remote.length > MAX_BINDING) throw new Error('bad path control');
    return { type: flags === FLAG_BEGIN ? 'begin' : 'switch', local, remote };
  } catch (cause) {
    throw new FrameError('malformed path control chunk', { cause });
  }
}

/** A frame still arriving: which document it is for (once its header is in) and how far. */
export interface PartialFrame {
  readonly doc: Uint8Array | null;
  readonly received: number;
  readonly expected: number;
}

function join(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
