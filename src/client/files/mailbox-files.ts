/**
 * Files through the mailbox's blob area (docs/architecture.md §14.6, docs/protocol.md §5.1):
 * the sender puts a file's hash list and sealed chunks there for members who are offline
 * while no holder is online, and a member's fetch reads from it what no member link can
 * give. The pieces are exactly those that travel peer to peer (sealed under the file's key,
 * which the server never sees), zero-filled to Padmé lengths; the reader cuts them back to
 * the lengths the signed message implies, and the fetch checks every one against the root.
 */
import { fromBase64Url, randomBytes, toBase64Url, toHex } from '../../core/bytes.js';
import { sealedLength } from '../../core/files/chunk-crypto.js';
import { chunkCount, chunksIn, HASH_BYTES, type FileRef } from '../../core/files/file-ref.js';
import { deriveConversationKeys } from '../../core/keys.js';
import { HASHES_PIECE, padPiece } from '../../core/wire/mailbox-blobs.js';
import { writerIdOf } from '../../core/wire/mailbox.js';
import type { SideSource } from '../../net/files/file-exchange.js';
import { MailboxError, type MailboxClient } from '../../net/mailbox-client.js';
import type { ChunkStore, StoredFile } from '../../store/chunk-store.js';
import type { ConversationSession } from '../conversation-session.js';
import { MailboxBinding } from '../conversation/mailbox-binding.js';
import type { MailboxCopy } from './transfers.js';

/** A mailbox's id and bearer token. */
export interface MailboxCredential {
  readonly id: string;
  readonly token: string;
}

/** Requests in flight at once, each way: enough to fill a link, few enough to spare the server. */
const PARALLEL = 4;
/** Chunk bytes read from the store per transaction while uploading (16 chunks of 64 KiB). */
const READ_BATCH_BYTES = 1024 * 1024;

/** The blob id of a file: its root in hex. */
export const blobIdOf = (ref: Pick<FileRef, 'root'>): string => toHex(fromBase64Url(ref.root)!);

/** The credential of the mailbox of the epoch whose secret this is (each epoch has its own). */
export async function mailboxOfEpoch(secret: Uint8Array): Promise<MailboxCredential | null> {
  return MailboxBinding.credentialOf(await deriveConversationKeys(secret));
}

/**
 * A fresh writer key for one file's pieces (32 random bytes, base64url): the server keeps
 * its SHA-256 with every piece, and deletes them only for whoever shows the key.
 */
export const newBlobWriterKey = (): string => toBase64Url(randomBytes(32));

/**
 * Puts a sent file into its epoch's mailbox for members who are offline now, telling `copy`
 * how it goes. A refusal (the mailbox's quota, the server's cap) comes back with the
 * server's words, for the user: the file still reaches members peer to peer while this
 * device or another holder is online.
 */
export async function copyToMailbox(
  client: MailboxClient,
  mailbox: MailboxCredential,
  store: ChunkStore,
  ref: FileRef,
  writerKey: string,
  copy: (state: MailboxCopy) => void,
): Promise<{ readonly reason: string; readonly cause: unknown } | null> {
  copy('uploading');
  try {
    await uploadToMailbox(client, mailbox, store, ref, writerKey);
    copy('stored');
    return null;
  } catch (cause) {
    copy('refused');
    const reason = cause instanceof MailboxError ? (cause.offline ? 'the server could not be reached' : cause.detail || `it answered ${cause.status}`) : 'the file could not be read here';
    return { reason, cause };
  }
}

/**
 * Puts a stored file into the blob area: the hash list, then every chunk, PARALLEL at a time.
 * Pieces already there are skipped by the server, so a retry resumes. Each piece names the
 * writer of `writerKey` (its hash, never the key), so the sender can delete them later.
 * Throws the first MailboxError (quota, offline, …) after the requests in flight settle.
 */
export async function uploadToMailbox(client: MailboxClient, mailbox: MailboxCredential, store: ChunkStore, ref: FileRef, writerKey?: string, onPiece?: (done: number, total: number) => void): Promise<void> {
  const blob = blobIdOf(ref);
  const writer = writerKey ? (writerIdOf(writerKey) ?? undefined) : undefined;
  const hashes = await store.hashes(ref.root);
  if (!hashes) throw new Error('the file is not stored on this device');
  const count = chunkCount(ref.size, ref.chunk);
  await client.putPiece(mailbox.id, mailbox.token, blob, HASHES_PIECE, padPiece(hashes), writer);
  let done = 0;
  const readBatch = chunksIn(READ_BATCH_BYTES, ref.chunk);
  for (let from = 0; from < count; from += readBatch) {
    const indices = Array.from({ length: Math.min(readBatch, count - from) }, (_, i) => from + i);
    const chunks = await store.chunks(ref.root, indices);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indices.length) {
        const k = next++;
        const bytes = chunks[k];
        if (!bytes) throw new Error(`chunk ${indices[k]} is not stored on this device`);
        await client.putPiece(mailbox.id, mailbox.token, blob, indices[k]!, padPiece(bytes), writer);
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

/** The blob area as a fetch's side source, when the sender put the file there and `session` holds its epoch's secret. */
export async function mailboxSideOf(client: MailboxClient | undefined, session: Pick<ConversationSession, 'epochSecret'> | undefined, ref: FileRef): Promise<SideSource | null> {
  const secret = ref.mailbox && ref.epoch ? session?.epochSecret(ref.epoch) : null;
  const credential = client && secret ? await mailboxOfEpoch(secret) : null;
  return client && credential ? mailboxSource(client, credential, ref) : null;
}

/**
 * Takes back the pieces of a file this device put into the blob area (its message was
 * deleted): the server deletes only what was stored under this writer key. Resolves how
 * many pieces went; null when `session` no longer holds the epoch's secret (the pieces then
 * expire with the blob area's TTL).
 */
export async function deleteFromMailbox(client: MailboxClient, session: Pick<ConversationSession, 'epochSecret'> | undefined, root: string, copy: NonNullable<StoredFile['mailboxCopy']>): Promise<number | null> {
  const secret = session?.epochSecret(copy.epoch) ?? null;
  const credential = secret ? await mailboxOfEpoch(secret) : null;
  return credential ? client.deleteBlob(credential.id, credential.token, blobIdOf({ root }), copy.writerKey) : null;
}
