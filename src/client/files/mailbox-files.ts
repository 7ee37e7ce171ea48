/**
 * Files through the mailbox's blob area (docs/architecture.md §14.6, docs/protocol.md §5.1):
 * the sender puts a file's hash list and sealed chunks there for members who are offline
 * while no holder is online, and a member's fetch reads from it what no member link can
 * give. The pieces are exactly those that travel peer to peer (sealed under the file's key,
 * which the server never sees), zero-filled to Padmé lengths; the reader cuts them back to
 * the lengths the signed message implies, and the fetch checks every one against the root.
 */
import { fromBase64Url, toHex } from '../../core/bytes.js';
import { sealedLength } from '../../core/files/chunk-crypto.js';
import { chunkCount, HASH_BYTES, type FileRef } from '../../core/files/file-ref.js';
import { deriveConversationKeys } from '../../core/keys.js';
import { HASHES_PIECE, padPiece } from '../../core/wire/mailbox-blobs.js';
import type { SideSource } from '../../net/files/file-exchange.js';
import type { MailboxClient } from '../../net/mailbox-client.js';
import type { ChunkStore } from '../../store/chunk-store.js';
import { MailboxBinding } from '../conversation/mailbox-binding.js';

/** A mailbox's id and bearer token. */
export interface MailboxCredential {
  readonly id: string;
  readonly token: string;
}

/** Requests in flight at once, each way: enough to fill a link, few enough to spare the server. */
const PARALLEL = 4;
/** Chunks read from the store per transaction while uploading. */
const READ_BATCH = 16;

/** The blob id of a file: its root in hex. */
export const blobIdOf = (ref: Pick<FileRef, 'root'>): string => toHex(fromBase64Url(ref.root)!);

/** The credential of the mailbox of the epoch whose secret this is (each epoch has its own). */
export async function mailboxOfEpoch(secret: Uint8Array): Promise<MailboxCredential | null> {
  return MailboxBinding.credentialOf(await deriveConversationKeys(secret));
}

/**
 * Puts a stored file into the blob area: the hash list, then every chunk, PARALLEL at a time.
 * Pieces already there are skipped by the server, so a retry resumes. Throws the first
 * MailboxError (quota, offline, …) after the requests in flight settle.
 */
export async function uploadToMailbox(client: MailboxClient, mailbox: MailboxCredential, store: ChunkStore, ref: FileRef, onPiece?: (done: number, total: number) => void): Promise<void> {
  const blob = blobIdOf(ref);
  const hashes = await store.hashes(ref.root);
  if (!hashes) throw new Error('the file is not stored on this device');
  const count = chunkCount(ref.size, ref.chunk);
  await client.putPiece(mailbox.id, mailbox.token, blob, HASHES_PIECE, padPiece(hashes));
  let done = 0;
  for (let from = 0; from < count; from += READ_BATCH) {
    const indices = Array.from({ length: Math.min(READ_BATCH, count - from) }, (_, i) => from + i);
    const chunks = await store.chunks(ref.root, indices);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indices.length) {
        const k = next++;
        const bytes = chunks[k];
        if (!bytes) throw new Error(`chunk ${indices[k]} is not stored on this device`);
        await client.putPiece(mailbox.id, mailbox.token, blob, indices[k]!, padPiece(bytes));
        onPiece?.(++done, count);
      }
    };
    const results = await Promise.allSettled(Array.from({ length: PARALLEL }, worker));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/** The blob area as a side source of a fetch: what it returns is cut to its true length, then checked by the fetch. */
export function mailboxSource(client: MailboxClient, mailbox: MailboxCredential, ref: FileRef): SideSource {
  const blob = blobIdOf(ref);
  const cut = (bytes: Uint8Array | null, length: number): Uint8Array | null => (bytes && bytes.length >= length ? bytes.subarray(0, length) : null);
  return {
    parallel: PARALLEL,
    hashes: async () => cut(await client.getPiece(mailbox.id, mailbox.token, blob, HASHES_PIECE), chunkCount(ref.size, ref.chunk) * HASH_BYTES),
    chunk: async (index) => cut(await client.getPiece(mailbox.id, mailbox.token, blob, index), sealedLength(ref, index)),
  };
}
