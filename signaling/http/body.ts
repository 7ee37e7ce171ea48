/**
 * Request bodies read with a hard byte cap (docs/architecture.md §1). The cap is enforced on the
 * stream, not on `Content-Length` alone: a chunked upload, or one that lies about its
 * length, is cut as soon as one byte too many arrives, so a client can never make the
 * server hold more than `maxBytes` plus one network chunk.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sizeText } from '../errors.js';
import { respondApiError } from './router.js';

/** The body exceeded its cap (declared or streamed). Nothing of it was kept. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';

  constructor(
    /** The cap that was exceeded, in bytes. */
    readonly limit: number,
    options?: { cause?: unknown },
  ) {
    super(`request body exceeds ${limit} bytes`, options);
  }
}

/** The client went away, or the stream failed, before the body was complete. */
export class BodyAbortedError extends Error {
  override readonly name = 'BodyAbortedError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No body bytes arrived for too long: a stalled or trickling upload. Nothing was kept. */
export class BodyTimeoutError extends Error {
  override readonly name = 'BodyTimeoutError';

  constructor(
    /** The idle time that passed without a byte, in ms. */
    readonly idleMs: number,
  ) {
    super(`no request body bytes for ${idleMs} ms`);
  }
}

/**
 * Reads the whole body, or rejects with {@link BodyTooLargeError} the moment it exceeds
 * `maxBytes` (the request is then paused: the caller answers 413 and the connection is
 * closed), with {@link BodyTimeoutError} when no byte arrives for `idleMs` (the caller
 * answers 408), or with {@link BodyAbortedError} if the client disconnects first.
 */
export function readBody(req: IncomingMessage, maxBytes: number, idleMs = 0): Promise<Buffer> {
  const declared = req.headers['content-length'];
  // Refuse before reading a byte when the client already says it is too big.
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.reject(new BodyTooLargeError(maxBytes));
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let idle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (idleMs <= 0) return;
      clearTimeout(idle);
      idle = setTimeout(() => {
        cleanup();
        req.pause();
        chunks = [];
        reject(new BodyTimeoutError(idleMs));
      }, idleMs);
    };
    const cleanup = (): void => {
      clearTimeout(idle);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      arm();
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        chunks = [];
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (cause: Error): void => {
      cleanup();
      reject(new BodyAbortedError('request body failed', { cause }));
    };
    const onClose = (): void => {
      cleanup();
      reject(new BodyAbortedError('client closed the connection before the body was complete'));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
    arm();
  });
}

/**
 * Answers 413 and closes the connection. `Connection: close` makes Node end the socket once
 * the answer is written instead of draining the rest of the upload to keep it alive, so
 * the remaining bytes are never read. `what` names the body as the client knows it (an
 * entry, a piece of a file): apps show the detail to people (docs/architecture.md §11).
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number, what: string): void {
  respondApiError(req, res, 413, 'too-large', `the ${what} is larger than the server takes (at most ${sizeText(limit)})`, { Connection: 'close' });
}
