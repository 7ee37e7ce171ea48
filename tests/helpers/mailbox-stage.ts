/**
 * A real server (SQLite on a temp dir, port 0) and one conversation's mailbox credentials,
 * fresh for every test, with couriers for signed documents — the setup of the mailbox tests.
 */
import { afterEach, beforeEach } from 'vitest';
import { randomBytes } from '../../src/core/bytes.js';
import { deriveConversationKeys, type ConversationKeys } from '../../src/core/keys.js';
import type { SyncedDoc } from '../../src/core/synced-doc.js';
import { mailboxIdOf } from '../../src/core/wire/mailbox.js';
import { MailboxClient } from '../../src/net/mailbox-client.js';
import { MailboxCourier } from '../../src/net/mailbox-courier.js';
import { MemoryMailboxStateStore } from '../../src/store/mailbox-state.js';
import type { ParleyServerInit } from '../../signaling/config.js';
import { startTestServer, type TestServer } from './signaling-server.js';

export interface MailboxStage {
  readonly server: TestServer;
  readonly keys: ConversationKeys;
  readonly client: MailboxClient;
  /** The mailbox id (hex SHA-256 of the token). */
  readonly id: string;
  courierFor(doc: SyncedDoc, progress?: MemoryMailboxStateStore): MailboxCourier;
}

/** Registers before/after hooks; read the stage inside tests. */
export function useMailboxStage(init: ParleyServerInit = {}): { readonly current: MailboxStage } {
  const holder: { current: MailboxStage } = { current: null as unknown as MailboxStage };
  beforeEach(async () => {
    const server = await startTestServer(init);
    const keys = await deriveConversationKeys(randomBytes(32));
    const client = new MailboxClient(server.httpUrl);
    const id = mailboxIdOf(keys.mailboxToken)!;
    holder.current = {
      server,
      keys,
      client,
      id,
      courierFor: (doc, progress = new MemoryMailboxStateStore()) =>
        new MailboxCourier({ client, id, token: keys.mailboxToken, key: keys.mailboxKey, doc: doc.doc, authorize: (u) => doc.authorizer.authorize(u), progress }),
    };
  });
  afterEach(async () => {
    await holder.current.server.close();
  });
  return holder;
}
