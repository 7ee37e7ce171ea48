/**
 * "Someone you blocked sees Sent, never Delivered" (docs/architecture.md §7.5, §4.4, §8.2),
 * with real peers on the real stack: Node clients over WebRTC (@roamhq/wrtc), the real
 * server's signaling and SQLite mailbox.
 *
 * Who sees what: Bob is the person blocked, Alice the blocker. Bob's own view of his
 * message says Delivered once any device of another member says it holds it: a live link's
 * ack, or a receipt record (`got`, the newest of others' messages the device holds).
 * Nothing Alice's device does after the block may say so for what Bob sends: her device is
 * not linked to his, and her receipts count only what she is shown. In a 1:1 the chat also
 * moved to an epoch he holds no share of, so he cannot read what she writes after the block;
 * in a group of the two of them his message surely reaches her (blocking only hides there)
 * and he reads what she writes, so there her receipts alone keep it from him. Each case
 * first shows the same view saying Delivered before the block, then takes several of
 * Alice's receipt rounds, each followed by her record as it stands once every write of it
 * queued so far is done (no pause: the interval is 0, so a round's write is queued at once).
 * Bob's view is then read after an event that comes after everything those rounds wrote:
 * in the group, a message Alice sends after them reaching him; in the 1:1, where he can read
 * nothing she writes after the block, his read of the mailbox.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { updateReadRecord, type ReadRecord } from '../../../src/client/conversation/receipts.js';
import type { EventId, Topic } from '../../../src/core/ids.js';
import { sessionTexts, useAppServer } from '../../helpers/use-app-server.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

const app = useAppServer();

/** The receipt interval of both peers: none, so a look at the chat writes its receipt at once. */
const RECEIPT_EVERY_MS = 0;
const ROUNDS = 4;

/** Whether the sender's own view says a device of another member holds its message. */
function delivered(session: ConversationSession, id: EventId): boolean {
  const entry = session.timeline.entries.find((e) => e.id === id);
  if (!entry) throw new Error(`message ${id} is not in the sender's timeline`);
  return session.receiptsOf(entry).delivered;
}

/** Alice and Bob, contacts (so Alice can block Bob), with their 1:1 open on both sides. */
async function contacts(peers: NodePeer[]): Promise<{ alice: NodePeer; bob: NodePeer; direct: Topic }> {
  const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true, receiptEveryMs: RECEIPT_EVERY_MS })));
  peers.push(alice!, bob!);
  const bobId = bob!.account.identity.sign;
  await bob!.client.contacts.add(alice!.client.contacts.link);
  await waitUntil(() => alice!.client.contacts.get(bobId)?.state === 'incoming', "Alice to get Bob's request", 30_000);
  await alice!.client.contacts.accept(bobId);
  const direct = alice!.client.contacts.get(bobId)!.topic as Topic;
  await waitUntil(() => bob!.client.get(direct)?.ready === true, 'Bob to open the chat', 60_000);
  return { alice: alice!, bob: bob!, direct };
}

/** Bob sends, and his view says Delivered: the view the test watches can say it. */
async function deliveredBeforeTheBlock(alice: NodePeer, a: ConversationSession, b: ConversationSession): Promise<EventId> {
  alice.client.viewing(a.id);
  const id = await b.send('before the block');
  await waitUntil(() => sessionTexts(a).includes('before the block'), 'Alice to receive before the block', 30_000);
  await waitUntil(() => delivered(b, id), 'Bob to see his message Delivered before the block', 30_000);
  return id;
}

/**
 * Alice's device's record in `reads` once every write of it queued so far is done: writes
 * of it are queued per document (receipts.ts), and one that changes nothing runs after them.
 */
async function recordOf(peer: NodePeer, session: ConversationSession): Promise<ReadRecord | undefined> {
  const device = peer.account.device.id;
  await updateReadRecord(session.synced, device, () => null, Date.now, null);
  return session.synced.doc.getMap<ReadRecord>('reads').get(device);
}

/**
 * Alice's device takes several receipt rounds (it reads the mailbox, and the chat is looked
 * at again, which writes a receipt): after each, her record covers nothing as new as `after`.
 */
async function receiptRounds(alice: NodePeer, a: ConversationSession, b: ConversationSession, after: EventId): Promise<void> {
  const sortAt = b.timeline.entries.find((e) => e.id === after)!.sortAt;
  for (let round = 0; round < ROUNDS; round++) {
    await alice.client.syncMailboxes();
    alice.client.viewing(null);
    alice.client.viewing(a.id);
    const record = await recordOf(alice, a);
    expect(Math.max(record?.got ?? 0, record?.upTo ?? 0), `round ${round}`).toBeLessThan(sortAt);
  }
}

describe('receipts to someone you blocked', () => {
  it('in a 1:1, what the person blocked sends shows Sent, never Delivered', async () => {
    await withPeers(async (peers, sessions) => {
      const { alice, bob, direct } = await contacts(peers);
      const a = (sessions.alice = alice.session(direct));
      const b = (sessions.bob = bob.session(direct));
      await waitUntil(() => a.epoch === b.epoch, 'one epoch', 30_000);
      const before = await deliveredBeforeTheBlock(alice, a, b);

      const epoch = a.epoch;
      await alice.client.contacts.block(bob.account.identity.sign);
      await waitUntil(() => a.epoch !== epoch, 'Alice to move to a new epoch', 30_000);
      await bob.client.syncMailboxes();
      await waitUntil(() => b.membership.state.current?.id === a.epoch, 'Bob to learn of the record through the old mailbox', 30_000);
      expect(b.ended).toBeNull();

      // His message may still reach her device, hidden: she watches the mailbox of the epoch
      // she left for stragglers. Either way her receipts must not count it.
      const after = await b.send('are you there?');
      await waitUntil(() => b.deliveryState(after) === 'sent', 'the mailbox to take it: Sent', 30_000);
      await receiptRounds(alice, a, b, after);
      // He reads nothing she writes after the block: the last thing that could tell him is
      // the mailbox of the epoch she left, read through after her rounds.
      await bob.client.syncMailboxes();
      expect(b.deliveryState(after)).toBe('sent');
      expect(delivered(b, after)).toBe(false);
      expect(delivered(b, before)).toBe(true);
      expect(sessionTexts(a)).not.toContain('are you there?');
    });
  }, 240_000);

  it('in a group of the two, where his message does reach her hidden, it shows Sent, never Delivered', async () => {
    await withPeers(async (peers, sessions) => {
      const { alice, bob } = await contacts(peers);
      const a = (sessions.alice = await alice.client.createConversation('Two of us'));
      const b = (sessions.bob = await bob.join(a.inviteLink));
      await waitUntil(() => a.membership.isMember(bob.account.identity.sign) && b.membership.isMember(bob.account.identity.sign), 'Bob to be a member', 30_000);
      const before = await deliveredBeforeTheBlock(alice, a, b);

      await alice.client.contacts.block(bob.account.identity.sign);
      await waitUntil(() => a.peerCount === 0 && b.peerCount === 0, 'Alice to drop the link to Bob', 30_000);
      const after = await b.send('are you there?');
      await waitUntil(() => b.deliveryState(after) === 'sent', 'the mailbox to take it: Sent', 30_000);
      await alice.client.syncMailboxes();
      // Her device holds it (hidden): only her receipts can keep it from him.
      await waitUntil(() => a.blockedTimeline.entries.some((e) => e.id === after), 'Alice to hold his message, hidden', 30_000);
      expect(sessionTexts(a)).not.toContain('are you there?');
      // What she writes still reaches him: the receipts would too.
      await a.send('still here');
      await bob.client.syncMailboxes();
      await waitUntil(() => sessionTexts(b).includes('still here'), "Bob to receive Alice's later message", 30_000);

      await receiptRounds(alice, a, b, after);
      // Written after every receipt of her rounds: once it reaches him (one device's writes
      // are applied in the order written), so has any of them.
      await a.send('after her rounds');
      await bob.client.syncMailboxes();
      await waitUntil(() => sessionTexts(b).includes('after her rounds'), "Bob to receive Alice's message sent after her rounds", 30_000);
      expect(b.deliveryState(after)).toBe('sent');
      expect(delivered(b, after)).toBe(false);
      expect(delivered(b, before)).toBe(true);
    });
  }, 240_000);
});
