/**
 * Deleting a file message frees its storage (docs/architecture.md §14.3), with real peers on
 * the real stack: Node clients over WebRTC (@roamhq/wrtc), the real server, the app's
 * `ClientFiles` on chunk stores that meet the same contract as IndexedDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFiles } from '../../../src/client/files/client-files.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import type { FileRef } from '../../../src/core/files/file-ref.js';
import { MemoryChunkStore, type StoredFile } from '../../../src/store/chunk-store.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
});

async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const entryOf = (s: ConversationSession, caption: string) => s.timeline.entries.find((e) => e.text === caption);

/** A real store whose first record of a file to receive waits until `release()`. */
class HeldStore extends MemoryChunkStore {
  private gate: Promise<void> | null;
  release: () => void = () => undefined;
  readonly holding: Promise<void>;
  private holdingNow: () => void = () => undefined;
  constructor() {
    super();
    this.gate = new Promise((resolve) => (this.release = resolve));
    this.holding = new Promise((resolve) => (this.holdingNow = resolve));
  }
  override async putFile(file: StoredFile): Promise<void> {
    const gate = !file.sent && file.bytes === 0 ? this.gate : null;
    if (gate) {
      this.gate = null;
      this.holdingNow();
      await gate;
    }
    return super.putFile(file);
  }
}

/** A real store that holds the first batch of chunks of a received file until `release()`; `written` settles when that write has returned. */
class HeldChunksStore extends MemoryChunkStore {
  private held = false;
  release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  private holdingNow: () => void = () => undefined;
  readonly holding = new Promise<void>((resolve) => (this.holdingNow = resolve));
  private writtenNow: () => void = () => undefined;
  readonly written = new Promise<void>((resolve) => (this.writtenNow = resolve));
  override async putChunks(root: string, chunks: ReadonlyArray<{ readonly index: number; readonly bytes: Uint8Array }>): Promise<void> {
    if (this.held || (await this.file(root))?.sent !== false) return super.putChunks(root, chunks);
    this.held = true;
    this.holdingNow();
    await this.gate;
    await super.putChunks(root, chunks);
    this.writtenNow();
  }
}

interface Pair {
  readonly aliceStore: MemoryChunkStore;
  readonly bobStore: MemoryChunkStore;
  readonly aliceFiles: ClientFiles;
  readonly bobFiles: ClientFiles;
  readonly group: ConversationSession;
  readonly bobs: ConversationSession;
}

/** Alice and Bob linked in a group, each with the app's `ClientFiles` on a store (Bob's given), torn down after `body`. */
async function withPair(bobStore: MemoryChunkStore, body: (pair: Pair) => Promise<void>): Promise<void> {
  const peers: NodePeer[] = [];
  const files: ClientFiles[] = [];
  try {
    const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => NodePeer.register({ serverUrl: app.url, name })));
    peers.push(alice!, bob!);
    const aliceStore = new MemoryChunkStore();
    const [aliceFiles, bobFiles] = [new ClientFiles({ store: aliceStore, mesh: alice!.mesh }).start(), new ClientFiles({ store: bobStore, mesh: bob!.mesh }).start()];
    files.push(aliceFiles, bobFiles);
    const group = await alice!.client.createConversation('Files');
    const bobs = await bob!.join(group.inviteLink);
    aliceFiles.follow(group);
    bobFiles.follow(bobs);
    await waitUntil(() => group.peerCount === 1 && bobs.peerCount === 1, 'Alice and Bob to link', 30_000);
    await body({ aliceStore, bobStore, aliceFiles, bobFiles, group, bobs });
  } finally {
    for (const f of files) f.destroy();
    await Promise.all(peers.map((p) => p.destroy()));
  }
}

describe('deleting a file message', () => {
  it('removes the file’s chunks, hash list and record on the sender and on every member who fetched it', async () => {
    await withPair(new MemoryChunkStore(), async ({ aliceStore, bobStore, aliceFiles, bobFiles, group, bobs }) => {
      const bytes = new Uint8Array(4 * 65_536 + 9).map((_, i) => (i * 7) & 0xff);
      const id = await aliceFiles.send(group, { blob: new Blob([bytes]), name: 'gone.bin' }, 'to be deleted');
      await aliceFiles.send(group, { blob: new Blob([bytes.slice(1)]), name: 'kept.bin' }, 'to be kept');
      await waitUntil(() => entryOf(bobs, 'to be deleted') !== undefined && entryOf(bobs, 'to be kept') !== undefined, 'both messages to reach Bob', 20_000);
      const ref: FileRef = entryOf(bobs, 'to be deleted')!.file!;
      const keptRef: FileRef = entryOf(bobs, 'to be kept')!.file!;
      await waitUntil(() => bobFiles.view(ref)?.url != null && bobFiles.view(keptRef)?.url != null, 'Bob to hold both files', 30_000);
      expect((await bobStore.indices(ref.root)).size).toBe(5);
      expect((await aliceStore.indices(ref.root)).size).toBe(5);
      const storedBefore = (await bobFiles.usage()).get(bobs.id)!.downloaded;

      await group.remove(id);
      await waitUntil(() => entryOf(bobs, 'to be deleted') === undefined || entryOf(bobs, 'to be deleted')!.deleted, 'the deletion to reach Bob', 20_000);
      for (const store of [aliceStore, bobStore]) {
        await eventually(async () => (await store.file(ref.root)) === null, 'the record to go');
        expect((await store.indices(ref.root)).size).toBe(0);
        expect(await store.hashes(ref.root)).toBeNull();
        // The other file is untouched.
        expect((await store.indices(keptRef.root)).size).toBe(5);
      }
      expect(bobFiles.view(ref)).toBeUndefined();
      expect((await bobFiles.usage()).get(bobs.id)!.downloaded).toBeLessThan(storedBefore);
    });
  });

  it('a deletion that arrives while the file’s record is being written leaves nothing fetched or stored', async () => {
    const bobStore = new HeldStore();
    await withPair(bobStore, async ({ aliceFiles, bobFiles, group, bobs }) => {
      const bytes = new Uint8Array(2 * 65_536 + 5).map((_, i) => (i * 5) & 0xff);
      const id = await aliceFiles.send(group, { blob: new Blob([bytes]), name: 'gone.bin' }, 'to be deleted');
      // Bob's device is writing the file's record when the deletion comes.
      await bobStore.holding;
      const ref: FileRef = entryOf(bobs, 'to be deleted')!.file!;
      await group.remove(id);
      await waitUntil(() => entryOf(bobs, 'to be deleted') === undefined || entryOf(bobs, 'to be deleted')!.deleted, 'the deletion to reach Bob', 20_000);
      bobStore.release();

      // A later file arrives whole: Bob's device went on, and had time to fetch the first.
      await aliceFiles.send(group, { blob: new Blob([bytes.slice(3)]), name: 'later.bin' }, 'sent later');
      await waitUntil(() => entryOf(bobs, 'sent later') !== undefined, 'the later message to reach Bob', 20_000);
      const later: FileRef = entryOf(bobs, 'sent later')!.file!;
      await waitUntil(() => bobFiles.view(later)?.url != null, 'Bob to hold the later file', 30_000);

      expect(await bobStore.file(ref.root)).toBeNull();
      expect((await bobStore.indices(ref.root)).size).toBe(0);
      expect(await bobStore.hashes(ref.root)).toBeNull();
      expect(bobFiles.view(ref)).toBeUndefined();
      expect((await bobStore.indices(later.root)).size).toBe(3);
    });
  });

  it('a delete aimed at another member’s file message erases nothing anywhere', async () => {
    await withPair(new MemoryChunkStore(), async ({ aliceStore, bobStore, aliceFiles, bobFiles, group, bobs }) => {
      const bytes = new Uint8Array(3 * 65_536 + 1).map((_, i) => (i * 11) & 0xff);
      const id = await aliceFiles.send(group, { blob: new Blob([bytes]), name: 'alices.bin' }, 'Alice’s file');
      const otherId = await aliceFiles.send(group, { blob: new Blob([bytes.slice(2)]), name: 'other.bin' }, 'Alice’s other file');
      await waitUntil(() => entryOf(bobs, 'Alice’s file') !== undefined && entryOf(bobs, 'Alice’s other file') !== undefined, 'both messages to reach Bob', 20_000);
      const ref: FileRef = entryOf(bobs, 'Alice’s file')!.file!;
      const other: FileRef = entryOf(bobs, 'Alice’s other file')!.file!;
      await waitUntil(() => bobFiles.view(ref)?.url != null && bobFiles.view(other)?.url != null, 'Bob to hold both files', 30_000);

      // Bob's client sends a delete of Alice's message, as a modified app could.
      await bobs.sender.append({ kind: 'delete', target: id });
      await waitUntil(() => group.synced.log.readAll().some((e) => e.kind === 'delete' && e.target === id), 'Bob’s delete to reach Alice', 20_000);
      // Alice then deletes her other file: once it is gone from both stores, both devices
      // have handled the deletes that came before.
      await group.remove(otherId);
      for (const store of [aliceStore, bobStore]) await eventually(async () => (await store.file(other.root)) === null, 'Alice’s own delete to erase the other file');

      for (const session of [group, bobs]) expect(entryOf(session, 'Alice’s file')?.deleted).toBe(false);
      for (const store of [aliceStore, bobStore]) {
        expect((await store.file(ref.root))?.complete).toBe(true);
        expect((await store.indices(ref.root)).size).toBe(4);
      }
      expect(bobFiles.view(ref)?.url).toBeTruthy();
      expect(aliceFiles.view(ref)).toBeDefined();
    });
  });

  it('Clear downloaded media while a batch of chunks is on its way leaves none of the file stored', async () => {
    const bobStore = new HeldChunksStore();
    await withPair(bobStore, async ({ aliceFiles, bobFiles, group, bobs }) => {
      const bytes = new Uint8Array(6 * 65_536 + 3).map((_, i) => (i * 13) & 0xff);
      await aliceFiles.send(group, { blob: new Blob([bytes]), name: 'cleared.bin' }, 'to be cleared');
      // Bob's fetch is writing its first batch when he clears the conversation's media.
      await bobStore.holding;
      const ref: FileRef = entryOf(bobs, 'to be cleared')!.file!;
      await bobFiles.clearDownloaded(bobs.id);
      expect(await bobStore.file(ref.root)).toBeNull();
      bobStore.release();
      await bobStore.written;

      // The late batch found no record and stored nothing: no chunk is left that no record counts.
      expect((await bobStore.indices(ref.root)).size).toBe(0);
      expect(await bobStore.file(ref.root)).toBeNull();
      expect((await bobFiles.usage()).get(bobs.id)?.downloaded ?? 0).toBe(0);
      // And it can be downloaded again, whole.
      bobFiles.download(bobs, ref);
      await waitUntil(() => bobFiles.view(ref)?.url != null, 'Bob to download the file again', 30_000);
      expect((await bobStore.indices(ref.root)).size).toBe(7);
    });
  });
});
