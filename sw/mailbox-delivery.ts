/**
 * A push said "mailbox M has entry N". With no page open, the worker fetches the new
 * entries, checks and applies them to the stored document, saves the result, and reports
 * the new messages from others so a notification can show them. Decryption happens here,
 * on the device; the push itself carried nothing readable.
 */
import * as Y from 'yjs';
import type { UnsignedEvent } from '../src/core/events.js';
import type { DeviceId, Topic } from '../src/core/ids.js';
import type { SyncedDoc } from '../src/core/synced-doc.js';
import { MailboxClient } from '../src/net/mailbox-client.js';
import { MAILBOX_ORIGIN, MailboxCourier } from '../src/net/mailbox-courier.js';
import { appendStoredUpdate } from '../src/store/doc-updates.js';
import { IdbMailboxStateStore } from '../src/store/mailbox-state.js';
import { loadAccount, loadBlocked, localConversations, openStoredDoc, type LocalConversation } from './conversation-store.js';
import { notifiable } from '../src/core/policy/conversation-policy.js';
import { messagePreview, type PreviewedMessage } from '../src/core/message-preview.js';
import type { IdentityId } from '../src/core/identity/keys.js';

/** Characters of a message a notification shows. */
export const NOTIFICATION_CHARS = 140;

export interface ArrivedMessage {
  readonly topic: Topic;
  readonly sender: string;
  /** The message in a line: its text, or what a file message is (`messagePreview`). */
  readonly text: string;
}

export function courierFor(db: IDBDatabase, origin: string, conversation: LocalConversation, synced: SyncedDoc): MailboxCourier {
  return new MailboxCourier({
    client: new MailboxClient(origin),
    id: conversation.mailboxId,
    token: conversation.keys.mailboxToken,
    key: conversation.keys.mailboxKey,
    doc: synced.doc,
    authorize: (update) => synced.authorizer.authorize(update),
    progress: new IdbMailboxStateStore(db),
  });
}

/** Saves whatever the doc gained since `before` as one update, awaited to disk. */
export async function persistChanges(synced: SyncedDoc, topic: Topic, before: Uint8Array): Promise<void> {
  const diff = Y.encodeStateAsUpdate(synced.doc, before);
  const decoded = Y.decodeUpdate(diff);
  if (decoded.structs.length > 0 || decoded.ds.clients.size > 0) await appendStoredUpdate(topic, diff);
}

/** Returns the messages from others that arrived, or null if the mailbox is not ours. */
export async function deliverMailbox(db: IDBDatabase, origin: string, mailboxId: string): Promise<ArrivedMessage[] | null> {
  const account = await loadAccount(db);
  if (!account) return null;
  const conversation = (await localConversations(db)).find((c) => c.mailboxId === mailboxId);
  if (!conversation) return null;
  const synced = await openStoredDoc(account, conversation);
  try {
    const before = Y.encodeStateVector(synced.doc);
    const arrived: UnsignedEvent[] = [];
    const stop = synced.log.observe((events, from) => {
      if (from === MAILBOX_ORIGIN) arrived.push(...events);
    });
    await courierFor(db, origin, conversation, synced).pull();
    stop();
    await persistChanges(synced, conversation.record.id, before);
    const blocked = await loadBlocked();
    const visibility = {
      identityOf: (device: DeviceId) => synced.directory.identityOf(device),
      isBlocked: (identity: IdentityId) => blocked.has(identity),
      isMine: (device: DeviceId) => device === account.device.id || synced.directory.identityOf(device) === account.identity.sign,
    };
    return notifiable(arrived, visibility)
      .map((e) => ({
        topic: conversation.record.id,
        sender: synced.log.members.get(e.author)?.name ?? 'Someone',
        // A photo's caption is often empty: the notification says what it is.
        text: messagePreview(e as PreviewedMessage, NOTIFICATION_CHARS),
      }));
  } finally {
    synced.destroy();
  }
}
