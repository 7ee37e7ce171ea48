/**
 * The service worker's view of local state: the account, conversations found by their
 * mailbox id, and a document loaded with the same signed-authorship checks pages use.
 */
import * as Y from 'yjs';
import { blockedIdentities, conversationSchemaFor } from '../src/core/policy/conversation-policy.js';
import { fromBase64Url } from '../src/core/bytes.js';
import type { Account } from '../src/core/identity/account.js';
import { VerifyKeyCache, type IdentityId } from '../src/core/identity/keys.js';
import { deriveConversationKeys, type ConversationKeys } from '../src/core/keys.js';
import { SyncedDoc } from '../src/core/synced-doc.js';
import { mailboxIdOf } from '../src/core/wire/mailbox.js';
import { IdbAccountStore, IdbConversationStore } from '../src/store/app-db.js';
import { loadStoredDoc } from '../src/store/doc-updates.js';
import type { ConversationRecord } from '../src/store/types.js';

/** The self doc's storage name (the same as the page's). */
const SELF_DOC = 'self';

/** Origin of updates loaded from storage: trusted, already checked when stored. */
export const STORED_ORIGIN = Symbol('parley-stored');

export interface LocalConversation {
  readonly record: ConversationRecord;
  readonly keys: ConversationKeys;
  readonly mailboxId: string;
}

export async function loadAccount(db: IDBDatabase): Promise<Account | null> {
  return new IdbAccountStore(db).get();
}

export async function localConversations(db: IDBDatabase): Promise<LocalConversation[]> {
  const records = await new IdbConversationStore(db).list();
  const out: LocalConversation[] = [];
  for (const record of records) {
    const secret = fromBase64Url(record.secret);
    if (!secret) continue;
    const keys = await deriveConversationKeys(secret);
    const mailboxId = mailboxIdOf(keys.mailboxToken);
    if (mailboxId) out.push({ record, keys, mailboxId });
  }
  return out;
}

/** A conversation document, loaded from IndexedDB, with the same policy pages use. */
export async function openStoredDoc(account: Account, conversation: LocalConversation): Promise<SyncedDoc> {
  const { record } = conversation;
  const synced = new SyncedDoc({ account, schema: conversationSchemaFor(record, account.identity.sign), keys: new VerifyKeyCache(), now: Date.now });
  await loadStoredDoc(record.id, synced.doc, STORED_ORIGIN);
  return synced;
}

/** Identities the user blocked, from the stored self doc (shared by every device of the user). */
export async function loadBlocked(): Promise<Set<IdentityId>> {
  const self = new Y.Doc({ gc: false });
  try {
    await loadStoredDoc(SELF_DOC, self, STORED_ORIGIN);
    return blockedIdentities(self);
  } finally {
    self.destroy();
  }
}
