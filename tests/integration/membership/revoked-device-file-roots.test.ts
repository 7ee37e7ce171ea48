/**
 * File roots between one user's devices once one of them is revoked (docs/architecture.md
 * §14.1), with real peers on the real stack: Node clients over WebRTC (@roamhq/wrtc) and the
 * real server's signaling and mailbox.
 *
 * Bob's group rotates, then he links a tablet and a laptop: his devices hand each other the
 * older epoch's file root in his self doc's `roots` map. When the phone revokes the tablet,
 * the records to and from the tablet are cleared on every remaining device, and the one
 * from the phone to the laptop stays as it was.
 */
import { describe, expect, it } from 'vitest';
import type { SelfSession } from '../../../src/client/self-session.js';
import { isClearedFileRoots, type FileRootsRecord } from '../../../src/core/membership/file-roots-grant.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';
import { useAppServer } from '../../helpers/use-app-server.js';

const app = useAppServer();

/** The raw `roots` map: every key, cleared or not. */
const rootsMap = (self: SelfSession): Map<string, FileRootsRecord> => new Map(self.synced.doc.getMap<FileRootsRecord>('roots').entries());

/** `<to>:<from>` of each record that still holds roots. */
const pairs = (self: SelfSession): string[] =>
  self
    .fileRootsEntries()
    .map((e) => `${e.to}:${e.from}`)
    .sort();

describe('file roots of a revoked device', () => {
  it('are cleared on the remaining devices, and the records between them stay', async () => {
    await withPeers(async (peers, sessions) => {
      const phone = await NodePeer.register({ serverUrl: app.url, name: 'Bob', mailbox: true });
      peers.push(phone);
      const group = await phone.client.createConversation('Roots');
      sessions.Phone = group;
      await group.send('in the first epoch');
      const first = group.epoch;
      await group.changes.rotate('weekly');
      await waitUntil(() => group.epoch !== first, 'the phone to move to the new epoch', 30_000);

      const tablet = await NodePeer.linkTo(phone, { serverUrl: app.url, name: 'Bob', mailbox: true });
      peers.push(tablet);
      await waitUntil(() => tablet.client.get(group.id)?.ready === true, 'the tablet to open the group', 60_000);
      const tablets = tablet.session(group.id);
      sessions.Tablet = tablets;
      await waitUntil(() => tablets.record.fileRoots?.[first] !== undefined, 'the tablet to be handed the first epoch’s root', 60_000);

      const laptop = await NodePeer.linkTo(phone, { serverUrl: app.url, name: 'Bob', mailbox: true });
      peers.push(laptop);
      await waitUntil(() => laptop.client.get(group.id)?.ready === true, 'the laptop to open the group', 60_000);
      sessions.Laptop = laptop.session(group.id);
      await waitUntil(() => laptop.session(group.id).record.fileRoots?.[first] !== undefined, 'the laptop to be handed the first epoch’s root', 60_000);

      const [phoneSelf, tabletSelf, laptopSelf] = [phone, tablet, laptop].map((p) => p.client.self!);
      const [P, T, L] = [phone.device, tablet.device, laptop.device];
      // Phone → tablet, phone → laptop, and the tablet (holding the root) → laptop; the laptop
      // may give the tablet too, depending on who got there first.
      const wanted = [`${L}:${P}`, `${L}:${T}`, `${T}:${P}`];
      await waitUntil(() => [phoneSelf, tabletSelf, laptopSelf].every((s) => wanted.every((p) => pairs(s!).includes(p))), 'every device to see the records between them', 60_000);
      expect(phoneSelf!.fileRootsTo(L, group.id, P)?.epochs).toContain(first);
      // Every value the phone → laptop record takes from here on, on both remaining devices:
      // the phone may hand the laptop more after the revocation's rotation, never clear it.
      const keptKey = `${L}:${group.id}:${P}`;
      const seen: FileRootsRecord[] = [];
      for (const self of [phoneSelf!, laptopSelf!]) {
        const map = self.synced.doc.getMap<FileRootsRecord>('roots');
        map.observe((event) => {
          if (event.keysChanged.has(keptKey)) seen.push(map.get(keptKey)!);
        });
      }

      await phone.client.revokeDevice(tablet.device);
      const gone = (s: SelfSession): boolean => pairs(s).every((p) => !p.split(':').includes(T));
      await waitUntil(() => gone(phoneSelf!) && gone(laptopSelf!), 'the records to and from the tablet to be cleared on the phone and the laptop', 60_000);

      for (const self of [phoneSelf!, laptopSelf!]) {
        // Still valid: phone → laptop, holding the first epoch's root.
        expect(pairs(self)).toEqual([`${L}:${P}`]);
        expect(self.fileRootsTo(L, group.id, P)?.epochs).toContain(first);
        expect(self.fileRootsFor(T)).toEqual([]);
        // Every key naming the tablet now holds an empty record, sealing nothing.
        const naming = [...rootsMap(self)].filter(([key]) => key.split(':').includes(T));
        expect(naming.length).toBeGreaterThanOrEqual(2);
        for (const [, record] of naming) expect(isClearedFileRoots(record)).toBe(true);
      }
      expect(seen.filter(isClearedFileRoots)).toEqual([]);
      // The laptop keeps what it was handed.
      expect(await laptop.session(group.id).fileRoot(first)).not.toBeNull();
    });
  }, 240_000);
});
