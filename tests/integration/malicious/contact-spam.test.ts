/**
 * Contact-request spam (docs/architecture.md §8.4): whoever holds Alice's contact link can
 * knock on her inbox. Real server on port 0, real signaling clients over `ws`, real sealed
 * and signed requests from real (freshly minted) identities; Alice's contact book and self
 * doc are the app's own.
 */
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccount } from '../../../src/client/account.js';
import { ContactBook } from '../../../src/client/contact-book.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { SelfSession } from '../../../src/client/self-session.js';
import { fromBase64Url, randomBytes } from '../../../src/core/bytes.js';
import { createContactRequest } from '../../../src/core/identity/contact-request.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveChannel, deriveConversationKeys, SECRET_BYTES } from '../../../src/core/keys.js';
import { sealMessage } from '../../../src/net/sealed-channel.js';
import { SignalingClient, type SocketLike } from '../../../src/net/signaling-client.js';
import { startTestServer, type TestServer } from '../../helpers/signaling-server.js';

let server: TestServer | null = null;
const closers: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await server?.close();
  server = null;
});

const connect = (url: string): SignalingClient => {
  const client = new SignalingClient({ url, createSocket: (u) => new WebSocket(u) as unknown as SocketLike }).start();
  closers.push(() => client.destroy());
  return client;
};

const connected = (client: SignalingClient): Promise<void> =>
  client.status === 'connected' ? Promise.resolve() : new Promise((resolve) => client.on('status', (s) => s === 'connected' && resolve()));

async function aliceWithInbox(now: () => number) {
  server = await startTestServer();
  const alice = await createAccount('Alice', now());
  const verifyKeys = new VerifyKeyCache();
  const self = new SelfSession(await deriveConversationKeys(randomBytes(SECRET_BYTES)), alice, verifyKeys, now);
  await self.synced.ensureMember('Alice', undefined);
  const signaling = connect(server.httpUrl);
  const book = new ContactBook({
    account: alice,
    self,
    signaling,
    verifyKeys,
    appUrl: server.httpUrl,
    now,
    openDirect: async () => ({ id: 'topic' }) as unknown as ConversationSession,
    hasJoined: () => false,
  });
  closers.push(() => book.destroy());
  await connected(signaling);
  await book.start();
  const inbox = await deriveChannel(fromBase64Url(alice.contactSecret)!, 'contact inbox');
  return { alice, self, book, inbox, signaling };
}

describe('contact-request spam', () => {
  it('300 requests from 300 new identities leave the self doc as it was, wait in a capped list, and expire', { timeout: 60_000 }, async () => {
    let clock = Date.now();
    const { alice, self, book, inbox, signaling } = await aliceWithInbox(() => clock);
    let delivered = 0;
    signaling.on('message', (topic) => void (topic === inbox.topic && delivered++));
    const selfBefore = Y.encodeStateAsUpdate(self.synced.doc).length;
    const spammer = connect(server!.httpUrl);
    await connected(spammer);
    for (let i = 0; i < 300; i++) {
      const sender = await createAccount(`Spam ${i}`, clock);
      const request = await createContactRequest(sender.cert, sender.device.signPrivate, `Spam ${i}`, alice.identity.sign, clock);
      spammer.publish(inbox.topic, await sealMessage(inbox.key, inbox.topic, request));
      // Stay under the server's per-socket rate, as a patient spammer would.
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 600));
    }
    // Not a pause: all 300 reached Alice's socket, and her book has handled each of them.
    await expect.poll(() => delivered, { timeout: 20_000 }).toBe(300);
    await book.settled();
    const waiting = book.list().filter((c) => c.state === 'incoming').length;
    expect({ selfDocGrew: Y.encodeStateAsUpdate(self.synced.doc).length > selfBefore, capped: waiting <= 60, some: waiting > 0 }).toEqual({ selfDocGrew: false, capped: true, some: true });

    clock += 2 * 24 * 60 * 60 * 1000;
    expect(book.list().filter((c) => c.state === 'incoming')).toEqual([]);
  });

  it('one sender repeating a request is heard once per window, and accepting it stores one contact', { timeout: 30_000 }, async () => {
    const clock = Date.now();
    const { alice, self, book, inbox } = await aliceWithInbox(() => clock);
    const spammer = connect(server!.httpUrl);
    await connected(spammer);
    const sender = await createAccount('Bob', clock);
    for (let i = 0; i < 50; i++) {
      const request = await createContactRequest(sender.cert, sender.device.signPrivate, `Bob ${i}`, alice.identity.sign, clock);
      spammer.publish(inbox.topic, await sealMessage(inbox.key, inbox.topic, request));
    }
    await expect.poll(() => book.list().filter((c) => c.state === 'incoming').map((c) => c.name), { timeout: 10_000 }).toEqual(['Bob 0']);
    await book.accept(sender.identity.sign);
    expect(self.contacts().map((c) => [c.name, c.state])).toEqual([['Bob 0', 'accepted']]);
  });
});
