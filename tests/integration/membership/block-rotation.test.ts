/**
 * Blocking in a 1:1 starts a new epoch without the person blocked, and unblocking one that
 * seals them back in (docs/architecture.md §4.4), with real peers on the real stack: Node
 * clients over WebRTC (@roamhq/wrtc), the real server's signaling and SQLite mailbox.
 * While blocked, Bob stays a member and is told nothing (his conversation does not end),
 * but he holds no share of Alice's epoch, so what he sends goes to a mailbox she no longer
 * binds. After the unblock the new record reaches him through the mailbox of the epoch he
 * still sits on, and the two talk again.
 */
import { describe, expect, it } from 'vitest';
import { sessionTexts, useAppServer } from '../../helpers/use-app-server.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { openDirectChat } from '../../helpers/direct-chat.js';
import { waitUntil, type NodePeer } from '../../helpers/node-peer.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { mailboxPlaintexts } from '../../helpers/mailbox-plaintexts.js';
import { writeEpoch, writeOnlyUnder } from '../../helpers/hostile-epoch.js';

const app = useAppServer();

/** Has `session` read its neighbouring epochs' mailboxes until `done`, asking again every 5 s (a pull can fail under load). */
async function pullUntil(session: ConversationSession, done: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    session.reconnected();
    try {
      return await waitUntil(done, what, 5_000);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

/** Alice and Bob's 1:1 once Alice has blocked Bob and Bob's device has read her `blocked` record. */
async function blockedChat(peers: NodePeer[], sessions: Record<string, ConversationSession>, options: { laptopOf?: 'Bob' } = {}) {
  const chat = await openDirectChat(app.url, peers, options);
  const a = (sessions.alice = chat.alice.session(chat.topic));
  const b = (sessions.bob = chat.bob.session(chat.topic));
  await waitUntil(() => a.epoch === b.epoch && a.peerCount > 0, 'one epoch', 30_000);
  const before = a.epoch;
  await chat.alice.client.contacts.block(chat.bob.account.identity.sign);
  await waitUntil(() => a.epoch !== before, 'Alice to move to a new epoch', 30_000);
  const blocked = a.epoch;
  await chat.bob.client.syncMailboxes();
  await waitUntil(() => b.membership.state.current?.id === blocked, 'Bob to learn of the record through the old mailbox', 30_000);
  return { ...chat, a, b, blocked };
}

describe('blocking in a 1:1', () => {
  it('moves the chat to an epoch the blocked person holds no share of, tells them nothing, and unblocking seals them back in', async () => {
    await withPeers(async (peers, sessions) => {
      const { alice, bob, topic } = await openDirectChat(app.url, peers);
      const bobId = bob.account.identity.sign;
      const a = (sessions.alice = alice.session(topic));
      const b = (sessions.bob = bob.session(topic));
      await a.send('hello Bob');
      await waitUntil(() => sessionTexts(b).includes('hello Bob'), 'Bob to receive', 30_000);
      await waitUntil(() => a.epoch === b.epoch, 'one epoch', 30_000);
      const before = a.epoch;
      const oldMailbox = a.keys.mailboxToken;

      await alice.client.contacts.block(bobId);
      // The epoch and the keys in use move together, but a test can look between the two.
      await waitUntil(() => a.epoch !== before && a.keys.mailboxToken !== oldMailbox, 'Alice to move to a new epoch', 30_000);
      const blocked = a.membership.state.current!.record!;
      expect(blocked.reason).toBe('blocked');
      expect(Object.values(blocked.owners)).not.toContain(bobId);
      expect(Object.keys(blocked.owners)).toContain(alice.device);
      expect(a.keys.mailboxToken).not.toBe(oldMailbox);
      // Still a member: nothing ends on Bob's side, and no upkeep seals him back in.
      expect(a.membership.isMember(bobId)).toBe(true);
      await bob.client.syncMailboxes();
      await waitUntil(() => b.membership.state.current?.id === a.epoch, 'Bob to learn of the record through the old mailbox', 30_000);
      expect(b.ended).toBeNull();
      expect(b.epoch).toBe(before);
      await b.send('are you there?');
      await alice.client.syncMailboxes();
      expect(sessionTexts(a)).not.toContain('are you there?');
      expect(a.membership.state.current!.record!.reason).toBe('blocked');

      const whileBlocked = a.epoch;
      await alice.client.contacts.unblock(bobId);
      await waitUntil(() => a.epoch !== whileBlocked && b.epoch === a.epoch, 'Bob to be sealed back into a new epoch', 60_000);
      expect(a.membership.state.current!.record!.reason).toBe('unblocked');
      await a.send('welcome back');
      await waitUntil(() => sessionTexts(b).includes('welcome back'), 'Bob to receive after the unblock', 30_000);
      await b.send('thanks');
      await waitUntil(() => sessionTexts(a).includes('thanks'), 'Alice to receive after the unblock', 30_000);
    });
  }, 240_000);

  it("a blocked person's device revoking one of their own devices does not seal them back in", async () => {
    await withPeers(async (peers, sessions) => {
      const { alice, bob, laptop, a, blocked } = await blockedChat(peers, sessions, { laptopOf: 'Bob' });
      const bobId = bob.account.identity.sign;

      // Bob's phone revokes his laptop. It holds no share of the epoch Alice moved to: a
      // rotation from there would seal a share to every member, Bob included.
      await bob.client.revokeDevice(laptop!.device);
      await bob.client.syncMailboxes();
      await alice.client.syncMailboxes();
      await waitUntil(() => a.synced.directory.revocation(laptop!.device) !== null, "Alice to read the laptop's revocation", 60_000);
      const current = a.membership.state.current!;
      expect(current.id).toBe(blocked);
      expect(Object.values(current.record!.owners)).not.toContain(bobId);
      const byBob = [...a.membership.state.epochs.values()].filter((e) => e.writer === bobId && e.n > current.n - 1);
      expect(byBob).toEqual([]);
      expect(a.epoch).toBe(blocked);
    });
  }, 240_000);

  it("a blocked person's modified client cannot seal them back in: neither an epoch under the block nor a sibling of it moves the blocker", async () => {
    await withPeers(async (peers, sessions) => {
      const { alice, bob, a, b, blocked } = await blockedChat(peers, sessions);
      const bobId = bob.account.identity.sign;
      const blockedMailbox = a.keys.mailboxToken;

      // Bob's modified client writes what an honest one no longer does: a device-revoked
      // epoch under Alice's, and a sibling of hers under the epoch before, both sealed to
      // Alice and to himself. Later it writes, under each, a message only that epoch's mailbox gets.
      const under = await writeEpoch(b, { parents: [blocked], reason: 'device-revoked' });
      const parentsOfBlocked = [...a.membership.state.epochs.get(blocked)!.parents];
      const sibling = await writeEpoch(b, { parents: parentsOfBlocked, reason: 'weekly' });
      // And replaces Alice's record under its own id (any member may write any key of the
      // map): without her `blocked` record, nothing would hold the other two out.
      await writeEpoch(b, { parents: parentsOfBlocked, reason: 'weekly', replacing: blocked });
      expect(b.doc.getMap<{ by: string }>('epochs').get(blocked)!.by).toBe(bob.device);
      expect(Object.values(under.record.owners)).toEqual(expect.arrayContaining([bobId, alice.account.identity.sign]));
      for (const [name, hostile] of [['under', under], ['sibling', sibling]] as const) {
        await writeOnlyUnder(app.url, b, hostile.keys, `written under the ${name} epoch`);
        expect(await mailboxPlaintexts(app.url, hostile.keys)).toEqual(expect.arrayContaining([expect.stringContaining(`written under the ${name} epoch`)]));
      }
      await bob.client.syncMailboxes();

      // Alice reads the mailbox of the epoch she left (where Bob writes) as after any move.
      const epochs = a.doc.getMap('epochs');
      const replaced = (): boolean => (epochs.get(blocked) as { by: string } | undefined)?.by === bob.device;
      await pullUntil(a, () => epochs.has(under.record.id) && epochs.has(sibling.record.id) && replaced(), "Bob's records to reach Alice");
      await a.followEpochs();
      const state = a.membership.state;
      expect(state.current?.id).toBe(blocked);
      expect(state.current?.record?.by).toBe(alice.device);
      expect(state.epochs.has(under.record.id)).toBe(false);
      expect(state.epochs.has(sibling.record.id)).toBe(false);
      expect(a.epoch).toBe(blocked);
      expect(a.keys.mailboxToken).toBe(blockedMailbox);
      await alice.client.syncMailboxes();
      const texts = a.synced.log.readAll().flatMap((e) => (e.kind === 'message' ? [(e as { text: string }).text] : []));
      expect(texts.filter((t) => t.startsWith('written under the'))).toEqual([]);
      expect(a.epoch).toBe(blocked);

      // Unblocking still seals Bob back in: both meet on one epoch past the block.
      await alice.client.contacts.unblock(bobId);
      await waitUntil(() => a.epoch !== blocked && b.epoch === a.epoch, 'Alice and Bob to meet past the block', 60_000);
      expect(a.membership.state.blocked.size).toBe(0);
    });
  }, 240_000);
});
