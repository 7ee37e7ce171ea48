/**
 * The blob area of a mailbox (docs/protocol.md §5.1, docs/architecture.md §14.6): the sealed
 * chunks of a file, kept on the server for members who were offline while no holder was
 * online. Shared by the server and every client.
 *
 *   PUT /api/mailbox/:id/blobs/:blob/:piece   store one piece → 201 {stored: true}, or
 *                                              200 {stored: false} when it is there already
 *   GET /api/mailbox/:id/blobs/:blob/:piece   → 200 the piece's bytes, 404 when absent
 *   DELETE /api/mailbox/:id/blobs/:blob        the pieces this writer stored → 200 {deleted}
 *
 * Same bearer token as the mailbox (its id is SHA-256 of the token), so a blob area belongs
 * to one epoch's mailbox and a member removed before that epoch holds no token for it.
 *
 * `:blob` is the file's root in hex (SHA-256 of the hash list of its sealed chunks: it says
 * nothing of the content, and it is what every member already knows the file by). `:piece`
 * is `h` for the hash list or the chunk index in decimal. A piece is exactly what travels
 * peer to peer (sealed under the file's key, which the server never sees), then zero-filled
 * to its Padmé length; the reader knows each piece's true length from the signed file
 * message and cuts the zeros. The first write of a piece wins: a member cannot replace what
 * another stored, and readers check every piece against the root anyway. A PUT may name its
 * writer (`X-Parley-Writer`, hex SHA-256 of a writer key, as for entries); a DELETE of the
 * file with that key (`X-Parley-Writer-Key`) removes that writer's pieces of it and no
 * others, so the sender takes back a file whose message was deleted.
 */
import { padmeLength } from '../padme.js';

/** The hash list's piece name. */
export const HASHES_PIECE = 'h';

/** `/api/mailbox/<id>/blobs/<blob>`, a whole file (for DELETE); groups: id, blob. */
export const BLOB_FILE_PATH_PATTERN = /^\/api\/mailbox\/([0-9a-f]{64})\/blobs\/([0-9a-f]{64})$/;

/** `/api/mailbox/<id>/blobs/<blob>/<piece>`; groups: id, blob, piece. */
export const BLOB_PATH_PATTERN = /^\/api\/mailbox\/([0-9a-f]{64})\/blobs\/([0-9a-f]{64})\/(h|0|[1-9][0-9]{0,4})$/;

export const MailboxBlobLimits = {
  /** Largest file whose chunks the mailbox takes (the server's `MAILBOX_MAX_FILE_BYTES`). */
  maxFileBytes: 25 * 1024 * 1024,
  /**
   * Largest piece: a hash list of 65,536 entries (2 MiB), or a sealed chunk of 1 MiB + 16,
   * each after padding (Padmé adds at most 12%).
   */
  maxPieceBytes: 2 * 1024 * 1024 + 256 * 1024,
  /** Chunks per file (file-ref's ceiling); a piece index is below it. */
  maxPieces: 65_536,
  /** Per mailbox: blob bytes stored (256 MiB). */
  maxMailboxBlobBytes: 256 * 1024 * 1024,
  /** Lifetime of a stored piece: 14 days. */
  ttlMs: 14 * 24 * 60 * 60 * 1000,
} as const;

/** Bytes a file may take in the blob area, padding included: what one blob may hold. */
export function blobBytesFor(fileBytes: number): number {
  // Per 64 KiB chunk: a 16-byte tag; the last chunk padded by up to 12%; the hash list.
  return fileBytes + Math.ceil(fileBytes / 4096) + Math.ceil(MailboxBlobLimits.maxPieceBytes * 1.13);
}

/** `piece` zero-filled to its Padmé length (a new array; the input is untouched). */
export function padPiece(piece: Uint8Array): Uint8Array {
  const padded = new Uint8Array(padmeLength(piece.length));
  padded.set(piece);
  return padded;
}
