/**
 * File keys derive from the conversation's epoch (docs/architecture.md §14.1), with real
 * peers on the real stack: Node clients over WebRTC (@roamhq/wrtc), the real server's
 * signaling and mailbox, the app's `ClientFiles` on in-memory chunk stores.
 *
 * A member removed from the group can neither fetch nor decrypt a file sent after the
 * removal, even when its message and every chunk reach her another way; the remaining
 * members receive it byte for byte.
 */
import { resolveObjectURL } from 'node:buffer';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFiles } from '../../../src/client/files/client-files.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import type { FileRef } from '../../../src/core/files/file-ref.js';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { describeMembership } from '../../helpers/membership-debug.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
});

const bytesOf = (size: number, seed: number): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + seed) & 0xff;
  return out;
};

/** The file of the message with this caption, once it is in the timeline. */
const fileOf = (s: ConversationSession, caption: string): FileRef | undefined => s.timeline.entries.find((e) => e.text === caption)?.file;

async function contentOf(files: ClientFiles, ref: FileRef): Promise<Uint8Array> {
  await waitUntil(() => files.view(ref)?.url != null, `${ref.name} to open`, 30_000);
  const blob = resolveObjectURL(files.view(ref)!.url!);
  return new Uint8Array(await blob!.arrayBuffer());
}

describe('file keys and removal', () => {
  it('a removed member cannot fetch or decrypt a file sent after the removal; remaining members can', async () => {
    const peers: NodePeer[] = [];
    const files: ClientFiles[] = [];
    try {
      const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true })));
      peers.push(alice!, bob!, carol!);
      const stores = peers.map(() => new MemoryChunkStore());
      const [, bobStore, carolStore] = stores;
      const [aliceFiles, bobFiles, carolFiles] = peers.map((p, i) => new ClientFiles({ store: stores[i]!, mesh: p.mesh }).start());
      files.push(aliceFiles!, bobFiles!, carolFiles!);
      const group = await alice!.client.createConversation('Files');
      const bobs = await bob!.join(group.inviteLink);
      const carols = await carol!.join(group.inviteLink);
      aliceFiles!.follow(group);
      bobFiles!.follow(bobs);
      carolFiles!.follow(carols);
      await waitUntil(() => group.membership.isMember(carol!.account.identity.sign) && bobs.membership.isMember(carol!.account.identity.sign), 'Carol to be a member everywhere', 30_000);
      await waitUntil(() => group.peerCount === 2 && bobs.peerCount === 2 && carols.peerCount === 2, 'everyone to sync in the current epoch', 30_000);

      // While she is a member, Carol receives and opens a file like anyone.
      const before = bytesOf(3 * 65_536 + 17, 1);
      await aliceFiles!.send(group, { blob: new Blob([before]), name: 'before.bin' }, 'before');
      await waitUntil(() => fileOf(carols, 'before') !== undefined, 'the first file message to reach Carol', 20_000);
      const beforeRef = fileOf(carols, 'before')!;
      expect(beforeRef.key).toBeUndefined();
      expect(beforeRef.epoch).toBe(group.epoch);
      expect(await contentOf(carolFiles!, beforeRef)).toEqual(before);

      const epochBefore = group.epoch;
      await group.changes.remove(carol!.account.identity.sign);
      await waitUntil(() => group.epoch !== epochBefore && bobs.epoch === group.epoch, 'Alice and Bob to move to the new epoch', 20_000);
      await waitUntil(() => carols.ended === 'removed', 'Carol to learn she was removed', 20_000);

      const after = bytesOf(5 * 65_536 + 3, 2);
      await aliceFiles!.send(group, { blob: new Blob([after]), name: 'after.bin' }, 'after');
      await waitUntil(() => fileOf(bobs, 'after') !== undefined, 'the second file message to reach Bob', 20_000);
      const ref = fileOf(bobs, 'after')!;
      expect(ref.epoch).toBe(group.epoch);
      expect(ref.key).toBeUndefined();
      expect(await contentOf(bobFiles!, ref)).toEqual(after);
      expect(fileOf(carols, 'after')).toBeUndefined();

      // Carol cannot fetch it: asked by its root (her timeline has no message to download it
      // from, so `download` would not even ask), nobody she can still reach serves it.
      const got: number[] = [];
      const sink = { saveHashes: async () => void got.push(-1), saveChunks: async (chunks: ReadonlyArray<{ index: number }>) => void got.push(...chunks.map((c) => c.index)) };
      const asked = carolFiles!.exchange.fetch({ room: carols.id, ref, hashes: null, have: new Set(), sink });
      // Not a pause: once the others have left her on the old topic she has no link to ask,
      // so whatever could reach her did. Not even the hash list came.
      await waitUntil(() => carols.peerCount === 0, 'the others to leave Carol on the old topic', 20_000);
      expect(asked.state).toBe('hashes');
      expect(asked.received).toBe(0);
      expect(got).toEqual([]);
      expect((await carolStore!.indices(ref.root)).size).toBe(0);
      carolFiles!.exchange.cancel(ref.root);

      // Nor decrypt it: the message relayed to her (as by a member who lagged behind) and
      // every chunk handed over, she holds no secret of the epoch the key derives from.
      expect(carols.epochSecret(ref.epoch!)).toBeNull();
      await carolStore!.remove(ref.root);
      // A record as a fetch writes one (a store keeps chunks only of a recorded file), without Bob's key.
      const { key: _bobsKey, ...record } = (await bobStore!.file(ref.root))!;
      await carolStore!.putFile({ ...record, sent: false, complete: false, bytes: 0 });
      await carolStore!.putHashes(ref.root, (await bobStore!.hashes(ref.root))!);
      await carolStore!.putChunks(ref.root, (await bobStore!.chunks(ref.root, [...Array(6).keys()])).map((bytes, index) => ({ index, bytes: bytes! })));
      Y.applyUpdate(carols.doc, Y.encodeStateAsUpdate(bobs.doc, Y.encodeStateVector(carols.doc)), 'relay');
      await waitUntil(() => fileOf(carols, 'after') !== undefined, 'the relayed message in Carol’s timeline', 10_000);
      await waitUntil(() => carolFiles!.view(ref)?.state === 'failed', 'Carol’s copy to fail to open', 10_000);
      expect(carolFiles!.view(ref)?.url).toBeNull();
      // Bob, a remaining member, still has it; the file from before still opens for Carol.
      expect(bobFiles!.view(ref)?.state).toBe('done');
      expect(carolFiles!.view(beforeRef)?.url).not.toBeNull();
    } catch (error) {
      const sessions = Object.fromEntries(peers.map((p) => [p.options.name, p.client.list()[0] ? p.client.get(p.client.list()[0]!.id)! : null]).filter(([, s]) => s)) as Record<string, ConversationSession>;
      console.log(describeMembership(sessions));
      throw error;
    } finally {
      for (const f of files) f.destroy();
      await Promise.all(peers.map((p) => p.destroy()));
    }
  });
});
