/**
 * A device on a losing sibling epoch learns of the one that won (docs/architecture.md §4.3,
 * "How the two sides find each other"), with real Node peers over WebRTC and the real server.
 *
 * In one CI run of the partition test, three merges of the same fork were written; the one
 * that won was written by a device that had already moved onto another merge before its
 * own landed, so it handed its record to that sibling's mailbox. Bob, on the third merge,
 * read only his epoch's parents and the one he left, never the sibling's mailbox: he sat
 * alone on his merge for the whole 240 s. Here the same shape is made on purpose, with
 * rotations (any concurrent records of the same parents do it): Carol, cut off, rotates;
 * Alice rotates; Bob's rotation, begun before Alice's reached him, lands after he moved to
 * hers. The ids are chosen so that Bob's wins and Carol's stays ahead of Alice's for her
 * (the race picks them at random); everything else is the honest client's doing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { describeMembership } from '../../helpers/membership-debug.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { writeEpoch } from '../../helpers/hostile-epoch.js';
import { joinEachSettled, NodePeer, waitUntil } from '../../helpers/node-peer.js';
import { TcpBalancer } from '../../helpers/tcp-balancer.js';

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
});

describe('sibling epochs', () => {
  it('a device left on a losing sibling finds the winner that was handed only to another sibling’s mailbox', async () => {
    const gateway = await TcpBalancer.start([Number(new URL(app.url).port)]);
    const peers: NodePeer[] = [];
    const sessions: Record<string, ConversationSession> = {};
    try {
      const [alice, bob, carol] = await Promise.all([
        NodePeer.register({ serverUrl: app.url, name: 'Alice', mailbox: true }),
        NodePeer.register({ serverUrl: app.url, name: 'Bob', mailbox: true }),
        NodePeer.register({ serverUrl: gateway.url, name: 'Carol', mailbox: true }),
      ]);
      peers.push(alice!, bob!, carol!);
      const group = await alice!.client.createConversation('Siblings');
      sessions.Alice = group;
      await joinEachSettled(group, sessions, [['Bob', bob!], ['Carol', carol!]]);
      const { Bob: bobs, Carol: carols } = sessions as Record<'Bob' | 'Carol', ConversationSession>;
      const start = group.epoch;
      const depth = group.membership.state.epochs.get(start)!.n + 1;

      // Carol loses the network; her links to the others close.
      gateway.cut();
      for (const x of [alice!, bob!]) {
        x.mesh.disconnectDevice(carol!.device);
        carol!.mesh.disconnectDevice(x.device);
      }
      await waitUntil(() => [alice!, bob!].every((x) => x.linkTo(carol!.device) === null && carol!.linkTo(x.device) === null), 'the links to Carol to close', 30_000);
      await waitUntil(() => carol!.signaling.status !== 'connected', 'Carol to lose the server', 30_000);

      // Carol rotates while cut off: her record waits to be handed to the old mailbox.
      const mine = await carols.changes.rotate('weekly');
      await waitUntil(() => carols.epoch === mine.id, 'Carol to move to her rotation', 30_000);
      // Alice rotates (under the highest id there is): she hands it to the old mailbox and
      // moves, Bob with her.
      const hers = await writeEpoch(group, { parents: [start], reason: 'weekly', id: `e${depth}-${'z'.repeat(12)}` });
      await waitUntil(() => [group, bobs].every((s) => s.epoch === hers.record.id), 'Alice and Bob to move to her rotation', 30_000);
      // Bob's rotation, begun before Alice's reached him, lands now (under the lowest id):
      // he moves to it from hers and so hands it to her epoch's mailbox, not the old one.
      const winner = await writeEpoch(bobs, { parents: [start], reason: 'weekly', id: `e${depth}-${'-'.repeat(12)}` });
      await waitUntil(() => [group, bobs].every((s) => s.epoch === winner.record.id && s.peerCount === 1), 'Alice and Bob to move to his rotation', 30_000);
      expect(mine.id > winner.record.id && mine.id < hers.record.id).toBe(true);

      // Carol's network comes back: her record reaches the old mailbox, where she finds
      // Alice's; hers stays ahead of it, and Bob's was handed only to Alice's epoch's mailbox.
      gateway.heal();
      carol!.client.networkOnline();
      await waitUntil(() => carols.membership.state.epochs.has(hers.record.id), 'Carol to learn of Alice’s rotation', 60_000);
      await waitUntil(
        () => [group, bobs, carols].every((s) => s.epoch === winner.record.id && s.membership.state.current?.id === winner.record.id),
        'Carol to move to Bob’s rotation too',
        60_000,
      );
      await waitUntil(() => [group, bobs, carols].every((s) => s.peerCount === 2), 'the three to sync there', 60_000);
    } catch (error) {
      console.log(describeMembership(sessions));
      throw error;
    } finally {
      await Promise.all(peers.map((p) => p.destroy()));
      await gateway.close();
    }
  }, 300_000);
});
