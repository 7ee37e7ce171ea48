/**
 * An unblock made on a device that had not yet received the `blocked` record (docs/
 * architecture.md §4.4), with real peers: Node clients over WebRTC (@roamhq/wrtc), the real
 * server's signaling and SQLite mailbox. Alice blocks Bob on her phone while her laptop is
 * offline; the laptop has her self doc (so it shows Bob blocked) but not the conversation's
 * `blocked` record, and she unblocks there. The laptop's `unblocked` record does not descend
 * from the block, so the fold ignores it; what the user decided must still win: once the
 * records meet, a device of Alice's writes the unblock on top of the block, and Alice and
 * Bob talk again.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { sessionTexts, useAppServer } from '../../helpers/use-app-server.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { openDirectChat } from '../../helpers/direct-chat.js';
import { waitUntil, type NodePeer } from '../../helpers/node-peer.js';
import { TcpBalancer } from '../../helpers/tcp-balancer.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';

const app = useAppServer();

/** Asks `peers` to read their mailboxes and neighbouring epochs until `done` (a pull can fail under load). */
async function pullUntil(peers: NodePeer[], sessions: ConversationSession[], done: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const s of sessions) s.reconnected();
    await Promise.all(peers.map((p) => p.client.syncMailboxes().catch(() => undefined)));
    try {
      return await waitUntil(done, what, 5_000);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

describe('an unblock made before the block arrived', () => {
  it('is carried out on top of the block once the records meet: Alice and Bob talk again', async () => {
    const gateway = await TcpBalancer.start([Number(new URL(app.url).port)]);
    try {
      await withPeers(async (peers, sessions) => {
        const { alice, bob, laptop, topic } = await openDirectChat(app.url, peers, { laptopOf: 'Alice', laptopUrl: gateway.url });
        const bobId = bob.account.identity.sign;
        const a = (sessions.phone = alice.session(topic));
        const b = (sessions.bob = bob.session(topic));
        const l = (sessions.laptop = laptop!.session(topic));
        await waitUntil(() => a.epoch === b.epoch && l.epoch === a.epoch && a.peerCount === 2, 'one epoch on all three devices', 60_000);
        const before = a.epoch;

        // The laptop's network goes: no server, no links.
        gateway.cut();
        for (const other of [alice, bob]) {
          laptop!.mesh.disconnectDevice(other.device);
          other.mesh.disconnectDevice(laptop!.device);
        }
        await waitUntil(() => laptop!.signaling.status !== 'connected' && laptop!.links().every((x) => !x.link.isOpen), 'the laptop to go offline', 30_000);

        await alice.client.contacts.block(bobId);
        await waitUntil(() => a.epoch !== before, 'the phone to move to its blocked epoch', 30_000);
        const blocked = a.epoch;
        expect(a.membership.state.current!.record!.reason).toBe('blocked');
        await bob.client.syncMailboxes();
        await waitUntil(() => b.membership.state.current?.id === blocked, 'Bob to learn of the record through the old mailbox', 30_000);

        // The self doc reached the laptop just before its network went, the conversation's
        // record did not: the test hands it the phone's self doc through the laptop's own
        // authorizer, as a peer would.
        const phoneSelf = alice.client.self!.synced;
        const laptopSelf = laptop!.client.self!.synced;
        const update = Y.encodeStateAsUpdate(phoneSelf.doc, Y.encodeStateVector(laptopSelf.doc));
        expect(await laptopSelf.authorizer.authorize(update)).toMatchObject({ ok: true });
        Y.applyUpdate(laptopSelf.doc, update, 'remote');
        expect(laptop!.client.contacts.isBlocked(bobId)).toBe(true);
        expect(l.membership.state.epochs.has(blocked)).toBe(false);

        // Alice unblocks on the laptop: its record follows the epoch before the block.
        await laptop!.client.contacts.unblock(bobId);
        await waitUntil(() => l.membership.state.current?.record?.reason === 'unblocked', 'the laptop to write its unblock', 30_000);
        const unaware = l.membership.state.current!;
        expect(unaware.parents).toEqual([before]);

        // The network comes back. The laptop's unblock lifts nothing (it does not descend from
        // the block); a device of Alice's writes one that does.
        gateway.heal();
        laptop!.client.networkOnline();
        const all = [alice, bob, laptop!];
        await pullUntil(
          all,
          [a, b, l],
          () => a.epoch !== blocked && a.epoch === b.epoch && a.membership.state.blocked.size === 0 && b.membership.state.current?.id === b.epoch,
          'Alice and Bob to meet on an epoch past the block',
        );
        const state = a.membership.state;
        expect(state.epochs.has(unaware.id)).toBe(false);
        expect(state.unlifted).toEqual([]);
        const unblocks = [...state.epochs.values()].filter((e) => e.record?.reason === 'unblocked' && e.parents.includes(blocked));
        expect(unblocks.length).toBeGreaterThan(0);
        // The phone shows what the laptop decided once its self doc has it.
        await waitUntil(() => !alice.client.contacts.isBlocked(bobId), "the laptop's unblock to reach the phone's self doc", 60_000);

        await a.send('back from the laptop');
        await waitUntil(() => sessionTexts(b).includes('back from the laptop'), 'Bob to receive after the unblock', 60_000);
        await b.send('glad to hear');
        await waitUntil(() => sessionTexts(a).includes('glad to hear'), 'the phone to receive from Bob', 60_000);
        // Each of Alice's devices answered the block at most once: nothing wrote unblocks in a loop.
        const written = new Map<string, number>();
        for (const e of a.membership.state.epochs.values()) {
          if (e.record?.reason === 'unblocked' && e.id !== unaware.id) written.set(e.record.by, (written.get(e.record.by) ?? 0) + 1);
        }
        expect([...written.keys()].every((device) => device === alice.device || device === laptop!.device)).toBe(true);
        expect([...written.values()].every((n) => n === 1)).toBe(true);
        expect(written.size).toBeLessThanOrEqual(2);
      });
    } finally {
      await gateway.close();
    }
  }, 300_000);
});
