/**
 * Device certificates expire and are renewed silently (docs/architecture.md §4.8), on the
 * real stack: Node clients over WebRTC (@roamhq/wrtc), the real server's signaling and
 * SQLite mailbox, one fake clock for all of them (no real waiting). Alice's laptop is a
 * linked device: it asks for a renewal in her self doc, her first device answers, and the
 * laptop goes on writing past the end of its first certificate without anyone doing
 * anything. Later, with Alice's first device gone, the laptop's certificate runs out: its
 * own writer refuses, a write forced past that is refused by Bob, and everything it wrote
 * while valid stays.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createEvent } from '../../../src/core/events.js';
import { CertificateExpiredError, certificateEnd, type DeviceCertificate } from '../../../src/core/identity/certificate.js';
import { canonicalBytes, Domains } from '../../../src/core/identity/canonical.js';
import { signBytes } from '../../../src/core/identity/keys.js';
import { sessionTexts, useAppServer } from '../../helpers/use-app-server.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

const app = useAppServer();
const DAY = 24 * 60 * 60 * 1000;

describe('device certificate renewal', () => {
  it('a linked device is renewed silently through the self doc, and once expired its new writes are refused while its history stays', async () => {
    let clock = Date.now();
    const now = (): number => clock;
    await withPeers(async (peers, sessions) => {
      const alice = await NodePeer.register({ serverUrl: app.url, name: 'Alice', mailbox: true, now });
      const bob = await NodePeer.register({ serverUrl: app.url, name: 'Bob', mailbox: true, now });
      peers.push(alice, bob);
      const laptop = await NodePeer.linkTo(alice, { serverUrl: app.url, name: 'Alice', mailbox: true, now });
      peers.push(laptop);
      const firstEnd = certificateEnd(laptop.account.cert);
      expect(firstEnd).toBe(clock + 30 * DAY);

      const group = await alice.client.createConversation('Board');
      sessions.alice = group;
      const bobs = await bob.join(group.inviteLink);
      sessions.bob = bobs;
      await waitUntil(() => laptop.client.get(group.id)?.ready === true, 'the laptop to open the group', 60_000);
      const laptops = laptop.session(group.id);
      sessions.laptop = laptops;
      await laptops.send('from the laptop, in time');
      await waitUntil(() => sessionTexts(bobs).includes('from the laptop, in time'), 'Bob to receive the laptop', 60_000);

      // Sixteen days on, less than half the certificate is left. The hourly check runs on
      // each device (the clock here is fake, so the test runs it); nobody does anything else.
      clock += 16 * DAY;
      await Promise.all([alice, bob, laptop].map((p) => p.client.renewCertificates()));
      await waitUntil(() => certificateEnd(laptop.account.cert) > firstEnd, 'the laptop to adopt a renewed certificate', 60_000);
      const renewedEnd = certificateEnd(laptop.account.cert);
      expect(renewedEnd).toBe(clock + 30 * DAY);
      expect(laptop.account.cert.identity.sign).toBe(alice.account.identity.sign);
      await waitUntil(() => bobs.synced.directory.certEnd(laptop.device) === renewedEnd, 'Bob to hold the laptop’s renewed certificate', 60_000);

      // Past the end of the first certificate: the laptop writes, and Bob accepts it.
      clock = firstEnd + DAY;
      await bob.client.renewCertificates();
      await laptops.send('after the first certificate ended');
      await waitUntil(() => sessionTexts(bobs).includes('after the first certificate ended'), 'Bob to receive past the first certificate', 60_000);

      // Alice's first device goes away: nobody can renew the laptop any more.
      await alice.destroy();
      peers.splice(peers.indexOf(alice), 1);
      clock = renewedEnd + DAY;
      await Promise.all([bob, laptop].map((p) => p.client.renewCertificates()));
      expect(certificateEnd(laptop.account.cert)).toBe(renewedEnd);
      // Its own client refuses, with a clear error…
      await expect(laptops.send('after both certificates ended')).rejects.toBeInstanceOf(CertificateExpiredError);
      // …and a write forced past it (a modified client) is refused by Bob.
      const real = laptop.account.cert;
      laptop.account.cert = { ...real, expires: clock + 30 * DAY };
      await laptops.synced.writer.appendEvents([createEvent({ kind: 'message', text: 'forged past the end' }, laptop.device, clock)], Symbol('hostile'));
      laptop.account.cert = real;
      const forced = Y.encodeStateAsUpdate(laptops.doc, Y.encodeStateVector(bobs.doc));
      expect(await bobs.synced.policy.authorize(forced)).toMatchObject({ ok: false, reason: 'forbidden', detail: 'written after its device certificate expired' });
      expect(sessionTexts(bobs)).not.toContain('forged past the end');
      // Everything the laptop wrote while a certificate covered it stays.
      expect(sessionTexts(bobs)).toEqual(expect.arrayContaining(['from the laptop, in time', 'after the first certificate ended']));
    });
  }, 240_000);

  it('a certificate from before expiry keeps working and is replaced at the next check, in the self doc and a conversation too', async () => {
    const alice = await NodePeer.register({ serverUrl: app.url, name: 'Alice', mailbox: true });
    try {
      const group = await alice.client.createConversation('Old data');
      const account = alice.account;
      // What an account stored before expiry holds: a certificate signed without the field.
      const body = { identity: account.identity, device: account.device.public, created: account.createdAt };
      account.cert = { ...body, sig: await signBytes(account.identityKeys!.signPrivate, canonicalBytes(Domains.certificate, body)) };
      await group.synced.ensureMember(account.name, account.avatar);
      await alice.client.self!.synced.ensureMember(account.name, account.avatar);
      expect(group.synced.directory.certEnd(alice.device)).toBe(Infinity);
      await group.send('written under the old certificate');

      await alice.client.renewCertificates();
      expect(account.cert.expires).toBe(account.cert.created + 30 * DAY);
      expect(alice.client.self!.synced.doc.getMap<{ cert: DeviceCertificate }>('members').get(alice.device)?.cert.expires).toBe(account.cert.expires);
      expect(group.synced.doc.getMap<{ cert: DeviceCertificate }>('members').get(alice.device)?.cert.expires).toBe(account.cert.expires);
      await group.send('written under the renewed certificate');
      expect(sessionTexts(group)).toEqual(expect.arrayContaining(['written under the old certificate', 'written under the renewed certificate']));
    } finally {
      await alice.destroy();
    }
  }, 120_000);
});
