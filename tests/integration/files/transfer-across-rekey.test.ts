/**
 * A transfer that spans an epoch change still completes (docs/architecture.md §5.7, §14.2),
 * with real peers on the real stack: Node clients over WebRTC (@roamhq/wrtc), the real
 * server, the app's `ClientFiles`.
 *
 * On a rekey the room moves to a new topic: links send `leave`, forget both joins and join
 * again under the new epoch's keys, so for a while the fetch has no member link at all and
 * the requests it had out are never answered. The fetch must not give up: it waits, asks
 * again once the links are back (`room-links`), and the file arrives byte for byte.
 *
 * Before the fetch forgot what it had asked of a link that left the room, those requests
 * waited out their 15 s timeout and 5 s of distrust: 21 s from the rekey to the whole file in
 * one of two runs; now 0.3–0.5 s (four runs).
 *
 * To make the transfer span the change for certain, Bob's chunk store holds its writes back
 * after the first batch until the epoch has changed: the fetch then stops asking (at most 4 MiB
 * of checked chunks wait in memory), and most of the file moves after the rekey.
 */
import { resolveObjectURL } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFiles } from '../../../src/client/files/client-files.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { chunkCount, type FileRef } from '../../../src/core/files/file-ref.js';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { fileGroup } from '../../helpers/file-group.js';
import { waitUntil } from '../../helpers/node-peer.js';

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
});

/** The memory store, whose chunk writes after the first wait until `release()`. */
class HeldStore extends MemoryChunkStore {
  private writes = 0;
  private opened: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));

  release(): void {
    this.opened();
  }

  override async putChunks(root: string, chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>): Promise<void> {
    if (this.writes++ > 0) await this.gate;
    return super.putChunks(root, chunks);
  }
}

const fileOf = (s: ConversationSession, caption: string): FileRef | undefined => s.timeline.entries.find((e) => e.text === caption)?.file;

describe('a transfer across a rekey', () => {
  it('a fetch under way when the epoch changes completes, byte for byte, over the new epoch’s links', async () => {
    const bobStore = new HeldStore();
    // Nothing downloads by itself: Bob starts the fetch when the test says. Files here have
    // no mailbox (no blob area), so the file moves only peer to peer.
    const stores = [new MemoryChunkStore(), bobStore, new MemoryChunkStore()];
    const { peers, files, sessions, destroy } = await fileGroup(app, (peer, i) => new ClientFiles({ store: stores[i]!, mesh: peer.mesh, autoDownloadBytes: 0 }));
    const [aliceFiles, bobFiles] = files;
    const [group, bobs] = sessions as [ConversationSession, ConversationSession];
    const carol = peers[2]!;
    const started = Date.now();
    const phases: string[] = [];
    const phase = (name: string): void => void phases.push(`${name} at ${Date.now() - started} ms`);
    try {
      phase('Carol a member');
      await waitUntil(() => group.peerCount === 2 && bobs.peerCount === 2, 'Alice and Bob to sync with everyone', 90_000);
      phase('all linked');

      // 12.5 MiB: far more than the 4 MiB the fetch keeps in memory while its writes wait.
      const content = Uint8Array.from({ length: 200 * 65_536 - 123 }, (_, i) => (i * 29 + 5) & 0xff);
      await aliceFiles!.send(group, { blob: new Blob([content]), name: 'across.bin' }, 'across');
      await waitUntil(() => fileOf(bobs, 'across') !== undefined, 'the file message to reach Bob', 20_000);
      const ref = fileOf(bobs, 'across')!;
      const count = chunkCount(ref.size, ref.chunk);
      bobFiles!.download(bobs, ref);
      await waitUntil(() => (bobFiles!.exchange.running(ref.root)?.received ?? 0) > 0, 'the first chunks to arrive', 20_000);
      phase('first chunks');

      const epochBefore = group.epoch;
      await group.changes.remove(carol!.account.identity.sign);
      await waitUntil(() => group.epoch !== epochBefore && bobs.epoch === group.epoch, 'Alice and Bob to move to the new epoch', 60_000);
      phase('rekeyed');
      const before = (await bobStore.indices(ref.root)).size;
      const received = bobFiles!.exchange.running(ref.root)?.received ?? 0;
      expect(received).toBeLessThan(ref.size);
      bobStore.release();

      await waitUntil(() => bobFiles!.view(ref)?.url != null, 'the file to arrive whole after the rekey', 90_000);
      phase('whole');
      const got = new Uint8Array(await resolveObjectURL(bobFiles!.view(ref)!.url!)!.arrayBuffer());
      expect(got.length).toBe(content.length);
      expect(Buffer.from(got).equals(Buffer.from(content))).toBe(true);
      // Most of the file moved after the epoch changed.
      expect(before).toBeLessThan(count / 2);
      expect((await bobStore.indices(ref.root)).size).toBe(count);
    } catch (error) {
      console.log(`failed after: ${phases.join(', ')}`);
      throw error;
    } finally {
      await destroy();
    }
  }, 300_000);
});
