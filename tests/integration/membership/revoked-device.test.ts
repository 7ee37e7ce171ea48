/**
 * A revoked device as an attacker (docs/architecture.md §4.4), with real peers on the real
 * stack: Node clients over WebRTC (@roamhq/wrtc), the real server's signaling and SQLite
 * mailbox. Alice's laptop is linked, follows a group, and is revoked; it keeps everything it
 * held (keys, the old epoch's secret and mailbox token, its copy of the document) and
 * replays them. It reads nothing written after the revocation, nothing it writes is shown
 * by anyone, and a group created later refuses it, even with a leaked invite link.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ClientError } from '../../../src/client/errors.js';
import { createEvent } from '../../../src/core/events.js';
import { mailboxIdOf } from '../../../src/core/wire/mailbox.js';
import { sessionTexts, useAppServer } from '../../helpers/use-app-server.js';
import { mailboxPlaintexts } from '../../helpers/mailbox-plaintexts.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { NodePeer, onCurrentEpoch, waitUntil } from '../../helpers/node-peer.js';

const app = useAppServer();

const SECRET = 'new supplier is ACME, price 1.2M — do not share';

describe('a revoked device', () => {
  it('reads nothing new from the mailbox, writes nothing anyone shows, and is refused by a group created later', async () => {
    await withPeers(async (peers, sessions) => {
      const alice = await NodePeer.register({ serverUrl: app.url, name: 'Alice', mailbox: true });
      const bob = await NodePeer.register({ serverUrl: app.url, name: 'Bob', mailbox: true });
      peers.push(alice, bob);
      const laptop = await NodePeer.linkTo(alice, { serverUrl: app.url, name: 'Alice', mailbox: true });
      peers.push(laptop);
      expect(laptop.account.identity.sign).toBe(alice.account.identity.sign);

      const group = await alice.client.createConversation('Board');
      sessions.alice = group;
      await group.send('before revocation');
      const bobs = await bob.join(group.inviteLink);
      sessions.bob = bobs;
      // The laptop learns of the group through Alice's self doc and a key handoff.
      await waitUntil(() => laptop.client.get(group.id)?.ready === true, 'the laptop to open the group', 60_000);
      const laptops = laptop.session(group.id);
      sessions.laptop = laptops;
      await waitUntil(() => sessionTexts(laptops).includes('before revocation'), 'the laptop to read the history', 60_000);
      // What the laptop will keep once revoked: the keys of the epoch everyone is on (sealed
      // to it, or handed over by Alice's phone when her add was written before the laptop
      // appeared in the group).
      const before = await onCurrentEpoch(group, [group, bobs, laptops], 'everyone on one epoch, with its keys', { timeoutMs: 60_000 });
      const held = laptops.keys;

      await alice.client.revokeDevice(laptop.device);
      // Named by its record, not "the epoch changed": another move (a sibling add settling)
      // may come first, and the keys follow the epoch only once the move is done.
      const current = await onCurrentEpoch(group, [group, bobs], 'Alice and Bob on an epoch without the laptop, with its keys', {
        record: (r) => r.id !== before.id && r.shares[laptop.device] === undefined,
      });
      expect(Object.keys(current.shares)).toContain(alice.device);
      expect(bobs.synced.directory.revocation(laptop.device)).not.toBeNull();
      expect(group.keys.mailboxToken).not.toBe(held.mailboxToken);
      expect(group.keys.topic).not.toBe(held.topic);

      // Written after the revocation, kept in the new epoch's mailbox as well as sent to Bob.
      await group.send(SECRET);
      await waitUntil(() => sessionTexts(bobs).includes(SECRET), 'Bob to receive the message', 30_000);
      await waitUntil(() => (group.mailboxCredential?.id ?? '') !== '' && group.mailboxCredential!.id !== mailboxIdOf(held.mailboxToken), 'the new mailbox binding');

      // The laptop, left open, pulls its mailbox: nothing new.
      await laptop.client.syncMailboxes();
      expect(sessionTexts(laptops)).not.toContain(SECRET);
      // Replaying the old token and key against the server by hand: only what was there before.
      for (const plain of await mailboxPlaintexts(app.url, held)) expect(plain).not.toContain('ACME');

      // The laptop writes anyway, and the write reaches Bob relayed (as through a peer that
      // had not seen the revocation yet): nobody shows it, and the history stays.
      await laptops.synced.writer.appendEvents([createEvent({ kind: 'message', text: 'written by the revoked laptop' }, laptop.device, Date.now())], Symbol('hostile'));
      const relayed = Y.encodeStateAsUpdate(laptops.doc, Y.encodeStateVector(bobs.doc));
      const verdict = await bobs.synced.policy.authorize(relayed);
      if (verdict.ok) Y.applyUpdate(bobs.doc, relayed, 'relay');
      await group.send('after the relayed write');
      await waitUntil(() => sessionTexts(bobs).includes('after the relayed write'), 'Bob to keep receiving', 30_000);
      expect(sessionTexts(bobs)).not.toContain('written by the revoked laptop');
      expect(sessionTexts(group)).not.toContain('written by the revoked laptop');
      expect(sessionTexts(bobs)).toContain('before revocation');

      // A group Alice creates after the revocation carries it from the start, and an invite
      // link that leaked to the laptop is refused, as if it opened no group at all.
      const later = await alice.client.createConversation('Later');
      sessions.later = later;
      await waitUntil(() => later.synced.directory.revocation(laptop.device) !== null, 'the new group to carry the revocation');
      const bobsLater = await bob.join(later.inviteLink);
      await waitUntil(() => bobsLater.synced.directory.revocation(laptop.device) !== null, 'Bob to hold the revocation in the later group', 30_000);
      const refused = await laptop.client.join(later.inviteLink).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(ClientError);
      expect((refused as ClientError).code).toBe('invite-unknown');
      // Nor does it reach the laptop through Alice's self doc: no key is handed to it.
      await bobsLater.send('in the later group');
      await waitUntil(() => sessionTexts(later).includes('in the later group'), 'Alice to receive in the later group', 30_000);
      expect(laptop.client.get(later.id)).toBeUndefined();
      expect(later.membership.state.current?.record?.shares[laptop.device]).toBeUndefined();
    });
  }, 240_000);
});
