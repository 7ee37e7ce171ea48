/**
 * Payloads of the file frames (docs/protocol.md §8). Every frame names its file by the raw
 * 32-byte root of the file message; what follows depends on the kind:
 *
 *   fileGet    root ‖ u8 what ‖ varuint n ‖ n × varuint index      (what: 0 hash list, 1 chunks)
 *   fileData   root ‖ u8 what ‖ varuint index ‖ bytes              (the hash list has index 0)
 *   fileNone   root ‖ u8 what ‖ varuint n ‖ n × varuint index
 *   fileCancel root ‖ u8 by                                       (by: 0 the asker, 1 a holder)
 *
 * Decoding checks every count and index against the caps before anything is allocated; a
 * frame that breaks them is a drop (`bad-file-frame`).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { fromBase64Url, toBase64Url } from '../../core/bytes.js';
import { CHUNK_OVERHEAD, FileLimits, HASH_BYTES } from '../../core/files/file-ref.js';
import { FrameKinds, type FrameKind } from '../framing.js';

/** Most chunk indices one get (or none) may name: a receiver's window, with room. */
export const MAX_INDICES = 64;
const ROOT_BYTES = 32;
const MAX_DATA = Math.max(FileLimits.maxChunks * HASH_BYTES, FileLimits.maxChunk + CHUNK_OVERHEAD);

export type FilePart = 'hashes' | 'chunks';

export type FileFrame =
  | { readonly type: 'get'; readonly root: string; readonly part: FilePart; readonly indices: readonly number[] }
  | { readonly type: 'data'; readonly root: string; readonly part: FilePart; readonly index: number; readonly bytes: Uint8Array }
  | { readonly type: 'none'; readonly root: string; readonly part: FilePart; readonly indices: readonly number[] }
  | { readonly type: 'cancel'; readonly root: string; readonly by: 'asker' | 'holder' };

export class FileFrameError extends Error {
  override readonly name = 'FileFrameError';
}

const KIND: Record<FileFrame['type'], FrameKind> = { get: FrameKinds.fileGet, data: FrameKinds.fileData, none: FrameKinds.fileNone, cancel: FrameKinds.fileCancel };

/** A file frame's payload in one buffer. */
export function encodeFileFrame(frame: FileFrame): { kind: FrameKind; payload: Uint8Array } {
  const { kind, payload } = fileFramePieces(frame);
  if (payload.length === 1) return { kind, payload: payload[0]! };
  const out = new Uint8Array(payload.reduce((n, p) => n + p.length, 0));
  payload.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return { kind, payload: out };
}

/**
 * A file frame's payload in pieces, for the link to write straight into the frame it sends
 * (FrameToSend): a data frame's chunk is not copied here. Joined into one payload first, each
 * 64 KiB chunk was copied once more on the holder's thread.
 */
export function fileFramePieces(frame: FileFrame): { kind: FrameKind; payload: readonly Uint8Array[] } {
  const root = fromBase64Url(frame.root);
  if (!root || root.length !== ROOT_BYTES) throw new FileFrameError('a file root is 32 bytes');
  if (frame.type === 'data') return { kind: KIND.data, payload: dataPieces(root, frame) };
  const e = encoding.createEncoder();
  encoding.writeUint8Array(e, root);
  switch (frame.type) {
    case 'get':
    case 'none':
      encoding.writeUint8(e, frame.part === 'hashes' ? 0 : 1);
      encoding.writeVarUint(e, frame.indices.length);
      for (const i of frame.indices) encoding.writeVarUint(e, i);
      break;
    case 'cancel':
      encoding.writeUint8(e, frame.by === 'asker' ? 0 : 1);
      break;
  }
  return { kind: KIND[frame.type], payload: [encoding.toUint8Array(e)] };
}

/**
 * A data frame's header fields beside its bytes, uncopied: through a growing encoder every
 * 64 KiB chunk was copied twice more on the holder's thread (its encoder's buffers, then
 * their join), a few per cent of a transfer's time in a profile.
 */
function dataPieces(root: Uint8Array, frame: Extract<FileFrame, { type: 'data' }>): Uint8Array[] {
  const head = encoding.createEncoder();
  encoding.writeUint8Array(head, root);
  encoding.writeUint8(head, frame.part === 'hashes' ? 0 : 1);
  encoding.writeVarUint(head, frame.index);
  return [encoding.toUint8Array(head), frame.bytes];
}

/** Throws FileFrameError for anything malformed or over a cap. */
export function decodeFileFrame(kind: FrameKind, payload: Uint8Array): FileFrame {
  if (payload.length < ROOT_BYTES + 1) throw new FileFrameError('file frame too short');
  const root = toBase64Url(payload.subarray(0, ROOT_BYTES));
  const d = decoding.createDecoder(payload.subarray(ROOT_BYTES));
  try {
    const flag = decoding.readUint8(d);
    if (flag > 1) throw new FileFrameError('unknown file part');
    const part: FilePart = flag === 0 ? 'hashes' : 'chunks';
    switch (kind) {
      case FrameKinds.fileGet:
      case FrameKinds.fileNone: {
        const n = decoding.readVarUint(d);
        if (n > MAX_INDICES || (part === 'hashes' && n !== 0) || (part === 'chunks' && n === 0)) throw new FileFrameError('bad index count');
        const indices: number[] = [];
        for (let i = 0; i < n; i++) indices.push(readIndex(d));
        if (decoding.hasContent(d)) throw new FileFrameError('trailing bytes');
        return { type: kind === FrameKinds.fileGet ? 'get' : 'none', root, part, indices };
      }
      case FrameKinds.fileData: {
        const index = readIndex(d);
        if (part === 'hashes' && index !== 0) throw new FileFrameError('the hash list has index 0');
        const bytes = payload.subarray(ROOT_BYTES + d.pos);
        if (bytes.length === 0 || bytes.length > MAX_DATA) throw new FileFrameError('bad data length');
        return { type: 'data', root, part, index, bytes };
      }
      case FrameKinds.fileCancel:
        if (decoding.hasContent(d)) throw new FileFrameError('trailing bytes');
        return { type: 'cancel', root, by: flag === 0 ? 'asker' : 'holder' };
      default:
        throw new FileFrameError(`not a file frame: ${kind}`);
    }
  } catch (error) {
    if (error instanceof FileFrameError) throw error;
    throw new FileFrameError('truncated file frame', { cause: error });
  }
}

function readIndex(d: decoding.Decoder): number {
  const index = decoding.readVarUint(d);
  if (index >= FileLimits.maxChunks) throw new FileFrameError('chunk index out of range');
  return index;
}
