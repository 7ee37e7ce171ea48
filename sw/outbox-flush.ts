/**
 * Background Sync: the network is back and no page may be open. For every conversation with
 * messages still waiting in the outbox, make sure the stored doc holds them (signing again
 * any a closed page never applied), append what the mailbox lacks, and retire the outbox
 * entries that are now delivered.
 */
import * as Y from 'yjs';
import type { EventId } from '../src/core/ids.js';
import { LOCAL_ORIGIN } from '../src/core/synced-doc.js';
import { replayOutbox } from '../src/core/policy/outbox-replay.js';
import { IdbOutboxStore } from '../src/store/app-db.js';
import { loadAccount, localConversations, openStoredDoc } from './conversation-store.js';
import { courierFor, persistChanges } from './mailbox-delivery.js';

/** Returns how many outbox entries were delivered. */
export async function flushOutbox(db: IDBDatabase, origin: string): Promise<number> {
  const account = await loadAccount(db);
  if (!account) return 0;
  const outbox = new IdbOutboxStore(db);
  const waiting = await outbox.list();
  if (waiting.length === 0) return 0;
  let delivered = 0;
  for (const conversation of await localConversations(db)) {
    const entries = waiting.filter((e) => e.conversation === conversation.record.id);
    if (entries.length === 0) continue;
    const synced = await openStoredDoc(account, conversation);
    try {
      const before = Y.encodeStateVector(synced.doc);
      const ids = new Set<string>(entries.map((e) => e.id));
      await replayOutbox(synced, account.device.id, entries, LOCAL_ORIGIN);
      await persistChanges(synced, conversation.record.id, before);
      const courier = courierFor(db, origin, conversation, synced);
      await courier.pull();
      await courier.push();
      await persistChanges(synced, conversation.record.id, before);
      const done = [...synced.log.locate(account.device.id, ids).keys()] as EventId[];
      await outbox.remove(done);
      delivered += done.length;
    } finally {
      synced.destroy();
    }
  }
  return delivered;
}
