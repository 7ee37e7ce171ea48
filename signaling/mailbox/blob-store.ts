/**
 * The storage seam of the mailbox's blob area (docs/architecture.md §14.6; wire format in
 * docs/protocol.md §5.1). The route owns the protocol; a store owns durability, the quotas
 * and expiry. It sees mailbox ids, blob ids (file roots) and padded sealed bytes, never a
 * token, a key, a name or a media type.
 */
import { sizeText } from '../errors.js';

/** Limits the store enforces. */
export interface BlobStoreLimits {
  /** Bytes one blob (one file's pieces) may hold. */
  readonly maxBlobBytes: number;
  /** Blob bytes one mailbox may hold (its own quota, apart from the entries'). */
  readonly maxMailboxBlobBytes: number;
  /** Blob bytes the whole server may hold. */
  readonly maxTotalBlobBytes: number;
  /** Lifetime of a piece; older pieces are invisible and purged. */
  readonly ttlMs: number;
}

/** A piece's key: the hash list is piece -1. */
export interface PieceKey {
  readonly mailbox: string;
  readonly blob: string;
  readonly piece: number;
}

export interface BlobStore {
  /**
   * Stores a piece unless it is there already (the first write wins); resolves `true` when
   * stored, `false` when it was there. `writer` (hex SHA-256 of the writer's key, or none)
   * is kept with the piece: only that writer may delete it. Throws {@link BlobQuotaError}
   * or {@link StorageFullError}, in which case nothing changed.
   */
  put(key: PieceKey, data: Uint8Array, now: number, writer?: string): Promise<boolean>;
  /**
   * Deletes the pieces of one blob that `writer` stored (a message deleted by its sender,
   * docs/architecture.md §14.6); pieces of other writers or none stay. Resolves how many went.
   */
  deleteBlob(mailbox: string, blob: string, writer: string): Promise<number>;
  /** The piece's bytes, or null when absent or expired. */
  get(key: PieceKey, now: number): Promise<Uint8Array | null>;
  /** Deletes pieces stored before `now - ttl`; returns how many. */
  purgeExpired(now: number): Promise<number>;
  /** Blob bytes stored across the server (for `/metrics` and the cap). */
  totalBytes(): Promise<number>;
}

/** A put would take a blob or a mailbox's blob area over its quota. */
export class BlobQuotaError extends Error {
  override readonly name = 'BlobQuotaError';

  constructor(
    /** `blob`: the file is larger than the mailbox takes; `mailbox`: the area is full. */
    readonly scope: 'blob' | 'mailbox',
    /** The configured limit, in bytes. */
    readonly limit: number,
    options?: { cause?: unknown },
  ) {
    // Shown to people as the server put it (docs/architecture.md §14.7), so in MiB, not bytes.
    super(scope === 'blob' ? `a file in the mailbox may take at most ${sizeText(limit)}` : `the mailbox's space for files is full (${sizeText(limit)} per conversation)`, options);
  }
}

