/**
 * Peer wire framing (ARCHITECTURE §5).
 *
 * A *frame* is one logical message: [kind u8][doc id: u8 length + bytes][payload]. Frames are
 * split into *chunks* of at most MAX_CHUNK bytes because a data channel message over 256 KiB
 * is refused by Chromium (the failure that stops stock y-webrtc syncing docs over 256 KiB),
 * and small chunks keep awareness and typing frames from queueing behind a big sync.
 *
 * Chunk layout: [flags u8][varuint total frame length, first chunk only][bytes]. The data
 * channel is ordered and reliable and a sender never interleaves frames, so chunks of one
 * frame arrive contiguously; the reassembler still checks every invariant because the peer
 * may be hostile.
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
} as const;
export type FrameKind = (typeof FrameKinds)[keyof typeof FrameKinds];
const KIND_VALUES = new Set<number>(Object.values(FrameKinds));

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

/** Splits an encoded frame into chunks of at most `maxChunk` bytes. */
export function chunkFrame(frame: Uint8Array, maxChunk = MAX_CHUNK): Uint8Array[] {
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
    chunk[0] = (first ? FLAG_FIRST : 0) | (last ? FLAG_LAST : 0);
    if (first) chunk.set(lengthBytes, 1);
    chunk.set(frame.subarray(offset, offset + take), headerSize);
    chunks.push(chunk);
    offset += take;
    first = false;
  } while (offset < frame.length);
  return chunks;
}

/**
 * Rebuilds frames from chunks. `push` returns a complete frame or null, and throws
 * FrameError on any violation (oversized chunk, missing first chunk, length mismatch,
 * declared length over the cap) — the caller then drops the peer.
 */
export class Reassembler {
  private parts: Uint8Array[] = [];
  private expected = -1;
  private received = 0;

  constructor(private readonly maxFrame = MAX_FRAME, private readonly maxChunk = MAX_CHUNK) {}

  /** The frame in the middle of arriving, if any (for progress; nothing here is trusted). */
  partial(): PartialFrame | null {
    if (this.expected === -1) return null;
    const head = this.parts[0];
    const docLength = head && head.length >= 2 ? head[1]! : -1;
    const doc = docLength >= 0 && docLength <= MAX_DOC_ID && head!.length >= 2 + docLength ? head!.subarray(2, 2 + docLength) : null;
    return { doc, received: this.received, expected: this.expected };
  }

  push(chunk: Uint8Array): Uint8Array | null {
    if (chunk.length === 0 || chunk.length > this.maxChunk) throw new FrameError(`chunk of ${chunk.length} bytes`);
    const flags = chunk[0]!;
    if (flags & ~(FLAG_FIRST | FLAG_LAST)) throw new FrameError('unknown chunk flags');
    let body: Uint8Array;
    if (flags & FLAG_FIRST) {
      if (this.expected !== -1) throw new FrameError('new frame before the previous one ended');
      const decoder = decoding.createDecoder(chunk.subarray(1));
      let length: number;
      try {
        length = decoding.readVarUint(decoder);
      } catch (cause) {
        throw new FrameError('bad frame length', { cause });
      }
      if (length > this.maxFrame) throw new FrameError(`declared frame of ${length} bytes exceeds ${this.maxFrame}`);
      this.expected = length;
      this.received = 0;
      this.parts = [];
      body = chunk.subarray(1 + decoder.pos);
    } else {
      if (this.expected === -1) throw new FrameError('continuation chunk without a first chunk');
      body = chunk.subarray(1);
    }
    this.received += body.length;
    if (this.received > this.expected) throw new FrameError('frame longer than declared');
    this.parts.push(body);
    const last = (flags & FLAG_LAST) !== 0;
    if (last !== (this.received === this.expected)) throw new FrameError('last-chunk flag disagrees with length');
    if (!last) return null;
    const frame = this.parts.length === 1 ? this.parts[0]!.slice() : join(this.parts, this.expected);
    this.parts = [];
    this.expected = -1;
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
