/**
 * Peer wire framing (docs/protocol.md §2).
 *
 * A *frame* is one logical message: [kind u8][doc id: u8 length + bytes][payload]. Frames are
 * split into *chunks* because a data channel message over 256 KiB is refused by Chromium (the
 * failure that stops stock y-webrtc syncing docs over 256 KiB), and chunks let a small frame
 * go out between the chunks of a big one. Every build takes chunks of MAX_CHUNK (16 KiB);
 * larger ones, up to LINK_CHUNK, only once the remote's hello said it takes them (link
 * options, below), and only on a path that carries them (not the relay).
 *
 * Chunk layout: [flags u8][varuint total frame length, first chunk only][bytes]. Flags: bit 0
 * first chunk, bit 1 last chunk, bits 2–3 the lane. Each lane is a priority class (control,
 * sync, bulk): chunks of different lanes interleave, chunks of one frame are contiguous
 * within its lane, and frames of one lane stay in order. The pipe is ordered and reliable;
 * the reassembler still checks every invariant because the peer may be hostile.
 *
 * Path control chunks (flags 0x20 `begin`, 0x10 `switch`) belong to no frame: they mark where
 * a sender's chunk stream starts and where it moves to another path (link-controls.ts,
 * peer-link). Link options ride in the hello frame (link-controls.ts).
 */
import * as decoding from 'lib0/decoding';

/** The chunk every build takes; all a peer that advertised nothing gets. */
export const MAX_CHUNK = 16 * 1024;
/**
 * The largest chunk this build takes, advertised in its hello, and sends when the remote
 * and the path take it: a 64 KiB file chunk with its headers goes whole, as one message
 * (cut at 16 KiB it was five), and a text waits behind at most this much of a bulk frame.
 */
export const LINK_CHUNK = 128 * 1024;
/** Largest frame a peer may send; a whole-history sync step 2 must fit. */
export const MAX_FRAME = 64 * 1024 * 1024;
const MAX_DOC_ID = 64;
/**
 * Least a chunk that does not end its frame must carry. Every build cuts such chunks at its
 * chunk size less the header, so at least MAX_CHUNK less 5 bytes; the floor is lower to leave
 * any sender room. Without it a remote could cut a 64 MiB frame into 2-byte chunks, and each
 * one held here (a view, and the message it came in) costs far more than the byte it brings.
 */
const MIN_PART = 4 * 1024;

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

/** A frame to send: its payload may come in pieces, written once, straight into the link's buffer. */
export interface FrameToSend {
  readonly kind: FrameKind;
  readonly doc: Uint8Array;
  readonly payload: Uint8Array | readonly Uint8Array[];
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

const FLAG_FIRST = 1;
const FLAG_LAST = 2;
const LANE_SHIFT = 2;
const LANE_MASK = 3 << LANE_SHIFT;

export function encodeFrame(frame: Frame): Uint8Array {
  return encodeAt(frame, 0);
}

/** The frame written at `at` in a buffer that long plus the frame (room for a chunk header). */
function encodeAt(frame: FrameToSend, at: number): Uint8Array {
  if (frame.doc.length > MAX_DOC_ID) throw new FrameError('doc id too long');
  const parts = frame.payload instanceof Uint8Array ? [frame.payload] : frame.payload;
  const out = new Uint8Array(at + frameLength(frame));
  out[at] = frame.kind;
  out[at + 1] = frame.doc.length;
  out.set(frame.doc, at + 2);
  let o = at + 2 + frame.doc.length;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

/** Bytes the frame takes encoded. */
export function frameLength(frame: FrameToSend): number {
  let length = 2 + frame.doc.length;
  if (frame.payload instanceof Uint8Array) return length + frame.payload.length;
  for (const part of frame.payload) length += part.length;
  return length;
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

/**
 * A frame on its way out, cut into chunks only as a path takes them, so each chunk fits the
 * path it goes on (a link can move between paths mid-frame). The frame is encoded once behind
 * room for the first chunk's header: a frame that fits one chunk goes out without another
 * copy, and only continuation chunks are copied (behind their one-byte header).
 */
export class OutgoingFrame {
  private readonly bytes: Uint8Array;
  /** Size of the first chunk's header: flags and the frame's length. */
  private readonly head: number;
  private at: number;

  private constructor(bytes: Uint8Array, head: number, readonly lane: Lane) {
    if (bytes.length - head > MAX_FRAME) throw new FrameError(`frame of ${bytes.length - head} bytes exceeds ${MAX_FRAME}`);
    this.bytes = bytes;
    this.head = head;
    this.at = head;
  }

  static of(frame: FrameToSend): OutgoingFrame {
    const head = 1 + varUintSize(frameLength(frame));
    return new OutgoingFrame(encodeAt(frame, head), head, laneOf(frame.kind));
  }

  /** An already encoded frame (copied once). */
  static encoded(frame: Uint8Array, lane: Lane): OutgoingFrame {
    const head = 1 + varUintSize(frame.length);
    const bytes = new Uint8Array(head + frame.length);
    bytes.set(frame, head);
    return new OutgoingFrame(bytes, head, lane);
  }

  /** Frame bytes not cut into chunks yet. */
  get remaining(): number {
    return this.bytes.length - this.at;
  }

  /** The next chunk, at most `maxChunk` bytes (at least MAX_CHUNK); call while `remaining` > 0 or before the first. */
  next(maxChunk: number): Uint8Array {
    const first = this.at === this.head;
    const headerSize = first ? this.head : 1;
    const take = Math.min(Math.max(maxChunk, MAX_CHUNK) - headerSize, this.remaining);
    const flags = (first ? FLAG_FIRST : 0) | (take === this.remaining ? FLAG_LAST : 0) | (this.lane << LANE_SHIFT);
    const from = this.at;
    this.at += take;
    if (first) {
      this.bytes[0] = flags;
      writeVarUintAt(this.bytes, 1, this.bytes.length - this.head);
      return this.bytes.subarray(0, this.head + take);
    }
    const chunk = new Uint8Array(1 + take);
    chunk[0] = flags;
    chunk.set(this.bytes.subarray(from, from + take), 1);
    return chunk;
  }
}

/** Splits an encoded frame into chunks of at most `maxChunk` bytes, tagged with its lane. */
export function chunkFrame(frame: Uint8Array, lane: Lane = Lanes.control, maxChunk = MAX_CHUNK): Uint8Array[] {
  const out = OutgoingFrame.encoded(frame, lane);
  const chunks = [out.next(maxChunk)];
  while (out.remaining > 0) chunks.push(out.next(maxChunk));
  return chunks;
}

function varUintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** lib0's varuint, written in place. */
function writeVarUintAt(out: Uint8Array, at: number, n: number): void {
  while (n > 0x7f) {
    out[at++] = 0x80 | (n & 0x7f);
    n = Math.floor(n / 128);
  }
  out[at] = n;
}

/** One lane's frame in the middle of arriving. */
interface LaneState {
  parts: Uint8Array[];
  expected: number;
  received: number;
}

/**
 * Rebuilds frames from chunks, per lane. `push` returns a complete frame or null, and throws
 * FrameError on any violation (oversized chunk, a short chunk that does not end its frame,
 * missing first chunk, length mismatch, declared length over the cap, unknown flags) — the caller then drops the peer.
 */
export class Reassembler {
  private readonly lanes: LaneState[] = Array.from({ length: LANE_COUNT }, () => ({ parts: [], expected: -1, received: 0 }));
  private lastLane = 0;

  constructor(
    private readonly maxFrame = MAX_FRAME,
    private maxChunk = MAX_CHUNK,
  ) {}

  /** Takes chunks up to `maxChunk` bytes from now on (the remote's hello advertised them). */
  allowChunks(maxChunk: number): void {
    this.maxChunk = maxChunk;
  }

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
    if (!last && body.length < MIN_PART) throw new FrameError(`chunk of ${body.length} bytes inside a frame`);
    if (!last) return null;
    // One chunk: a view of the message, which the transport handed over (no copy).
    const frame = lane.parts.length === 1 ? lane.parts[0]! : join(lane.parts, lane.expected);
    lane.parts = [];
    lane.expected = -1;
    return frame;
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
