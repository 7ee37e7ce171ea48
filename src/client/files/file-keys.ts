/**
 * The key of a received file (docs/architecture.md §14.1): carried by the message (older
 * messages), or derived from its epoch's file root, or for messages from before the root
 * from the epoch secret itself. A device holds the root of every epoch it holds the secret
 * of, plus those a full-history group handed it at its join and those it kept after deleting
 * an old secret; it holds no other epoch secret.
 */
import { fromBase64Url } from '../../core/bytes.js';
import { deriveFileKey } from '../../core/files/file-key.js';
import type { FileRef } from '../../core/files/file-ref.js';
import type { ConversationSession } from '../conversation-session.js';

/** What a file key derives from, as a session gives it. */
export type EpochKeySource = Pick<ConversationSession, 'fileRoot' | 'epochSecret'>;

/** The file's key (base64url), or null when this device holds nothing it derives from. */
export async function fileKeyOf(session: EpochKeySource | undefined, ref: FileRef): Promise<string | null> {
  if (ref.key) return ref.key;
  if (!session || !ref.epoch || !ref.salt) return null;
  const root = ref.kdf === 'root' ? await session.fileRoot(ref.epoch) : null;
  const ikm = root ? fromBase64Url(root) : ref.kdf === 'root' ? null : session.epochSecret(ref.epoch);
  return ikm ? deriveFileKey(ikm, ref.salt) : null;
}
