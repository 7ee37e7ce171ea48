/**
 * Small pieces of frame handling for `SignalSocket`: turning what `ws` hands over into one
 * Buffer, choosing the close code for a rejected frame, and the constants of close frames.
 */
import type { RawData } from 'ws';
import { CloseCodes, SignalingLimits } from '../../src/core/wire/signaling.js';

/** Close codes `ws` itself sends when its parser rejects a frame (it closes before we see it). */
export const WS_ERROR_CLOSE_CODES: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CloseCodes.tooBig,
  WS_ERR_INVALID_UTF8: CloseCodes.invalidPayload,
};

/** RFC 6455 protocol error; `CloseCodes` has no name for it because only `ws` sends it. */
export const PROTOCOL_ERROR = 1002;

/** The reason field of a close frame holds at most 123 bytes. */
export const MAX_REASON = 120;

export const PONG = Buffer.from(JSON.stringify({ type: 'pong' }), 'utf8');

export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/**
 * A frame `parseClientMessage` rejected: is it an oversized topic list (4413) or just
 * malformed (4400)? Re-parsing costs only on the error path, which closes the socket.
 */
export function rejectionCode(text: string): number {
  try {
    const msg: unknown = JSON.parse(text);
    if (typeof msg === 'object' && msg !== null && 'topics' in msg && Array.isArray(msg.topics) && msg.topics.length > SignalingLimits.maxTopicsPerSocket) {
      return CloseCodes.tooManyTopics;
    }
  } catch {
    // not JSON at all: malformed
  }
  return CloseCodes.malformed;
}
