/**
 * Contact-request spam (docs/architecture.md §8.4): whoever holds Alice's contact link can
 * knock on her inbox. Real server on port 0, real signaling clients over `ws`, real sealed
 * and signed requests from real (freshly minted) identities; Alice's contact book and self
 * doc are the app's own, on a clock the test sets.
 *
 * Alice's book handles inbox messages one at a time in the order they came, so a request
 * that shows up waiting proves every message sent before it was handled: each case ends a
 * batch with such a request (a new identity's, or a refresh) rather than pausing, then
 * asserts what was refused.
 */
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAccount } from '../../../src/client/account.js';
import type { Account } from '../../../src/store/types.js';
import { ContactBook } from '../../../src/client/contact-book.js';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../../../src/client/contact-requests.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { SelfSession } from '../../../src/client/self-session.js';
import { fromBase64Url, randomBytes } from '../../../src/core/bytes.js';
import { createContactRequest, type ContactRequest } from '../../../src/core/identity/contact-request.js';
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

async function aliceWithInbox(now: () => number, requestLimits: RequestLimits = DEFAULT_REQUEST_LIMITS) {
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
    requestLimits,
  });
  closers.push(() => book.destroy());
  await connected(signaling);
  await book.start();
  const inbox = await deriveChannel(fromBase64Url(alice.contactSecret)!, 'contact inbox');
  // Counted after the book's own listener: a message counted here has been seen by the book.
  let arrived = 0;
  signaling.on('message', (topic) => void (topic === inbox.topic && arrived++));
  const spammer = connect(server.httpUrl);
  await connected(spammer);
  const waiting = (): string[] => book.list().filter((c) => c.state === 'incoming').map((c) => c.name).sort();
  /** Sends requests to Alice's inbox, under the server's per-socket rate as a patient spammer would. */
  const send = async (requests: readonly unknown[]): Promise<void> => {
    const before = arrived;
    for (const [i, request] of requests.entries()) {
      spammer.publish(inbox.topic, await sealMessage(inbox.key, inbox.topic, request));
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 600));
    }
    await expect.poll(() => arrived - before, { timeout: 20_000 }).toBe(requests.length);
  };
  /** Sends one request and waits until its name shows: everything sent before it was handled. */
  const mark = async (request: { name: string }): Promise<void> => {
    await send([request]);
    await expect.poll(() => waiting().includes(request.name), { timeout: 20_000 }).toBe(true);
  };
  return { alice, self, book, waiting, send, mark };
}

/** A request to `to` from `from` under `name`, made at `at`. */
const requestFrom = (from: Account, name: string, to: Account, at: number) => createContactRequest(from.cert, from.device.signPrivate, name, to.identity.sign, at);

/** `count` fresh identities, "Spam 0" to "Spam <count - 1>", and a request from each. */
async function flood(count: number, to: Account, at: number): Promise<{ senders: Account[]; requests: ContactRequest[] }> {
  const senders: Account[] = [];
  const requests: ContactRequest[] = [];
  for (let i = 0; i < count; i++) {
    senders.push(await createAccount(`Spam ${i}`, at));
    requests.push(await requestFrom(senders[i]!, `Spam ${i}`, to, at));
  }
  return { senders, requests };
}

const names = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}`);

describe('contact-request spam', () => {
  it('of 300 requests from 300 new identities in a minute, the first 60 are checked and wait; the rest leave nothing, and all expire', { timeout: 90_000 }, async () => {
    let clock = Date.now();
    // The list's cap well above the rate, so only the rate decides.
    const { alice, self, waiting, send, mark } = await aliceWithInbox(() => clock, { ...DEFAULT_REQUEST_LIMITS, maxPending: 1000 });
    const selfBefore = Y.encodeStateAsUpdate(self.synced.doc).length;
    await send((await flood(300, alice, clock)).requests);
    // A minute later (the 300 were counted when they arrived), a new identity's request is heard.
    clock += 60_000;
    const late = await createAccount('Late', clock);
    await mark(await requestFrom(late, 'Late', alice, clock));
    // 60 a minute (docs §8.4): without the rate all 300 would wait, at twice it 120.
    expect(waiting()).toEqual([...names('Spam', 0, 60), 'Late'].sort());
    expect({ stored: self.contacts(), selfDocGrew: Y.encodeStateAsUpdate(self.synced.doc).length > selfBefore }).toEqual({ stored: [], selfDocGrew: false });

    clock += 2 * 24 * 60 * 60 * 1000;
    expect(waiting()).toEqual([]);
  });

  it('of 300 requests from 300 new identities, 50 wait (the cap), and one of them can still refresh', { timeout: 90_000 }, async () => {
    let clock = Date.now();
    const { alice, self, waiting, send, mark } = await aliceWithInbox(() => clock);
    const { senders, requests } = await flood(300, alice, clock);
    await send(requests);
    // Spam 0 asks again once its 10 s are up: one already waiting takes no new place.
    clock += 10_000;
    await mark(await requestFrom(senders[0]!, 'Spam 0, again', alice, clock));
    // The cap is checked where a request is kept, too: with it checked only before the
    // signature checks, requests checked side by side each passed it, and up to 60 waited.
    expect(waiting()).toEqual([...names('Spam', 1, 50), 'Spam 0, again'].sort());
    expect(self.contacts()).toEqual([]);
  });

  it('with the list full and the minute\'s checks used by strangers, the reply of someone Alice asked still goes through', { timeout: 90_000 }, async () => {
    const clock = Date.now();
    const { alice, self, waiting, send } = await aliceWithInbox(() => clock);
    const zed = await createAccount('Zed', clock);
    // Alice asked Zed (by his link); his request back is the consent that makes them contacts.
    await self.setContact({ identity: zed.identity, name: 'Zed', state: 'outgoing', verified: false, inbox: zed.contactSecret });
    await send((await flood(300, alice, clock)).requests);
    await send([await requestFrom(zed, 'Zed', alice, clock)]);
    // Handled in arrival order: once Zed's is, the flood before it was too. Before, the full
    // list (50 of 50) and the spent checks (60 of 60 this minute) refused it unverified.
    await expect.poll(() => self.contact(zed.identity.sign)?.state, { timeout: 20_000 }).toBe('accepted');
    expect(waiting()).toEqual(names('Spam', 0, 50).sort());
  });

  it("forged replies claiming someone Alice asked cost one check per 10 s, then that person's own checks", { timeout: 90_000 }, async () => {
    const clock = Date.now();
    const { alice, self, send } = await aliceWithInbox(() => clock);
    const [zed, yan] = await Promise.all(['Zed', 'Yan'].map((name) => createAccount(name, clock)));
    for (const [who, name] of [[zed!, 'Zed'], [yan!, 'Yan']] as const) {
      await self.setContact({ identity: who.identity, name, state: 'outgoing', verified: false, inbox: who.contactSecret });
    }
    // Zed's real request, then changed: it claims Zed and its signature does not verify.
    const real = await requestFrom(zed!, 'Zed', alice, clock);
    const verify = vi.spyOn(VerifyKeyCache.prototype, 'verify');
    try {
      await send(Array.from({ length: 300 }, () => ({ ...real, name: 'Zed (forged)' })));
      // Handled in arrival order: once Yan's reply is, every forgery before it was too.
      await send([await requestFrom(yan!, 'Yan', alice, clock)]);
      await expect.poll(() => self.contact(yan!.identity.sign)?.state, { timeout: 20_000 }).toBe('accepted');
      // Each forgery checked reaches the request's signature, under Zed's device key. One free
      // check in Zed's turn, then Zed's own 6 a minute (before, the strangers' 60; and the
      // first version gave the turn back: all 300).
      const forgeriesChecked = verify.mock.calls.filter(([key]) => key === real.cert.device).length;
      expect(forgeriesChecked).toBe(1 + DEFAULT_REQUEST_LIMITS.replyVerifyPerMinute);
      expect(self.contact(zed!.identity.sign)?.state).toBe('outgoing');
    } finally {
      verify.mockRestore();
    }
  });

  it("forged replies claiming someone Alice asked spend none of the checks strangers' requests need", { timeout: 90_000 }, async () => {
    const clock = Date.now();
    const { alice, self, waiting, send } = await aliceWithInbox(() => clock, { ...DEFAULT_REQUEST_LIMITS, maxPending: 1000 });
    const zed = await createAccount('Zed', clock);
    await self.setContact({ identity: zed.identity, name: 'Zed', state: 'outgoing', verified: false, inbox: zed.contactSecret });
    // 300 forgeries claiming Zed, then 60 strangers within the same minute.
    const real = await requestFrom(zed, 'Zed', alice, clock);
    await send(Array.from({ length: 300 }, () => ({ ...real, name: 'Zed (forged)' })));
    await send((await flood(60, alice, clock)).requests);
    // Handled in arrival order: once the last stranger waits, all were handled. Before, the
    // forgeries had spent the minute's 60 checks and no stranger was heard.
    await expect.poll(() => waiting().includes('Spam 59'), { timeout: 20_000 }).toBe(true);
    expect(waiting()).toEqual(names('Spam', 0, 60).sort());
    expect(self.contact(zed.identity.sign)?.state).toBe('outgoing');
  });

  it("strangers who spent the minute's checks leave the reply of someone Alice asked its own, within a turn a forgery spent", { timeout: 90_000 }, async () => {
    const clock = Date.now();
    const { alice, self, waiting, send } = await aliceWithInbox(() => clock, { ...DEFAULT_REQUEST_LIMITS, maxPending: 1000 });
    const yan = await createAccount('Yan', clock);
    await self.setContact({ identity: yan.identity, name: 'Yan', state: 'outgoing', verified: false, inbox: yan.contactSecret });
    await send((await flood(60, alice, clock)).requests);
    await expect.poll(() => waiting().includes('Spam 59'), { timeout: 20_000 }).toBe(true);
    // The strangers spent the minute's 60; one forgery spends Yan's free turn; then Yan's real
    // reply. Before, it needed the minute's checks and was refused.
    const real = await requestFrom(yan, 'Yan', alice, clock);
    await send([{ ...real, name: 'Yan (forged)' }, real]);
    await expect.poll(() => self.contact(yan.identity.sign)?.state, { timeout: 20_000 }).toBe('accepted');
  });

  it('forged requests take no place in the list and do not silence the identity they claim', { timeout: 60_000 }, async () => {
    const clock = Date.now();
    const { alice, waiting, send, mark } = await aliceWithInbox(() => clock, { ...DEFAULT_REQUEST_LIMITS, maxPending: 3 });
    const [bob, carol, dave] = await Promise.all(['Bob', 'Carol', 'Dave'].map((name) => createAccount(name, clock)));
    const { requests } = await flood(10, alice, clock);
    // Signed, then changed: each claims a certified identity, and none verifies.
    const forged = [await requestFrom(bob!, 'Bob', alice, clock), ...requests].map((r) => ({ ...r, name: `${r.name} (forged)` }));
    await send(forged);
    await send([await requestFrom(bob!, 'Bob', alice, clock), await requestFrom(carol!, 'Carol', alice, clock)]);
    await mark(await requestFrom(dave!, 'Dave', alice, clock));
    // The old code heard "Bob" once in 10 s, the forgery included: the real Bob was refused.
    expect(waiting()).toEqual(['Bob', 'Carol', 'Dave']);
  });

  it('one sender is heard once per 10 s, what comes between is dropped, and accepting stores one contact', { timeout: 60_000 }, async () => {
    let clock = Date.now();
    const { alice, self, book, waiting, send, mark } = await aliceWithInbox(() => clock);
    const [bob, carol, dave] = await Promise.all(['Bob', 'Carol', 'Dave'].map((name) => createAccount(name, clock)));
    const fromBob = (name: string) => requestFrom(bob!, name, alice, clock);
    await send([await fromBob('Bob 0'), await fromBob('Bob 1')]);
    await mark(await requestFrom(carol!, 'Carol', alice, clock));
    expect(waiting()).toEqual(['Bob 0', 'Carol']);
    clock += 9_999;
    await send([await fromBob('Bob 2')]);
    await mark(await requestFrom(dave!, 'Dave', alice, clock));
    expect(waiting()).toEqual(['Bob 0', 'Carol', 'Dave']);
    // 10 s after "Bob 0": heard again (with the window doubled, not).
    clock += 1;
    await mark(await fromBob('Bob 3'));
    expect(waiting()).toEqual(['Bob 3', 'Carol', 'Dave']);
    expect(self.contacts()).toEqual([]);
    await book.accept(bob!.identity.sign);
    expect(self.contacts().map((c) => [c.name, c.state])).toEqual([['Bob 3', 'accepted']]);
  });
});
