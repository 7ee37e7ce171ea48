/**
 * What a link says about itself rather than about a document (docs/protocol.md §2.1, §2.3):
 * path control chunks, which mark where a sender's chunk stream starts and where it moves to
 * another path, and link options, which say how large a chunk each end takes.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { FrameError, MAX_CHUNK } from './framing.js';

/** Chunk flags of the controls: outside every frame chunk's flags (framing.ts), so no frame chunk reads as one. */
const FLAG_SWITCH = 0x10;
const FLAG_BEGIN = 0x20;
/** Longest binding a path control may name (a DTLS fingerprint line is ~110 characters). */
const MAX_BINDING = 512;

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

/**
 * Link options (docs/protocol.md §2.3), carried in the doc field of the hello frame, which
 * names no document: builds before them send it empty and ignore it. Layout: [varuint largest
 * chunk this side takes], then any fields a later build adds, which this build ignores.
 */
export interface LinkOptions {
  /** Largest chunk the sender of the hello takes (at least MAX_CHUNK). */
  readonly maxChunk: number;
}

export function encodeLinkOptions(options: LinkOptions): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, options.maxChunk);
  return encoding.toUint8Array(encoder);
}

/** The options a hello's doc field carries; null when empty (an older build). Throws FrameError when malformed. */
export function decodeLinkOptions(doc: Uint8Array): LinkOptions | null {
  if (doc.length === 0) return null;
  let maxChunk: number;
  try {
    maxChunk = decoding.readVarUint(decoding.createDecoder(doc));
  } catch (cause) {
    throw new FrameError('malformed link options', { cause });
  }
  // Every build takes MAX_CHUNK; a smaller figure is not a reason to send less.
  return { maxChunk: Math.max(maxChunk, MAX_CHUNK) };
}
