/**
 * Impersonation by display name (docs/architecture.md §8.5): Mallory copies Alice's name.
 * Real signed documents and the app's conversation session, updates authorized as from a
 * peer; the contact part uses the app's contact book and self doc over a real signaling
 * server on port 0.
 */
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccount } from '../../../src/client/account.js';
import { ContactBook } from '../../../src/client/contact-book.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { SelfSession } from '../../../src/client/self-session.js';
import { fromBase64Url, randomBytes } from '../../../src/core/bytes.js';
import { contactLink } from '../../../src/core/identity/contact-link.js';
import { VerifyKeyCache, type IdentityId } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES } from '../../../src/core/keys.js';
import { SyncedDoc } from '../../../src/core/synced-doc.js';
import { SignalingClient, type SocketLike } from '../../../src/net/signaling-client.js';
import type { Account } from '../../../src/store/types.js';
import { openSession, type SessionOptions } from '../../helpers/session.js';
import { memberDoc, openSchema, say, testAccount } from '../../helpers/signed-docs.js';
import { startTestServer, type TestServer } from '../../helpers/signaling-server.js';

/** Delivers what `from` has and `session` lacks, authorized as a peer's update. */
async function deliver(session: ConversationSession, from: SyncedDoc): Promise<void> {
  const update = Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(session.doc));
  const verdict = await session.synced.authorizer.authorize(update);
  expect(verdict.ok).toBe(true);
  Y.applyUpdate(session.doc, update, 'peer');
}

async function bobWithAliceAndMallory(options: SessionOptions = {}) {
  const [alice, bob, mallory] = await Promise.all(['Alice', 'Bob', 'Mallory'].map(testAccount));
  const verifyKeys = new VerifyKeyCache();
  const session = await openSession(bob!, { verifyKeys, ...options });
  const a = await memberDoc(alice!, openSchema(), verifyKeys);
  const m = await memberDoc(mallory!, openSchema(), verifyKeys);
  return { session, a, m, alice: alice!, mallory: mallory! };
}

describe('display names inside a conversation', () => {
  it("a member who copies Alice's name is told apart, and a rename applies only from the rename onward", async () => {
    const { session, a, m, alice, mallory } = await bobWithAliceAndMallory();
    const [before] = await say(m, 'hi, I am Mallory');
    await say(a, 'hi, I am Alice');
    await m.ensureMember('Alice', undefined);
    const [after] = await say(m, 'hi, I am "Alice" now');
    await deliver(session, a);
    await deliver(session, m);
    expect({
      alice: session.memberName(alice.device.id),
      mallory: session.memberName(mallory.device.id),
      malloryBeforeRename: session.memberName(mallory.device.id, before!.at),
      malloryAfterRename: session.memberName(mallory.device.id, after!.at),
    }).toEqual({ alice: 'Alice', mallory: 'Alice (2)', malloryBeforeRename: 'Mallory', malloryAfterRename: 'Alice (2)' });
  });

  it('writing as "Alice" and renaming afterwards does not leave plain "Alice" messages behind', async () => {
    const { session, a, m, mallory } = await bobWithAliceAndMallory();
    await say(a, 'hi, I am Alice');
    await m.ensureMember('alice ', undefined); // case and spaces do not make a new name
    const [posing] = await say(m, 'send the money to me');
    await m.ensureMember('Mallory', undefined);
    await deliver(session, a);
    await deliver(session, m);
    expect({ then: session.memberName(mallory.device.id, posing!.at), now: session.memberName(mallory.device.id) }).toEqual({
      then: 'alice (2)',
      now: 'Mallory',
    });
  });

  it('a contact the user knows by the name keeps it, even against a back-dated claim, and carries the verified badge', async () => {
    let aliceIdentity: IdentityId | null = null;
    const { session, a, m, alice, mallory } = await bobWithAliceAndMallory({
      contactOf: (identity) => (identity === aliceIdentity ? { name: 'Alice', verified: true } : null),
    });
    aliceIdentity = alice.identity.sign;
    // Mallory's member record claims a time long before anyone else's.
    const backdated = new SyncedDoc({ account: mallory, schema: openSchema(), keys: new VerifyKeyCache(), now: () => 1_000 });
    Y.applyUpdate(backdated.doc, Y.encodeStateAsUpdate(m.doc));
    await backdated.ensureMember('Alice', undefined);
    await deliver(session, a);
    await deliver(session, backdated);
    expect({
      alice: session.memberName(alice.device.id),
      mallory: session.memberName(mallory.device.id),
      aliceVerified: session.isVerified(alice.device.id),
      malloryVerified: session.isVerified(mallory.device.id),
    }).toEqual({ alice: 'Alice', mallory: 'Alice (2)', aliceVerified: true, malloryVerified: false });
  });

  it('someone taking my own name is told apart from me', async () => {
    const { session, m, mallory } = await bobWithAliceAndMallory();
    await m.ensureMember('Bob', undefined);
    await deliver(session, m);
    expect(session.memberName(mallory.device.id)).toBe('Bob (2)');
  });
});

describe('adding a second contact with a name already in the contact list', () => {
  let server: TestServer | null = null;
  const closers: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await server?.close();
    server = null;
  });

  async function bobsBook() {
    server = await startTestServer();
    const bob = await createAccount('Bob', Date.now());
    const verifyKeys = new VerifyKeyCache();
    const self = new SelfSession(await deriveConversationKeys(randomBytes(SECRET_BYTES)), bob, verifyKeys, Date.now);
    await self.synced.ensureMember('Bob', undefined);
    const signaling = new SignalingClient({ url: server.httpUrl, createSocket: (u) => new WebSocket(u) as unknown as SocketLike }).start();
    closers.push(() => signaling.destroy());
    let topics = 0;
    const book = new ContactBook({
      account: bob,
      self,
      signaling,
      verifyKeys,
      appUrl: server.httpUrl,
      now: Date.now,
      openDirect: async () => ({ id: `topic-${++topics}` }) as unknown as ConversationSession,
      hasJoined: () => false,
    });
    closers.push(() => book.destroy());
    await book.start();
    return { book, appUrl: server.httpUrl };
  }

  const linkOf = (appUrl: string, account: Account, name = account.name) =>
    contactLink(appUrl, { identity: account.identity, name, linkSecret: fromBase64Url(account.contactSecret)! });

  it('asks before it goes on, adds only when confirmed, and never says a safety number changed', async () => {
    const { book, appUrl } = await bobsBook();
    const alice = await createAccount('Alice', Date.now());
    const mallory = await createAccount('Mallory', Date.now());
    expect((await book.add(linkOf(appUrl, alice))).kind).toBe('added');

    const asked = await book.add(linkOf(appUrl, mallory, 'ALICE'));
    expect(asked).toEqual({ kind: 'same-name', name: 'ALICE', existing: alice.identity.sign });
    expect(book.sameNamePending()).toEqual({ name: 'ALICE', existing: alice.identity.sign });
    expect(book.get(mallory.identity.sign)).toBeNull();

    book.cancelSameName();
    expect({ pending: book.sameNamePending(), stored: book.get(mallory.identity.sign) }).toEqual({ pending: null, stored: null });

    await book.add(linkOf(appUrl, mallory, 'ALICE'));
    const added = await book.confirmSameName();
    const contacts = book.list().map((c) => ({ name: c.name, state: c.state, sameNameAs: c.sameNameAs ?? null, ...('keyChangedFrom' in c ? { keyChangedFrom: true } : {}) }));
    expect(added.identity.sign).toBe(mallory.identity.sign);
    expect(contacts).toEqual([
      { name: 'Alice', state: 'outgoing', sameNameAs: null },
      { name: 'ALICE', state: 'outgoing', sameNameAs: alice.identity.sign },
    ]);
    expect(book.sameNamePending()).toBeNull();
  });

  it('adding the same person again does not ask', async () => {
    const { book, appUrl } = await bobsBook();
    const alice = await createAccount('Alice', Date.now());
    await book.add(linkOf(appUrl, alice));
    expect((await book.add(linkOf(appUrl, alice))).kind).toBe('added');
  });
});
