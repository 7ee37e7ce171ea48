/**
 * The mailbox token is every member's (docs/architecture.md §7.6): holding it must not let
 * one member wipe or fill what the others wrote. Real server (SQLite on a temp dir, port 0),
 * real couriers and signed documents for the honest members; Mallory speaks raw HTTP with
 * the token, the way a hostile client would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes, toBase64Url } from '../../../src/core/bytes.js';
import { deriveConversationKeys, type ConversationKeys } from '../../../src/core/keys.js';
import type { SyncedDoc } from '../../../src/core/synced-doc.js';
import { MAILBOX_PATH, mailboxIdOf, writerIdOf } from '../../../src/core/wire/mailbox.js';
import { MailboxClient } from '../../../src/net/mailbox-client.js';
import { MailboxCourier } from '../../../src/net/mailbox-courier.js';
import { MemoryMailboxStateStore } from '../../../src/store/mailbox-state.js';
import { memberDoc, say, testAccount, texts } from '../../helpers/signed-docs.js';
import { startTestServer, type TestServer } from '../../helpers/signaling-server.js';

let server: TestServer;
let keys: ConversationKeys;
let client: MailboxClient;

beforeEach(async () => {
  server = await startTestServer({ maxMailboxBytes: 400_000, maxEntryBytes: 64_000, mailboxWriterShare: 4 });
  keys = await deriveConversationKeys(randomBytes(32));
  client = new MailboxClient(server.httpUrl);
});
afterEach(async () => {
  await server.close();
});

const id = () => mailboxIdOf(keys.mailboxToken)!;
const courierFor = (doc: SyncedDoc) =>
  new MailboxCourier({ client, id: id(), token: keys.mailboxToken, key: keys.mailboxKey, doc: doc.doc, authorize: (u) => doc.authorizer.authorize(u), progress: new MemoryMailboxStateStore() });

/** Mallory, with the token every member has, over plain HTTP. */
const mallory = (method: string, query: string, headers: Record<string, string> = {}, body?: Uint8Array<ArrayBuffer>) =>
  fetch(`${server.httpUrl}${MAILBOX_PATH}/${id()}${query}`, {
    method,
    headers: { Authorization: `Bearer ${keys.mailboxToken}`, 'Content-Type': 'application/octet-stream', ...headers },
    ...(body ? { body } : {}),
  });

async function aliceWrites(): Promise<void> {
  const alice = await memberDoc(await testAccount('Alice'));
  await say(alice, 'for Bob, who is offline');
  await courierFor(alice).push();
}

async function bobReads(): Promise<string[]> {
  const bob = await memberDoc(await testAccount('Bob'));
  await courierFor(bob).pull();
  return texts(bob);
}

describe("a member cannot wipe or fill the others' mailbox entries", () => {
  it("DELETE with the token alone, or with a writer key of her own, leaves Alice's entries for Bob", async () => {
    await aliceWrites();
    const statuses = [(await mallory('DELETE', '?upTo=1000')).status, (await mallory('DELETE', '?upTo=1000', { 'X-Parley-Writer-Key': toBase64Url(randomBytes(32)) })).status];
    expect({ statuses, bob: await bobReads() }).toEqual({ statuses: [400, 200], bob: ['for Bob, who is offline'] });
  });

  it("a 'snapshot' claiming to cover everything leaves Alice's entries for Bob", async () => {
    await aliceWrites();
    const own = writerIdOf(toBase64Url(randomBytes(32)))!;
    await mallory('POST', '', { 'X-Parley-Snapshot': '1', 'X-Parley-Writer': own }, new Uint8Array([1, 2, 3]));
    await mallory('POST', '', { 'X-Parley-Snapshot': '2' }, new Uint8Array([1, 2, 3]));
    expect(await bobReads()).toEqual(['for Bob, who is offline']);
  });

  it('filling the quota under one writer id, or under none, does not stop Alice from writing to Bob', async () => {
    const own = writerIdOf(toBase64Url(randomBytes(32)))!;
    const statuses: number[] = [];
    for (const headers of [{ 'X-Parley-Writer': own }, {}] as Array<Record<string, string>>) {
      for (let i = 0; i < 3; i++) statuses.push((await mallory('POST', '', headers, new Uint8Array(randomBytes(45_000)))).status);
    }
    expect(statuses).toEqual([201, 201, 429, 201, 201, 429]);
    await aliceWrites();
    expect(await bobReads()).toEqual(['for Bob, who is offline']);
  });
});
