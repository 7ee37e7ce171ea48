/**
 * The service worker's file URLs (docs/architecture.md §14.4): `/files/<conversation>/<root
 * in hex>` answers with the plaintext of a finished file, decrypted chunk by chunk from the
 * chunk store, so a `<video>` or a download link streams it instead of holding a Blob of the
 * whole file. Shared by the page (which makes the URL) and the worker (which answers it).
 * Pure: paths and byte ranges only.
 */
import { fromBase64Url, toBase64Url, toHex } from '../bytes.js';

export const FILE_SERVICE_PREFIX = '/files/';
const PATH = /^\/files\/([0-9a-f]{32,64})\/([0-9a-f]{64})$/;

/** The URL path of a finished file of a conversation. */
export const fileServicePath = (conversation: string, root: string): string => `${FILE_SERVICE_PREFIX}${conversation}/${toHex(fromBase64Url(root)!)}`;

/** The conversation and root (base64url) a path names, or null when it names none. */
export function parseFileServicePath(path: string): { conversation: string; root: string } | null {
  const m = PATH.exec(path);
  if (!m) return null;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(m[2]!.slice(i * 2, i * 2 + 2), 16);
  return { conversation: m[1]!, root: toBase64Url(bytes) };
}

/** Bytes `start` to `end`, both inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The range a `Range` header asks of a `size`-byte file (RFC 9110 §14.1.2): null without a
 * header, or for one this server ignores (several ranges, another unit: the whole file is
 * sent, as the RFC allows); `'unsatisfiable'` for a range outside the file (416).
 */
export function parseRange(header: string | null, size: number): ByteRange | null | 'unsatisfiable' {
  if (header === null) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // A suffix: the last n bytes.
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Media types shown inline from the app's origin; anything else is sent as an attachment. */
export const INLINE_TYPES = /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/[a-z0-9.+-]+|audio\/[a-z0-9.+-]+)$/;
