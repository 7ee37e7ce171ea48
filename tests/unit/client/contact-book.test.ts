/**
 * ContactBook: contact links, requests in and out over a real signaling server on port 0,
 * accepting, mutual requests as consent, blocking, verification and safety numbers, and a
 * destroy() that leaves no timer or listener behind. Accounts, self docs and sealing are the
 * app's own; only the 1:1 conversation is stood in for by its id (opening it is not the
 * contact book's job).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { createAccount } from '../../../src/client/account.js';
import { ContactBook } from '../../../src/client/contact-book.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { ClientError } from '../../../src/client/errors.js';
import { SelfSession } from '../../../src/client/self-session.js';
import { randomBytes } from '../../../src/core/bytes.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { safetyNumber } from '../../../src/core/identity/safety-number.js';
import { deriveConversationKeys, SECRET_BYTES } from '../../../src/core/keys.js';
import { SignalingClient, type SocketLike } from '../../../src/net/signaling-client.js';
import { startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

let server: TestServer | null = null;
const closers: Array<() => void> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) close();
  vi.useRealTimers();
  await server?.close();
  server = null;
});

async function person(name: string, options: { connect?: boolean } = {}) {
  const account = await createAccount(name, Date.now());
  const verifyKeys = new VerifyKeyCache();
  const self = new SelfSession(await deriveConversationKeys(randomBytes(SECRET_BYTES)), account, verifyKeys, Date.now);
  await self.synced.ensureMember(name, undefined);
  const url = options.connect === false ? 'http://127.0.0.1:9' : (server ??= await startTestServer()).httpUrl;
  const signaling = new SignalingClient({ url, createSocket: (u) => new WebSocket(u) as unknown as SocketLike });
  if (options.connect !== false) signaling.start();
  const opened: string[] = [];
  let joined = false;
  const book = new ContactBook({
    account,
    self,
    signaling,
    verifyKeys,
    appUrl: url,
    now: Date.now,
    openDirect: async (identity) => (opened.push(identity.sign), { id: `direct-${identity.sign.slice(0, 8)}` }) as unknown as ConversationSession,
    hasJoined: () => joined,
    safetyNumbers: async (a, b) => safetyNumber(a, b),
  });
  closers.push(() => void self.destroy(), () => signaling.destroy(), () => book.destroy());
  return { account, self, signaling, book, opened, setJoined: (v: boolean) => (joined = v) };
}

async function started(name: string) {
  const p = await person(name);
  await waitUntil(() => p.signaling.status === 'connected', `${name} connected`);
  await p.book.start();
  return p;
}

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => (e instanceof ClientError ? e.code : String(e)),
  );

describe('ContactBook', () => {
  it('a request travels sealed to the link holder, waits there unstored, and accepting opens the 1:1', async () => {
    const alice = await started('Alice');
    const bob = await started('Bob');
    const added = await alice.book.add(bob.book.link);
    expect(added.kind).toBe('added');
    expect(alice.book.get(bob.account.identity.sign)?.state).toBe('outgoing');

    await waitUntil(() => bob.book.get(alice.account.identity.sign) !== null, 'the request to reach Bob');
    const incoming = bob.book.get(alice.account.identity.sign)!;
    expect({ state: incoming.state, name: incoming.name }).toEqual({ state: 'incoming', name: 'Alice' });
    // A request is only held in memory until answered: nothing in Bob's self doc yet.
    expect(bob.self.contacts()).toEqual([]);

    const accepted = await bob.book.accept(alice.account.identity.sign);
    expect(accepted.state).toBe('accepted');
    expect(accepted.topic).toBe(`direct-${alice.account.identity.sign.slice(0, 8)}`);
    expect(bob.opened).toEqual([alice.account.identity.sign]);
    expect(bob.self.contact(alice.account.identity.sign)?.state).toBe('accepted');
  });

  it('adding the link of someone whose request waits accepts it; a request to someone who asked too is consent', async () => {
    const alice = await started('Alice');
    const bob = await started('Bob');
    await bob.book.add(alice.book.link);
    await waitUntil(() => alice.book.get(bob.account.identity.sign)?.state === 'incoming', "Bob's request at Alice");
    // Alice adds Bob's link while his request waits: that is her answer.
    const added = await alice.book.add(bob.book.link);
    expect(added.kind === 'added' && added.contact.state).toBe('accepted');
    expect(alice.opened).toEqual([bob.account.identity.sign]);

    // Carol asks Dave while Dave's book does not listen yet (her request is lost), then Dave
    // asks Carol: Carol's book takes his request as the answer to hers.
    const carol = await started('Carol');
    const dave = await person('Dave');
    await carol.book.add(dave.book.link);
    await waitUntil(() => dave.signaling.status === 'connected', 'Dave connected');
    await dave.book.start();
    await dave.book.add(carol.book.link);
    await waitUntil(() => carol.book.get(dave.account.identity.sign)?.state === 'accepted', 'Carol to take it as consent');
    // (Requests that arrive together may each open the 1:1; opening is idempotent.)
    expect(new Set(carol.opened)).toEqual(new Set([dave.account.identity.sign]));
  });

  it('blocking hides a person and drops their later requests; unblocking restores the earlier state', async () => {
    const alice = await started('Alice');
    const bob = await started('Bob');
    const blocked: string[] = [];
    bob.book.directory.on('blocked', (id) => blocked.push(id));
    await alice.book.add(bob.book.link);
    await waitUntil(() => bob.book.get(alice.account.identity.sign) !== null, 'the request');
    await bob.book.block(alice.account.identity.sign);
    expect(bob.book.isBlocked(alice.account.identity.sign)).toBe(true);
    expect(blocked).toEqual([alice.account.identity.sign]);
    expect(await codeOf(bob.book.add(alice.book.link))).toBe('contact-blocked');
    await bob.book.unblock(alice.account.identity.sign);
    expect(bob.book.get(alice.account.identity.sign)?.state).toBe('incoming');
    expect(blocked).toHaveLength(2);
  });

  it('a block decision lists each earlier `blocked` version with the first later one that lifted it', async () => {
    const alice = await person('Alice', { connect: false });
    const bob = await createAccount('Bob', Date.now());
    const bobId = bob.identity.sign;
    const set = (state: 'blocked' | 'accepted', verified = false) => alice.self.setContact({ identity: bob.identity, name: 'Bob', state, verified });
    expect(alice.book.directory.blockDecision(bobId)).toBeNull();
    const first = await set('blocked');
    const unblocked = await set('accepted');
    const again = await set('blocked');
    expect(alice.book.directory.blockDecision(bobId)).toMatchObject({ blocked: true, at: again.at, replaced: [{ by: alice.account.device.id, at: first.at, liftedAt: unblocked.at }] });
    const relisted = await set('blocked');
    const verified = await set('accepted', true);
    const by = alice.account.device.id;
    // Blocked twice in a row, then lifted: both versions were lifted by the same decision.
    expect(alice.book.directory.blockDecision(bobId)).toEqual({
      blocked: false,
      at: verified.at,
      replaced: [
        { by, at: first.at, liftedAt: unblocked.at },
        { by, at: again.at, liftedAt: verified.at },
        { by, at: relisted.at, liftedAt: verified.at },
      ],
    });
  });

  it('safety numbers match on both sides; verification is stored; unknown people and own links are refused', async () => {
    const alice = await started('Alice');
    const bob = await started('Bob');
    await alice.book.add(bob.book.link);
    await waitUntil(() => bob.book.get(alice.account.identity.sign) !== null, 'the request');
    const fromAlice = await alice.book.safetyNumber(bob.account.identity.sign);
    expect(fromAlice).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(await bob.book.safetyNumber(alice.account.identity.sign)).toBe(fromAlice);
    // Asked again (each render asks), the same promise: worked out once.
    expect(alice.book.safetyNumber(bob.account.identity.sign)).toBe(alice.book.safetyNumber(bob.account.identity.sign));
    await alice.book.setVerified(bob.account.identity.sign, true);
    expect(alice.book.get(bob.account.identity.sign)?.verified).toBe(true);

    const stranger = await createAccount('Stranger', Date.now());
    expect(await codeOf(alice.book.accept(stranger.identity.sign))).toBe('no-such-request');
    expect(await codeOf(alice.book.block(stranger.identity.sign))).toBe('unknown-contact');
    expect(await codeOf(alice.book.safetyNumber(stranger.identity.sign))).toBe('unknown-contact');
    expect(await codeOf(alice.book.add(alice.book.link))).toBe('own-contact-link');
  });

  it('keeps knocking until the other side joins the 1:1, then counts the contact as accepted', async () => {
    const alice = await started('Alice');
    const bob = await person('Bob', { connect: false });
    await alice.book.add(bob.book.link);
    expect(alice.book.get(bob.account.identity.sign)?.state).toBe('outgoing');
    // Bob joined the 1:1 conversation (seen there): the next resend round settles it.
    alice.setJoined(true);
    alice.signaling.emit('status', ['connected']);
    await waitUntil(() => alice.book.get(bob.account.identity.sign)?.state === 'accepted', 'accepted after Bob joined');
  });

  it('the constructor only wires; start() starts the resend timer and destroy() releases it and every listener', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const p = await person('Carol', { connect: false });
    p.book.destroy();
    // Everything but the book itself: the self doc and the (unstarted) socket.
    const before = vi.getTimerCount();
    const book = new ContactBook({
      account: p.account,
      self: p.self,
      signaling: p.signaling,
      verifyKeys: new VerifyKeyCache(),
      appUrl: 'http://127.0.0.1:9',
      now: Date.now,
      openDirect: async () => ({ id: 'x' }) as unknown as ConversationSession,
      hasJoined: () => true,
    });
    expect(vi.getTimerCount()).toBe(before);
    await book.start();
    expect(vi.getTimerCount()).toBe(before + 1);
    let changes = 0;
    book.directory.on('changed', () => changes++);
    p.self.emit('changed', []);
    expect(changes).toBe(1);
    book.destroy();
    expect(vi.getTimerCount()).toBe(before);
    // Its listeners are gone from the parts it does not own: they still work for others.
    let selfChanges = 0;
    p.self.on('changed', () => selfChanges++);
    p.self.emit('changed', []);
    expect(selfChanges).toBe(1);
    expect(changes).toBe(1);
  });
});
