/**
 * Frames of a link's bulk channel (docs/protocol.md §8.1): a second data channel on the same
 * RTCPeerConnection as the link's own, negotiated out of band with a fixed id, read and
 * written by each page's bulk worker (docs/architecture.md §14.2, "The bulk channel").
 *
 *   ready   0x00 ‖ u8 version (1) ‖ u8 seen (0|1)
 *   data    0x01 ‖ fileData payload of a chunk (docs/protocol.md §8: root ‖ u8 1 ‖ varuint index ‖ bytes)
 *
 * Decoding checks the size and every field before anything else looks at the frame.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { fromBase64Url, toBase64Url } from '../../core/bytes.js';
import { FileLimits } from '../../core/files/file-ref.js';

/** The data channel id both ends create the bulk channel with, on the link's bulk connection (bulk-connection.ts). */
export const BULK_CHANNEL_ID = 1000;
/** The bulk channel's version this build speaks. */
export const BULK_VERSION = 1;
/** Chromium takes data-channel messages of at most 256 KiB: one file chunk per message. */
export const MAX_BULK_FRAME = 256 * 1024;
const ROOT_BYTES = 32;
const READY = 0;
const DATA = 1;

export type BulkFrame =
  | { readonly type: 'ready'; readonly version: number; readonly seen: boolean }
  | { readonly type: 'data'; readonly root: string; readonly index: number; readonly bytes: Uint8Array };

export class BulkFrameError extends Error {
  override readonly name = 'BulkFrameError';
  readonly code = 'bad-bulk-frame';
}

export function encodeReady(seen: boolean): Uint8Array<ArrayBuffer> {
  return new Uint8Array([READY, BULK_VERSION, seen ? 1 : 0]);
}

/** A chunk's frame in one buffer of its own (it is transferred to the worker, then sent); null when it does not fit a message. */
export function encodeBulkData(root: string, index: number, bytes: Uint8Array): Uint8Array<ArrayBuffer> | null {
  const raw = fromBase64Url(root);
  if (!raw || raw.length !== ROOT_BYTES) throw new BulkFrameError('a file root is 32 bytes');
  const head = encoding.createEncoder();
  encoding.writeUint8(head, DATA);
  encoding.writeUint8Array(head, raw);
  encoding.writeUint8(head, 1);
  encoding.writeVarUint(head, index);
  const header = encoding.toUint8Array(head);
  if (header.length + bytes.length > MAX_BULK_FRAME) return null;
  const out = new Uint8Array(header.length + bytes.length);
  out.set(header);
  out.set(bytes, header.length);
  return out;
}

/** Throws BulkFrameError for anything malformed or over a cap. `bytes` of a data frame is a view into `message`. */
export function decodeBulkFrame(message: Uint8Array): BulkFrame {
  if (message.length < 1 || message.length > MAX_BULK_FRAME) throw new BulkFrameError('bulk frame size');
  if (message[0] === READY) {
    if (message.length !== 3 || message[2]! > 1) throw new BulkFrameError('bad ready frame');
    return { type: 'ready', version: message[1]!, seen: message[2] === 1 };
  }
  if (message[0] !== DATA) throw new BulkFrameError('unknown bulk frame');
  if (message.length < 1 + ROOT_BYTES + 2) throw new BulkFrameError('bulk data frame too short');
  const root = toBase64Url(message.subarray(1, 1 + ROOT_BYTES));
  const d = decoding.createDecoder(message.subarray(1 + ROOT_BYTES));
  try {
    if (decoding.readUint8(d) !== 1) throw new BulkFrameError('only chunks go on the bulk channel');
    const index = decoding.readVarUint(d);
    if (index >= FileLimits.maxChunks) throw new BulkFrameError('chunk index out of range');
    const bytes = message.subarray(1 + ROOT_BYTES + d.pos);
    if (bytes.length === 0) throw new BulkFrameError('empty chunk');
    return { type: 'data', root, index, bytes };
  } catch (error) {
    if (error instanceof BulkFrameError) throw error;
    throw new BulkFrameError('truncated bulk frame', { cause: error });
  }
}
