/**
 * What a file message carries (docs/architecture.md §14): everything a member needs to fetch,
 * check, decrypt and show a file, and nothing more. The bytes never enter the document.
 *
 * - `sha256`: the plaintext's SHA-256, checked once the file is whole;
 * - `epoch`, `salt`, `kdf`: the file's AES-256-GCM key is derived from the file root of the
 *   epoch it was sent in (`kdf: "root"`; without it, from the epoch secret itself) and this
 *   salt (`file-key.ts`), so only that epoch's members, and joiners of a full-history group
 *   handed the root, can read it; older messages carry the random `key` itself instead;
 * - `chunk`, `root`: the file is cut into `chunk`-byte pieces, each encrypted on its own;
 *   `root` is the SHA-256 of the list of every encrypted chunk's SHA-256 (a two-level hash
 *   tree). The list travels beside the chunks and is checked against `root`, then each
 *   chunk against its entry, before anything is stored: a member holding the key could
 *   forge chunks that decrypt, but not ones that hash right.
 *
 * Every field is capped and checked on the receive path (`parseFileRef`, called by the
 * event parser), like any other part of a signed event.
 */
import { fromBase64Url } from '../bytes.js';
import { isEpochId } from '../membership/records.js';
import { FILE_SALT_BYTES } from './file-key.js';

export interface FileRef {
  /** The name the sender's system gave the file (shown, never used as a path). */
  readonly name: string;
  /** Media type the sender declared (display sniffs the bytes, docs/architecture.md §14.6). */
  readonly type: string;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** Plaintext SHA-256, base64url. */
  readonly sha256: string;
  /**
   * AES-256-GCM key of this file, base64url (32 bytes): carried by messages from before
   * epoch-derived keys. A message has either `key` or both `epoch` and `salt`.
   */
  readonly key?: string;
  /** The epoch whose secret the key derives from (docs/architecture.md §14.1). */
  readonly epoch?: string;
  /** The key's HKDF salt, base64url (16 bytes). */
  readonly salt?: string;
  /** `"root"`: the key derives from the epoch's file root; absent: from the epoch secret (older messages). */
  readonly kdf?: 'root';
  /** Plaintext bytes per chunk (the last one may be shorter). */
  readonly chunk: number;
  /** SHA-256 of the concatenated SHA-256s of the encrypted chunks, base64url. */
  readonly root: string;
  /** Thumbhash of an image or a video's first frame, base64url. */
  readonly thumb?: string;
  /** Pixel width and height of an image or video. */
  readonly w?: number;
  readonly h?: number;
  /** Duration of audio or video, ms. */
  readonly ms?: number;
  /** A voice message's loudness over time: up to 64 levels 0–255, base64url. */
  readonly wave?: string;
  /** Recorded as a voice message (shown with a waveform). */
  readonly voice?: boolean;
  /** The sender put the encrypted chunks into the conversation's mailbox. */
  readonly mailbox?: boolean;
}

export const FileLimits = {
  /** Longest file name, UTF-16 code units. */
  maxName: 255,
  maxType: 127,
  /** Protocol ceiling; deployments advertise a lower `MAX_FILE_BYTES`. */
  maxSize: 4 * 1024 * 1024 * 1024,
  minChunk: 16 * 1024,
  maxChunk: 1024 * 1024,
  /** At most this many chunks, so the hash list is at most 2 MiB. */
  maxChunks: 65_536,
  /** Thumbhashes are at most 25 bytes; room for future variants. */
  maxThumbBytes: 48,
  maxWaveBytes: 64,
  maxDimension: 65_535,
  maxDurationMs: 24 * 60 * 60 * 1000,
} as const;

/** Largest file members send unless the server says otherwise (its `MAX_FILE_BYTES`). */
export const DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024;

/**
 * What Parley uses unless a file needs bigger pieces to stay under `maxChunks`. 256 KiB chunks
 * for large files were tried and measured slower, with a higher heap peak, once the opening
 * worker took chunks as they arrived (docs/architecture.md §14.5); receivers take any size a
 * message names, with windows in bytes.
 */
export const DEFAULT_CHUNK = 64 * 1024;
/** AES-GCM's tag: each encrypted chunk is this much longer than its plaintext. */
export const CHUNK_OVERHEAD = 16;
/** Bytes of one chunk hash in the hash list. */
export const HASH_BYTES = 32;

/** Most chunk bytes a fetch asks of one link at once: its paced window's ceiling (docs/architecture.md §14.2). */
export const FETCH_WINDOW_BYTES = 4 * 1024 * 1024;
/**
 * Chunk bytes one sender may have waiting on a receiver, in the mesh's in-band inbox
 * (`BulkInbox`) and for their hash check (`ChunkGate`): the same rule in both places. An
 * honest member sends only what it was asked for, a window per fetch, and the page takes
 * chunks in as they come; one with twice the largest window waiting is flooding, and is
 * dropped rather than held in memory.
 */
export const SENDER_BYTE_BUDGET = 2 * FETCH_WINDOW_BYTES;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isB64 = (x: unknown, bytes: number): x is string => typeof x === 'string' && x.length === Math.ceil((bytes * 4) / 3) && fromBase64Url(x)?.length === bytes;
const isB64Upto = (x: unknown, max: number): x is string => {
  if (typeof x !== 'string' || x.length === 0 || x.length > Math.ceil((max * 4) / 3)) return false;
  const bytes = fromBase64Url(x);
  return bytes !== null && bytes.length > 0 && bytes.length <= max;
};
const isInt = (x: unknown, min: number, max: number): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max;
// RFC 6838 restricted names, type "/" subtype, with optional +suffix.
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/;
/** No control characters, no path separators: a name is only ever shown and suggested. */
const BAD_NAME = /[\u0000-\u001f\u007f/\\]/;

/** Number of chunks of a file. */
export const chunkCount = (size: number, chunk: number): number => Math.ceil(size / chunk);

/** Plaintext length of chunk `index`. */
export const plainLength = (ref: Pick<FileRef, 'size' | 'chunk'>, index: number): number => Math.min(ref.chunk, ref.size - index * ref.chunk);

/**
 * How many chunks of `chunk` bytes make `bytes` (at least one). Windows and batches that hold
 * chunks count bytes through this, so what they hold stays the same whatever a file's chunk
 * size (a receiver reads it from the message; senders of older builds use DEFAULT_CHUNK).
 */
export const chunksIn = (bytes: number, chunk: number): number => Math.max(1, Math.floor(bytes / chunk));

/** The smallest power-of-two chunk ≥ DEFAULT_CHUNK that keeps a file within `maxChunks`. */
export function chunkSizeFor(size: number): number {
  let chunk = DEFAULT_CHUNK;
  while (chunkCount(size, chunk) > FileLimits.maxChunks && chunk < FileLimits.maxChunk) chunk *= 2;
  return chunk;
}

/** Returns the reference when every field is well formed and within its cap, else null. */
export function parseFileRef(x: unknown): FileRef | null {
  if (!isObj(x)) return null;
  const { sha256, key, chunk, root } = x;
  if (!shownFieldsOk(x)) return null;
  if (!isInt(chunk, FileLimits.minChunk, FileLimits.maxChunk) || (chunk & (chunk - 1)) !== 0) return null;
  if (chunkCount(x.size, chunk) > FileLimits.maxChunks) return null;
  if (!isB64(sha256, 32) || !isB64(root, 32)) return null;
  // Exactly one way to the key: carried, or derived from a named epoch.
  const derived = x.epoch !== undefined || x.salt !== undefined;
  if (derived ? key !== undefined || !isEpochId(x.epoch) || !isB64(x.salt, FILE_SALT_BYTES) : !isB64(key, 32)) return null;
  if (x.kdf !== undefined && (x.kdf !== 'root' || !derived)) return null;
  if (x.thumb !== undefined && !isThumb(x.thumb)) return null;
  if (x.wave !== undefined && !isB64Upto(x.wave, FileLimits.maxWaveBytes)) return null;
  if (x.mailbox !== undefined && typeof x.mailbox !== 'boolean') return null;
  return x as unknown as FileRef;
}

const isThumb = (x: unknown): x is string => isB64Upto(x, FileLimits.maxThumbBytes);

/** The fields a row shows (`CachedFile`'s, but the thumbnail), each well formed and within its cap. */
function shownFieldsOk(x: Record<string, unknown>): x is Record<string, unknown> & Pick<FileRef, 'name' | 'type' | 'size'> {
  const { name, type, size } = x;
  if (typeof name !== 'string' || name.length === 0 || name.length > FileLimits.maxName || BAD_NAME.test(name)) return false;
  if (typeof type !== 'string' || type.length > FileLimits.maxType || !MEDIA_TYPE.test(type)) return false;
  if (!isInt(size, 1, FileLimits.maxSize)) return false;
  for (const d of ['w', 'h'] as const) if (x[d] !== undefined && !isInt(x[d], 1, FileLimits.maxDimension)) return false;
  if ((x.w === undefined) !== (x.h === undefined)) return false;
  if (x.ms !== undefined && !isInt(x.ms, 0, FileLimits.maxDurationMs)) return false;
  return x.voice === undefined || typeof x.voice === 'boolean';
}

/** Only the fields of a FileRef, so unknown fields of a newer client never travel on. */
export function cleanFileRef(ref: FileRef): FileRef {
  const out: Record<string, unknown> = {};
  for (const k of FILE_REF_FIELDS) if (ref[k] !== undefined) out[k] = ref[k];
  return out as unknown as FileRef;
}

const FILE_REF_FIELDS = ['name', 'type', 'size', 'sha256', 'key', 'epoch', 'salt', 'kdf', 'chunk', 'root', 'thumb', 'w', 'h', 'ms', 'wave', 'voice', 'mailbox'] as const;

/**
 * What a conversation record caches of a file message (docs/architecture.md §11): enough to
 * name the file and draw its row at its size, an image's blurred placeholder included
 * (`thumb`, at most 48 bytes), before the document loads, and nothing that finds or opens
 * its bytes (no root, hash or key). The record stays on this device.
 */
export type CachedFile = Pick<FileRef, 'name' | 'type' | 'size' | 'thumb' | 'w' | 'h' | 'ms' | 'voice'>;

const CACHED_FIELDS = ['name', 'type', 'size', 'thumb', 'w', 'h', 'ms', 'voice'] as const;

export function cachedFile(ref: CachedFile): CachedFile {
  const out: Record<string, unknown> = {};
  for (const k of CACHED_FIELDS) if (ref[k] !== undefined) out[k] = ref[k];
  return out as unknown as CachedFile;
}

/**
 * A cached file read back from storage, checked as a message's file is (a record written by
 * an older or damaged build is not trusted to be well formed): null when a field the row
 * shows is not; a thumbnail that is not one (over 48 bytes, not base64url) is left out, and
 * the row shows the plain stand-in.
 */
export function parseCachedFile(x: unknown): CachedFile | null {
  if (!isObj(x) || !shownFieldsOk(x)) return null;
  const file = cachedFile(x as unknown as CachedFile);
  if (file.thumb === undefined || isThumb(file.thumb)) return file;
  const { thumb: _, ...rest } = file;
  return rest;
}

/**
 * The file of a cached row, shown until its message loads: it has no root, so nothing can
 * fetch, open or cancel it (`isStandIn`); the real message replaces it.
 */
export function standInRef(file: CachedFile): FileRef {
  return { ...cachedFile(file), sha256: '', chunk: 0, root: '' };
}

export const isStandIn = (ref: FileRef): boolean => ref.root === '';

/** Broad kind of a media type, for choosing how to show a file. */
export type MediaKind = 'image' | 'video' | 'audio' | 'other';

export function mediaKind(type: string): MediaKind {
  if (/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(type)) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  return 'other';
}
