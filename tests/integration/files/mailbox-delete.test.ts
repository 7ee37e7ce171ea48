/**
 * Deleting a file message takes it off the server too, and deleting a conversation erases
 * its files on this device (docs/architecture.md §14.3, §14.6), with real peers on the real
 * stack: Node clients over WebRTC (@roamhq/wrtc), the real server and its SQLite blob area,
 * the app's `ClientFiles` on in-memory chunk stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFiles } from '../../../src/client/files/client-files.js';
import { blobIdOf, mailboxOfEpoch } from '../../../src/client/files/mailbox-files.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import type { FileRef } from '../../../src/core/files/file-ref.js';
import { MailboxClient } from '../../../src/net/mailbox-client.js';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
});

const bytesOf = (size: number, seed: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: size }, (_, i) => (i * 131 + seed) & 0xff);
const fileOf = (s: ConversationSession, caption: string): FileRef | undefined => s.timeline.entries.find((e) => e.text === caption)?.file;

async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('file messages deleted, conversations erased', () => {
  it('the sender takes a deleted file’s pieces off the mailbox; deleting the conversation on a device erases its files there only', async () => {
    const http = new MailboxClient(app.url);
    const peers: NodePeer[] = [];
    const files: ClientFiles[] = [];
    try {
      const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true })));
      peers.push(alice!, bob!);
      const [aliceStore, bobStore] = [new MemoryChunkStore(), new MemoryChunkStore()];
      const mailbox = { client: http, maxFileBytes: 25 * 1024 * 1024 };
      const [aliceFiles, bobFiles] = [new ClientFiles({ store: aliceStore, mesh: alice!.mesh, mailbox }).start(), new ClientFiles({ store: bobStore, mesh: bob!.mesh, mailbox }).start()];
      files.push(aliceFiles, bobFiles);
      const group = await alice!.client.createConversation('Files');
      const bobs = await bob!.join(group.inviteLink);
      aliceFiles.follow(group);
      bobFiles.follow(bobs);
      await waitUntil(() => group.peerCount === 1 && bobs.peerCount === 1 && bobs.epoch === group.epoch, 'Alice and Bob to link in one epoch', 30_000);

      const id = await aliceFiles.send(group, { blob: new Blob([bytesOf(3 * 65_536 + 11, 1)]), name: 'gone.bin' }, 'to be deleted');
      await aliceFiles.send(group, { blob: new Blob([bytesOf(2 * 65_536 + 3, 2)]), name: 'kept.bin' }, 'to be kept');
      const [gone, kept] = [fileOf(group, 'to be deleted')!, fileOf(group, 'to be kept')!];
      await waitUntil(() => aliceFiles.view(gone)?.mailbox === 'stored' && aliceFiles.view(kept)?.mailbox === 'stored', 'both files to be in the mailbox', 30_000);
      const box = (await mailboxOfEpoch(group.epochSecret(gone.epoch!)!))!;
      const onServer = async (ref: FileRef, piece: 'h' | number): Promise<boolean> => (await http.getPiece(box.id, box.token, blobIdOf(ref), piece)) !== null;
      for (const piece of ['h', 0, 3] as const) expect(await onServer(gone, piece)).toBe(true);
      await waitUntil(() => bobFiles.view(gone)?.url != null && bobFiles.view(kept)?.url != null, 'Bob to hold both files', 30_000);

      // A member who is not the sender cannot take the pieces off: they are not his.
      const bobsDelete = await fetch(`${app.url}/api/mailbox/${box.id}/blobs/${blobIdOf(gone)}`, { method: 'DELETE', headers: { Authorization: `Bearer ${box.token}`, 'X-Parley-Writer-Key': 'A'.repeat(43) } });
      expect(await bobsDelete.json()).toEqual({ deleted: 0 });
      expect(await onServer(gone, 'h')).toBe(true);

      // Alice deletes the message: every piece of that file leaves the server, the other stays.
      await group.remove(id);
      await eventually(async () => !(await onServer(gone, 'h')), 'the deleted file to leave the mailbox');
      for (const piece of [0, 1, 2, 3] as const) expect(await onServer(gone, piece)).toBe(false);
      for (const piece of ['h', 0, 2] as const) expect(await onServer(kept, piece)).toBe(true);
      await eventually(async () => (await bobStore.file(gone.root)) === null && (await aliceStore.file(gone.root)) === null, 'both devices to drop the deleted file');

      // Bob deletes the conversation on his device: its files go from his store, nowhere else.
      expect((await bobStore.files(bobs.id)).length).toBe(1);
      await bobFiles.eraseConversation(bobs.id);
      expect(await bobStore.files(bobs.id)).toEqual([]);
      expect((await bobStore.indices(kept.root)).size).toBe(0);
      expect(await bobStore.hashes(kept.root)).toBeNull();
      expect(bobFiles.view(kept)).toBeUndefined();
      expect((await aliceStore.indices(kept.root)).size).toBe(3);
      expect(await onServer(kept, 'h')).toBe(true);
    } finally {
      for (const f of files) f.destroy();
      await Promise.all(peers.map((p) => p.destroy()));
    }
  }, 120_000);
});
