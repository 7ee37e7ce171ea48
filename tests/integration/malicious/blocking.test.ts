/**
 * Blocking hides a person on this device, and nothing else (docs/architecture.md §8.2):
 * a blocked member cannot use Alice's block to make her refuse honest relays, and the
 * service worker applies the same policy as the page. Real signed documents, a real
 * conversation session and self doc; updates are authorized as from a peer or the mailbox.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { SelfSession } from '../../../src/client/self-session.js';
import { randomBytes } from '../../../src/core/bytes.js';
import type { IdentityId } from '../../../src/core/identity/keys.js';
import { VerifyKeyCache } from '../../../src/core/identity/keys.js';
import { deriveConversationKeys, SECRET_BYTES } from '../../../src/core/keys.js';
import * as policy from '../../../src/core/policy/conversation-policy.js';
import { openSession } from '../../helpers/session.js';
import { copyState, memberDoc, say, testAccount } from '../../helpers/signed-docs.js';

async function scene() {
  const [alice, bob, mallory] = await Promise.all(['Alice', 'Bob', 'Mallory'].map(testAccount));
  const verifyKeys = new VerifyKeyCache();
  const blocked = new Set<IdentityId>([mallory!.identity.sign]);
  const session = await openSession(alice!, { verifyKeys, isBlocked: (identity) => blocked.has(identity) });
  const b = await memberDoc(bob!);
  const m = await memberDoc(mallory!);
  copyState(session.synced, b);
  copyState(session.synced, m);
  return { session, b, m, alice: alice!, mallory: mallory!, verifyKeys };
}

describe('blocking', () => {
  it("Alice blocked Mallory; Mallory renames herself and Bob relays it: Alice accepts Bob's update and shows none of Mallory's words", async () => {
    const { session, b, m } = await scene();
    await say(m, 'Mallory was here');
    await m.ensureMember('Mallory the Nice', undefined);
    copyState(m, b);
    await say(b, 'Bob relays everything');
    const relay = Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(session.doc));
    // What the sync engine and the mailbox courier both ask.
    const verdict = await session.synced.policy.authorize(relay);
    if (verdict.ok) Y.applyUpdate(session.doc, relay, 'peer');
    const shown = session.timeline.entries.filter((e) => e.kind === 'message').map((e) => e.text);
    expect({ accepted: verdict.ok, shown }).toEqual({ accepted: true, shown: ['Bob relays everything'] });
  });

  it('the service worker notifies only what the page would show: nothing from a blocked person', async () => {
    const { session, b, m, alice, mallory, verifyKeys } = await scene();
    // Alice's self doc says Mallory is blocked, as the page's contact book writes it.
    const self = new SelfSession(await deriveConversationKeys(randomBytes(SECRET_BYTES)), alice, verifyKeys, Date.now);
    await self.synced.ensureMember('Alice', undefined);
    await self.setContact({ identity: mallory.identity, name: 'Mallory', state: 'blocked', verified: false });
    const blocked = policy.blockedIdentities(self.synced.doc);

    const arrived = [...(await say(m, 'buy my pills')), ...(await say(b, 'lunch at noon?'))];
    copyState(m, session.synced);
    copyState(b, session.synced);
    const directory = session.synced.directory;
    const notified = policy.notifiable(arrived, {
      identityOf: (d) => directory.identityOf(d),
      isBlocked: (id) => blocked.has(id),
      isMine: (d) => d === alice.device.id,
    });
    expect(notified.map((e) => (e as { text: string }).text)).toEqual(['lunch at noon?']);
    // And the worker authorizes with the page's schema: a group admits Mallory's writes.
    const schema = policy.conversationSchemaFor(session.record, alice.identity.sign);
    expect(schema.admits(mallory.identity.sign)).toBe(true);
  });
});
