/** The current epoch secret a conversation record stores (base64url). */
import { fromBase64Url } from '../core/bytes.js';
import type { ConversationRecord } from '../store/types.js';

/** Records are written by this device only, so a damaged secret is a programming error. */
export function secretOf(record: ConversationRecord): Uint8Array {
  const secret = fromBase64Url(record.secret);
  if (!secret) throw new Error(`conversation ${record.id} has a damaged secret`);
  return secret;
}
