/**
 * Concurrent removals on two sides of a partition converge to one epoch on every device
 * (docs/architecture.md §4.3), with real Node peers over WebRTC and the real server. Each
 * side reaches the server through its own TCP gateway; the partition cuts side B's gateway
 * (its devices lose the server, as when their network goes) and closes the links between
 * the sides, so nothing crosses while each side's admin removes someone from the other.
 * Then the gateway heals: every remaining device must end on one epoch, a fresh one, and
 * neither removed member may hold its secret or a share of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { describeMembership } from '../../helpers/membership-debug.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { joinEachSettled, NodePeer, waitUntil } from '../../helpers/node-peer.js';
import { TcpBalancer } from '../../helpers/tcp-balancer.js';
import * as Y from 'yjs';
import { deriveConversationKeys } from '../../../src/core/keys.js';
import { openShare } from '../../../src/core/membership/seal.js';
import { mailboxIdOf } from '../../../src/core/wire/mailbox.js';
import { MailboxClient } from '../../../src/net/mailbox-client.js';
import { MailboxCourier } from '../../../src/net/mailbox-courier.js';
import { MemoryMailboxStateStore } from '../../../src/store/mailbox-state.js';

/** On failure: what each head's mailbox holds, as Alice's and Bob's devices would read it. */
async function describeMailboxes(url: string, sessions: Record<string, ConversationSession>, peers: Record<string, NodePeer>): Promise<void> {
  const client = new MailboxClient(url);
  for (const name of ['Alice', 'Bob']) {
    const s = sessions[name]!;
    const account = peers[name]!.account;
    for (const epoch of s.membership.state.epochs.values()) {
      const share = epoch.record?.shares[account.device.id];
      if (!share || epoch.n < 6) continue;
      const secret = await openShare(account.dh!.at(-1)!.private, share, { conversation: s.id, epoch: epoch.id, device: account.device.id });
      const keys = await deriveConversationKeys(secret);
      const id = mailboxIdOf(keys.mailboxToken)!;
      const verdicts: string[] = [];
      const courier = new MailboxCourier({
        client, id, token: keys.mailboxToken, key: keys.mailboxKey, doc: new Y.Doc(),
        authorize: async (u) => {
          const v = await s.synced.authorizer.authorize(u);
          verdicts.push(v.ok ? 'ok' : `${v.reason}: ${v.detail}`);
          return v;
        },
        progress: new MemoryMailboxStateStore(),
      });
      const result = await courier.pull();
      console.log(`${name} reads mailbox of ${epoch.id}: applied ${result.applied} waiting ${result.waiting} skipped ${result.skipped}; ${verdicts.join(' | ')}`);
    }
  }
}

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
});

describe('concurrent removals across a partition', () => {
  it('converge to one fresh epoch on every remaining device, which neither removed member holds', async () => {
    const port = Number(new URL(app.url).port);
    const gateways = await Promise.all([TcpBalancer.start([port]), TcpBalancer.start([port])]);
    const [sideA, sideB] = gateways;
    const peers: NodePeer[] = [];
    const sessions: Record<string, ConversationSession> = {};
    try {
      const names = ['Alice', 'Carol', 'Erin', 'Bob', 'Dave', 'Frank'];
      const registered = await Promise.all(names.map((name, i) => NodePeer.register({ serverUrl: (i < 3 ? sideA! : sideB!).url, name, mailbox: true })));
      peers.push(...registered);
      const [alice, carol, erin, bob, dave, frank] = registered as [NodePeer, NodePeer, NodePeer, NodePeer, NodePeer, NodePeer];
      const group = await alice.client.createConversation('Partition');
      sessions.Alice = group;
      await joinEachSettled(group, sessions, [['Bob', bob], ['Carol', carol], ['Dave', dave], ['Erin', erin], ['Frank', frank]]);
      const all = Object.values(sessions);
      await group.changes.setRole(bob.account.identity.sign, 'admin');
      // The promotion starts an epoch too: wait until everyone is in the one it started.
      await waitUntil(
        () => all.every((s) => s.membership.isAdmin(bob.account.identity.sign) && s.epoch === s.membership.state.current?.id && s.epoch === group.epoch && s.peerCount === 5),
        'everyone to sync in one epoch with Bob an admin',
        90_000,
      );
      const start = group.epoch;

      // The partition: side B loses the server, and the links between the sides close.
      sideB!.cut();
      const a = [alice, carol, erin];
      const b = [bob, dave, frank];
      for (const x of a) for (const y of b) {
        x.mesh.disconnectDevice(y.device);
        y.mesh.disconnectDevice(x.device);
      }
      await waitUntil(() => a.every((x) => b.every((y) => x.linkTo(y.device) === null && y.linkTo(x.device) === null)), 'the links between the sides to close', 30_000);
      await waitUntil(() => b.every((y) => y.signaling.status !== 'connected'), 'side B to lose the server', 30_000);

      // Concurrently: Alice removes Dave on side A, Bob removes Carol on side B.
      await Promise.all([group.changes.remove(dave.account.identity.sign), sessions.Bob!.changes.remove(carol.account.identity.sign)]);
      await waitUntil(() => group.epoch !== start && sessions.Erin!.epoch === group.epoch, 'side A to move to its epoch', 30_000);
      // Frank may learn of it only after the partition heals: a link that went through the
      // server's relay (loaded machines fall back to it) went down with the gateway.
      await waitUntil(() => sessions.Bob!.epoch !== start, 'Bob to move to his epoch', 30_000);
      const forks = [group.epoch, sessions.Bob!.epoch];
      expect(forks[0]).not.toBe(forks[1]);

      // The partition heals; side B's devices notice their network is back.
      sideB!.heal();
      for (const y of b) y.client.networkOnline();
      const remaining = [sessions.Alice!, sessions.Erin!, sessions.Bob!, sessions.Frank!];
      await waitUntil(
        () => remaining.every((s) => s.epoch === remaining[0]!.epoch && !forks.includes(s.epoch) && s.membership.state.current?.id === s.epoch),
        'every remaining device to settle on one epoch after the fork',
        240_000,
      );
      const final = remaining[0]!.epoch;
      const record = group.membership.state.epochs.get(final)!.record!;
      expect(record.parents.length).toBeGreaterThan(0);
      // Nobody removed holds the final secret: no share was sealed to them, none was opened.
      expect(Object.keys(record.shares)).not.toContain(carol.device);
      expect(Object.keys(record.shares)).not.toContain(dave.device);
      for (const removed of [sessions.Carol!, sessions.Dave!]) {
        expect(removed.epochSecret(final)).toBeNull();
        expect(removed.epoch).not.toBe(final);
      }
      const members = [...group.membership.state.members.keys()].sort();
      expect(members).toEqual([alice, bob, erin, frank].map((p) => p.account.identity.sign).sort());
      // And they sync with each other there.
      await waitUntil(() => remaining.every((s) => s.peerCount === 3), 'the four to sync in the final epoch', 60_000);
    } catch (error) {
      console.log(describeMembership(sessions));
      await describeMailboxes(app.url, sessions, Object.fromEntries(peers.map((p) => [p.options.name, p]))).catch((e: unknown) => console.log('mailbox diagnosis failed', e));
      throw error;
    } finally {
      await Promise.all(peers.map((p) => p.destroy()));
      await Promise.all(gateways.map((g) => g.close()));
    }
  }, 420_000);
});
