/**
 * What a rekey costs the files of a conversation (docs/architecture.md §14.4), with real
 * peers on the real stack: Node clients over WebRTC (@roamhq/wrtc), the real server, the
 * app's `ClientFiles` on a memory chunk store that counts its reads.
 *
 * Keys arriving (`rekeyed`) are looked at for the hidden rows that waited for them alone.
 * Before, every rekey (each membership change, weekly) walked the whole signed log and read
 * every stored file record of the conversation again, files already whole included: work
 * that grew with the conversation's files. The test fails on that code (a read of the
 * conversation's records on the rekey). That a hidden row is still fetched once a rekey
 * brings its key is `tests/integration/membership/history-switch-file-keys.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { ClientFiles } from '../../../src/client/files/client-files.js';
import type { Topic } from '../../../src/core/ids.js';
import { MemoryChunkStore, type StoredFile } from '../../../src/store/chunk-store.js';
import { bytesOf, fileOf } from '../../helpers/file-bytes.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';
import { useAppServer } from '../../helpers/use-app-server.js';

const app = useAppServer();

/** The memory store, noting every read of a file record. */
class CountingStore extends MemoryChunkStore {
  readonly reads: string[] = [];

  override async file(root: string): Promise<StoredFile | null> {
    this.reads.push(`file ${root}`);
    return super.file(root);
  }

  override async files(conversation?: Topic): Promise<StoredFile[]> {
    this.reads.push(`files of ${conversation ?? 'all'}`);
    return super.files(conversation);
  }
}

describe('a rekey and the files already here', () => {
  it('reads no record of a file already whole when the epoch changes', async () => {
    await withPeers(async (peers, sessions) => {
      const files: ClientFiles[] = [];
      try {
        const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => NodePeer.register({ serverUrl: app.url, name })));
        peers.push(alice!, bob!);
        const bobStore = new CountingStore();
        const [aliceFiles, bobFiles] = [new ClientFiles({ store: new MemoryChunkStore(), mesh: alice!.mesh }), new ClientFiles({ store: bobStore, mesh: bob!.mesh })].map((f) => f.start());
        files.push(aliceFiles!, bobFiles!);

        const group = await alice!.client.createConversation('Files');
        sessions.Alice = group;
        aliceFiles!.follow(group);
        const bobs = await bob!.join(group.inviteLink);
        sessions.Bob = bobs;
        bobFiles!.follow(bobs);
        await waitUntil(() => bobs.epoch === group.epoch && group.peerCount === 1, 'Bob in the group', 30_000);

        await aliceFiles!.send(group, { blob: new Blob([bytesOf(65_536 + 7, 1)]), name: 'one.bin' }, 'one');
        await aliceFiles!.send(group, { blob: new Blob([bytesOf(1_000, 2)]), name: 'two.bin' }, 'two');
        await waitUntil(() => fileOf(bobs, 'one') !== undefined && fileOf(bobs, 'two') !== undefined, 'the file messages to reach Bob', 30_000);
        const whole = [fileOf(bobs, 'one')!, fileOf(bobs, 'two')!];
        await waitUntil(() => whole.every((ref) => bobFiles!.view(ref)?.url != null), 'Bob to open both files', 60_000);
        for (const ref of whole) expect((await bobStore.file(ref.root))?.complete).toBe(true);

        // The rekey: Alice rotates; Bob moves and his files hear `rekeyed` before this test does.
        const rekeyed = new Promise<void>((resolve) => bobs.once('rekeyed', () => resolve()));
        bobStore.reads.length = 0;
        const before = group.epoch;
        await group.changes.rotate('weekly');
        await rekeyed;
        expect(bobs.epoch).not.toBe(before);
        // A file sent after the rotation: Bob's files look at it only once every look that
        // arriving keys set off has run (FileWants takes them one at a time, in order), so
        // the first read of its record comes after any read the rekey made.
        await aliceFiles!.send(group, { blob: new Blob([bytesOf(1_000, 3)]), name: 'three.bin' }, 'after the rekey');
        await waitUntil(() => fileOf(bobs, 'after the rekey') !== undefined, 'the file sent after the rekey to reach Bob', 30_000);
        const later = `file ${fileOf(bobs, 'after the rekey')!.root}`;
        await waitUntil(() => bobStore.reads.includes(later), "Bob's files to look at the file sent after the rekey", 30_000);
        expect(bobStore.reads.slice(0, bobStore.reads.indexOf(later))).toEqual([]);
        for (const ref of whole) expect(bobFiles!.view(ref)?.state).toBe('done');
      } finally {
        for (const f of files) f.destroy();
      }
    });
  }, 120_000);
});
