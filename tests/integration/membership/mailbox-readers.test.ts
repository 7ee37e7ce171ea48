/**
 * The shared mailbox-readers check (`core/membership/mailbox-readers.ts`) as the epoch
 * follower applies it, end to end (docs/architecture.md §4.4): Node clients over WebRTC
 * (@roamhq/wrtc), the real server's signaling and SQLite mailbox.
 *
 * Alice (phone and laptop) blocks Bob in their 1:1, so he stays on the epoch before, which
 * the laptop held a share of too. While Bob is blocked, Alice revokes her laptop; it keeps
 * its keys. When she unblocks, her phone would hand what it holds to the mailbox Bob still
 * reads — but the revoked laptop reads that mailbox too, so it must not: what Alice wrote
 * while Bob was blocked never reaches it. With the check skipped, the laptop reads it there.
 */
import { describe, expect, it } from 'vitest';
import { mailboxIdOf } from '../../../src/core/wire/mailbox.js';
import { mailboxPlaintexts } from '../../helpers/mailbox-plaintexts.js';
import { sessionTexts, useAppServer } from '../../helpers/use-app-server.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { openDirectChat } from '../../helpers/direct-chat.js';
import { onCurrentEpoch, waitUntil } from '../../helpers/node-peer.js';

const app = useAppServer();

const WHILE_BLOCKED = 'written while Bob was blocked: the new locks arrive Tuesday';

describe('the mailbox readers of an epoch, as the epoch follower checks them', () => {
  it('a device revoked during a block is not handed what was written since, when the block ends', async () => {
    await withPeers(async (peers, sessions) => {
      const chat = await openDirectChat(app.url, peers, { laptopOf: 'Alice' });
      const { alice, bob, topic } = chat;
      const laptop = chat.laptop!;
      const bobId = bob.account.identity.sign;
      const a = (sessions.alice = alice.session(topic));
      const b = (sessions.bob = bob.session(topic));
      const l = (sessions.laptop = laptop.session(topic));
      // An epoch with a record (a 1:1 starts on an implicit one) that sealed a share to each
      // of the three devices: its readers are what the check judges.
      await waitUntil(() => a.epoch === b.epoch && l.epoch === a.epoch && a.synced.directory.member(laptop.device) !== null, 'all three in the first epoch, the laptop known to Alice', 60_000);
      await a.changes.rotate('weekly');
      const devices = [alice.device, bob.device, laptop.device];
      // The keys too, not only the epoch: the laptop's keys below must be this epoch's.
      await onCurrentEpoch(a, [a, b, l], 'one epoch with a share for each device', {
        record: (r) => devices.every((d) => r.shares[d] !== undefined),
        timeoutMs: 60_000,
      });
      await a.send('hello Bob');
      await waitUntil(() => sessionTexts(b).includes('hello Bob') && sessionTexts(l).includes('hello Bob'), 'Bob and the laptop to receive', 30_000);
      const shared = a.epoch;
      const held = l.keys;

      await alice.client.contacts.block(bobId);
      await waitUntil(() => a.epoch !== shared && l.epoch === a.epoch, "Alice's devices to move to an epoch without Bob", 30_000);
      expect(a.membership.state.current!.record!.reason).toBe('blocked');
      expect(b.epoch).toBe(shared);

      // Alice's phone revokes the laptop and rotates (still without Bob).
      const blocked = a.epoch;
      await alice.client.revokeDevice(laptop.device);
      await waitUntil(() => a.epoch !== blocked, 'Alice to rotate after the revocation', 30_000);
      const rotated = a.membership.state.current!.record!;
      expect(Object.keys(rotated.owners)).toEqual([alice.device]);
      expect(a.synced.directory.revocation(laptop.device)).not.toBeNull();

      await a.send(WHILE_BLOCKED);
      const whileBlocked = a.epoch;
      await alice.client.contacts.unblock(bobId);
      // Her keys are read below: wait for the unblocking epoch's, not only for the epoch.
      const unblocking = await onCurrentEpoch(a, [a], 'Alice to write the unblocking epoch', { record: (r) => r.id !== whileBlocked });
      expect(unblocking.reason).toBe('unblocked');

      // Alice hands the record over at the move, before she reports the new epoch: its
      // append is on its way before this test sees the move, and her mailbox round trip
      // below (a read, then an append) goes to the server after it. What she writes at once
      // after the unblock — while that hand-over may still be on its way — reaches the new
      // mailbox (docs/architecture.md §7.2, "Moving to a new epoch's mailbox").
      await a.send('after the unblock');
      await waitUntil(() => a.mailboxCredential?.id === mailboxIdOf(a.keys.mailboxToken) && a.mailbox !== null, "Alice's binding to the new mailbox", 30_000);
      await alice.client.syncMailboxes();
      expect((await mailboxPlaintexts(app.url, a.keys)).some((t) => t.includes('after the unblock'))).toBe(true);
      // The laptop, revoked but holding the shared epoch's keys, reads its mailbox.
      const texts = await mailboxPlaintexts(app.url, held);
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.filter((t) => t.includes('the new locks'))).toEqual([]);
    });
  }, 240_000);
});
