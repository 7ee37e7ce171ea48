/**
 * Small pieces the Node-peer file tests share: test bytes with a recognisable pattern, their
 * SHA-256, and the file a caption's message carries.
 */
import { createHash, type BinaryLike } from 'node:crypto';
import type { ConversationSession } from '../../src/client/conversation-session.js';
import type { FileRef } from '../../src/core/files/file-ref.js';

export const sha256 = (bytes: BinaryLike): string => createHash('sha256').update(bytes).digest('hex');

/** `size` bytes in a pattern that differs by `seed`, so two test files never match by chance. */
export const bytesOf = (size: number, seed: number): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 151 + seed * 7) & 0xff;
  return out;
};

/** The file of the message with this caption in `s`'s timeline, if shown there. */
export const fileOf = (s: ConversationSession, caption: string): FileRef | undefined => s.timeline.entries.find((e) => e.text === caption)?.file;
