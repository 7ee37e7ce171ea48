/**
 * A real conversation session for Node tests: the app's own ConversationSession on a fresh
 * conversation secret, with an in-memory outbox and no network.
 */
import { ConversationSession } from '../../src/client/conversation-session.js';
import { randomBytes, toBase64Url } from '../../src/core/bytes.js';
import { VerifyKeyCache, type IdentityId } from '../../src/core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES } from '../../src/core/keys.js';
import { MemoryOutboxStore } from '../../src/store/memory.js';
import type { Account } from '../../src/store/types.js';

export interface SessionOptions {
  readonly verifyKeys?: VerifyKeyCache;
  readonly isBlocked?: (identity: IdentityId) => boolean;
  readonly now?: () => number;
  /** The user's contact record for an identity (the name they know, whether verified). */
  readonly contactOf?: (identity: IdentityId) => { readonly name: string; readonly verified: boolean } | null;
}

/** A group conversation session for `account`, its member record already written. */
export async function openSession(account: Account, options: SessionOptions = {}): Promise<ConversationSession> {
  const secret = randomBytes(SECRET_BYTES);
  const keys = await deriveConversationKeys(secret);
  const now = options.now ?? Date.now;
  const session = new ConversationSession({
    record: { id: keys.topic, secret: toBase64Url(secret), title: 'Team', createdAt: now(), kind: 'group' },
    keys,
    account,
    outbox: new MemoryOutboxStore(),
    verifyKeys: options.verifyKeys ?? new VerifyKeyCache(),
    appUrl: 'http://localhost/',
    now,
    isBlocked: options.isBlocked ?? (() => false),
    blockDecision: () => null,
    ...(options.contactOf ? { contactOf: options.contactOf } : {}),
  });
  await session.synced.ensureMember(account.name, undefined);
  return session;
}
