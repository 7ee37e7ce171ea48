/**
 * Removing a member (docs/architecture.md §4.4), with real peers on the real stack: Node
 * clients over WebRTC (@roamhq/wrtc), the real server's signaling and SQLite mailbox.
 * After removal the removed member receives nothing new — peer to peer or through the
 * mailbox, even replaying the old epoch's token against the server — and nothing they
 * write afterwards is shown by anyone.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import * as Y from 'yjs';
import { createEvent } from '../../../src/core/events.js';
import { mailboxPlaintexts } from '../../helpers/mailbox-plaintexts.js';
import { describeMembership } from '../../helpers/membership-debug.js';
import { sessionTexts, useAppServer } from '../../helpers/use-app-server.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

const app = useAppServer();


describe('removing a member', () => {
  it('moves everyone else to a new epoch; the removed member gets nothing new and writes nothing anyone shows', async () => {
    const peers: NodePeer[] = [];
    try {
      const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true })));
      peers.push(alice!, bob!, carol!);
      const group = await alice!.client.createConversation('Trip');
      await group.send('before removal');
      const bobs = await bob!.join(group.inviteLink);
      const carols = await carol!.join(group.inviteLink);
      expect(bobs.id).toBe(group.id);
      await waitUntil(() => sessionTexts(bobs).includes('before removal') && sessionTexts(carols).includes('before removal'), 'history to reach the joiners', 30_000);
      await waitUntil(() => group.membership.isMember(carol!.account.identity.sign) && bobs.membership.isMember(carol!.account.identity.sign), 'Carol to be a member everywhere');
      expect(bobs.title).toBe('Trip');
      await waitUntil(() => group.peerCount === 2 && bobs.peerCount === 2 && carols.peerCount === 2, 'everyone to sync in the current epoch', 30_000);
      const oldKeys = carols.keys;
      const epochBefore = group.epoch;

      await group.changes.remove(carol!.account.identity.sign);
      await waitUntil(() => group.epoch !== epochBefore && bobs.epoch === group.epoch, 'Alice and Bob to move to the new epoch', 20_000);
      await waitUntil(() => carols.ended === 'removed', 'Carol to learn she was removed', 20_000);
      expect(group.keys.topic).not.toBe(oldKeys.topic);
      expect(group.keys.mailboxToken).not.toBe(oldKeys.mailboxToken);
      expect(carols.epoch).not.toBe(group.epoch);

      // Carol's session stays open on the old topic (an old tab): the others left it, so
      // her announces there find nobody, and nobody's links to her carry the new epoch.
      await waitUntil(() => carols.peerCount === 0, 'the others to leave Carol on the old topic', 20_000);

      // New messages reach Bob, never Carol.
      await group.send('after removal');
      await waitUntil(() => sessionTexts(bobs).includes('after removal'), 'Bob to receive the message', 20_000);
      // Not a pause: the message is in the new epoch's mailbox (Alice's mailbox write of it
      // has gone out), and Carol, with no link to anyone, has read every mailbox she reads.
      await expect.poll(async () => (await mailboxPlaintexts(app.url, group.keys)).some((plain) => plain.includes('after removal')), { timeout: 20_000 }).toBe(true);
      await carol!.client.syncMailboxes();
      expect(sessionTexts(carols)).not.toContain('after removal');
      expect(carols.peerCount).toBe(0);

      // Replaying the old token against the server: only what was there before.
      for (const plain of await mailboxPlaintexts(app.url, oldKeys)) expect(plain).not.toContain('after removal');

      // Carol writes anyway, and her write reaches Bob relayed (as through a member who had
      // not heard of the removal yet): it passes the update checks, but nobody shows it.
      const carolDoc = carols.synced;
      await carolDoc.writer.appendEvents([createEvent({ kind: 'message', text: 'written after removal' }, carol!.device, Date.now())], Symbol('hostile'));
      const relayed = Y.encodeStateAsUpdate(carolDoc.doc, Y.encodeStateVector(bobs.doc));
      const verdict = await bobs.synced.policy.authorize(relayed);
      if (verdict.ok) Y.applyUpdate(bobs.doc, relayed, 'relay');
      expect(sessionTexts(bobs)).not.toContain('written after removal');
      expect(sessionTexts(group)).not.toContain('written after removal');
      expect(sessionTexts(bobs)).toContain('before removal');
    } catch (error) {
      const sessions = Object.fromEntries(peers.map((p) => [p.options.name, p.client.list()[0] ? p.client.get(p.client.list()[0]!.id)! : null]).filter(([, s]) => s)) as Record<string, ConversationSession>;
      console.log(describeMembership(sessions));
      throw error;
    } finally {
      await Promise.all(peers.map((p) => p.destroy()));
    }
  });
});
