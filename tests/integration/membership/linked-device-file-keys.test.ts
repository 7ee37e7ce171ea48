/**
 * Files sent before a member linked a new device (docs/architecture.md §14.1), with real
 * peers on the real stack: Node clients over WebRTC (@roamhq/wrtc), the real server's
 * signaling and mailbox, the app's `ClientFiles` on in-memory chunk stores.
 *
 * Alice sends a file before Bob joins and one after; the group rotates; then Bob links a
 * tablet. The tablet is handed, by Bob's phone through his self doc, the file roots of the
 * older epochs it may read — never their secrets — and downloads those files byte for byte.
 * In a full-history group that is both files; in a group showing history from the join on,
 * only the one sent since Bob joined: the earlier one stays closed to the tablet as to Bob.
 */
import { resolveObjectURL } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ClientFiles } from '../../../src/client/files/client-files.js';
import { fileKeyOf } from '../../../src/client/files/file-keys.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import type { FileRef } from '../../../src/core/files/file-ref.js';
import type { HistoryVisibility } from '../../../src/core/membership/records.js';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { bytesOf, fileOf, sha256 } from '../../helpers/file-bytes.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';
import { useAppServer } from '../../helpers/use-app-server.js';

const app = useAppServer();

interface Scene {
  readonly bobs: ConversationSession;
  readonly tablets: ConversationSession;
  readonly tabletFiles: ClientFiles;
  /** Sent before Bob joined, and since. */
  readonly before: { readonly ref: FileRef; readonly sent: Uint8Array };
  readonly since: { readonly ref: FileRef; readonly sent: Uint8Array };
}

/**
 * Alice sends a file, Bob joins, Alice sends another, the group rotates, Bob links a tablet.
 * `history` is the group's setting from the start; `later`, one Alice switches to once Bob is in.
 */
async function linkAfterFiles(history: HistoryVisibility, run: (scene: Scene) => Promise<void>, later?: HistoryVisibility): Promise<void> {
  await withPeers(async (peers, sessions) => {
    const files: ClientFiles[] = [];
    try {
      const alice = await NodePeer.register({ serverUrl: app.url, name: 'Alice', mailbox: true });
      peers.push(alice);
      const bob = await NodePeer.register({ serverUrl: app.url, name: 'Bob', mailbox: true });
      peers.push(bob);
      const [aliceFiles, bobFiles] = [alice, bob].map((p) => new ClientFiles({ store: new MemoryChunkStore(), mesh: p.mesh }).start());
      files.push(aliceFiles!, bobFiles!);

      const group = await alice.client.createConversation('Files');
      sessions.Alice = group;
      if (history !== 'full') await group.group.setHistory(history);
      aliceFiles!.follow(group);
      const first = bytesOf(3 * 65_536 + 77, history === 'full' ? 1 : 2);
      await aliceFiles!.send(group, { blob: new Blob([first]), name: 'before.bin' }, 'before Bob');
      const before = { ref: fileOf(group, 'before Bob')!, sent: first };

      const bobs = await bob.join(group.inviteLink);
      sessions.Bob = bobs;
      bobFiles!.follow(bobs);
      await waitUntil(() => group.peerCount === 1 && bobs.peerCount === 1 && bobs.epoch === group.epoch, 'Alice and Bob to sync in one epoch', 30_000);
      if (later) {
        await group.group.setHistory(later);
        await waitUntil(() => bobs.membership.settings().history === later, 'Bob to see the new history setting', 30_000);
      }
      const second = bytesOf(2 * 65_536 + 5, history === 'full' ? 3 : 4);
      await aliceFiles!.send(group, { blob: new Blob([second]), name: 'since.bin' }, 'since Bob');
      const since = { ref: fileOf(group, 'since Bob')!, sent: second };
      expect(since.ref.kdf).toBe('root');
      expect(since.ref.epoch).not.toBe(before.ref.epoch);
      await waitUntil(() => bobFiles!.view(since.ref)?.url != null, 'Bob to open the file sent since he joined', 30_000);

      // A rotation: both files now belong to epochs before the current one.
      await group.changes.rotate('weekly');
      await waitUntil(() => bobs.epoch === group.epoch && group.epoch !== since.ref.epoch, 'Bob to follow the rotation', 30_000);

      const tablet = await NodePeer.linkTo(bob, { serverUrl: app.url, name: 'Bob', mailbox: true });
      peers.push(tablet);
      const tabletFiles = new ClientFiles({ store: new MemoryChunkStore(), mesh: tablet.mesh }).start();
      files.push(tabletFiles);
      await waitUntil(() => tablet.client.get(group.id)?.ready === true, 'the tablet to open the group', 60_000);
      const tablets = tablet.session(group.id);
      sessions.Tablet = tablets;
      tabletFiles.follow(tablets);
      // It arrived after both epochs began: no share of either, and no key handoff of them.
      const { epochs } = group.membership.state;
      for (const ref of [before.ref, since.ref]) expect(epochs.get(ref.epoch!)?.record?.shares[tablet.device]).toBeUndefined();
      await run({ bobs, tablets, tabletFiles, before, since });
    } finally {
      for (const f of files) f.destroy();
    }
  });
}

const download = async (files: ClientFiles, ref: FileRef, what: string): Promise<Uint8Array> => {
  await waitUntil(() => files.view(ref)?.url != null, what, 60_000);
  return new Uint8Array(await resolveObjectURL(files.view(ref)!.url!)!.arrayBuffer());
};

describe('files sent before a member linked a new device', () => {
  it('in a full-history group, the new device downloads every older file byte for byte, holding their roots but no old secret', async () => {
    await linkAfterFiles('full', async ({ tablets, tabletFiles, before, since }) => {
      expect(sha256(await download(tabletFiles, since.ref, 'the tablet to open the file sent since Bob joined'))).toBe(sha256(since.sent));
      expect(sha256(await download(tabletFiles, before.ref, 'the tablet to open the file sent before Bob joined'))).toBe(sha256(before.sent));
      for (const ref of [before.ref, since.ref]) {
        expect(tablets.epochSecret(ref.epoch!)).toBeNull();
        expect(await tablets.fileRoot(ref.epoch!)).not.toBeNull();
      }
      expect(tablets.record.epochs?.map((e) => e.id)).not.toContain(since.ref.epoch);
    });
  }, 180_000);

  it('in a group showing history from the join, the new device opens what Bob may read and nothing from before he joined', async () => {
    await linkAfterFiles('join', async ({ bobs, tablets, tabletFiles, before, since }) => {
      expect(sha256(await download(tabletFiles, since.ref, 'the tablet to open the file sent since Bob joined'))).toBe(sha256(since.sent));
      expect(tablets.epochSecret(since.ref.epoch!)).toBeNull();
      // Bob was never handed the earlier epoch's root, and his tablet is not either.
      expect(await bobs.fileRoot(before.ref.epoch!)).toBeNull();
      expect(await tablets.fileRoot(before.ref.epoch!)).toBeNull();
      expect(tablets.epochSecret(before.ref.epoch!)).toBeNull();
      expect(Object.keys(tablets.record.fileRoots ?? {})).not.toContain(before.ref.epoch);
      expect(await fileKeyOf(tablets, before.ref)).toBeNull();
      // The earlier message is not shown there, so nothing tries to fetch it.
      expect(tabletFiles.view(before.ref)?.state ?? 'unseen').not.toBe('done');
    });
  }, 180_000);

  it('in a group switched to history from the join after Bob joined, his phone keeps the older root but the new device is not handed it', async () => {
    await linkAfterFiles(
      'full',
      async ({ bobs, tablets, tabletFiles, before, since }) => {
        expect(sha256(await download(tabletFiles, since.ref, 'the tablet to open the file sent since Bob joined'))).toBe(sha256(since.sent));
        // Bob's phone was handed it when the group showed everything, and cannot give it back…
        expect(await bobs.fileRoot(before.ref.epoch!)).not.toBeNull();
        // …but the group now lets this person read from their join on, and so does the handoff.
        expect(await tablets.fileRoot(before.ref.epoch!)).toBeNull();
        expect(Object.keys(tablets.record.fileRoots ?? {})).not.toContain(before.ref.epoch);
        expect(await fileKeyOf(tablets, before.ref)).toBeNull();
      },
      'join',
    );
  }, 180_000);
});
