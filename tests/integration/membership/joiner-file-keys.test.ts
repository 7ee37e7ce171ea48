/**
 * Files sent before someone joined (docs/architecture.md §14.1, §4.6), with real peers on the
 * real stack: Node clients over WebRTC (@roamhq/wrtc), the real server's signaling and
 * mailbox, the app's `ClientFiles` on in-memory chunk stores.
 *
 * In a full-history group the joiner is handed the older epochs' file roots with its grant,
 * never their secrets, and downloads a file sent before the join byte for byte. In a group
 * that shows history from the join on, nothing is handed over and the file does not open.
 */
import { resolveObjectURL } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientFiles } from '../../../src/client/files/client-files.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import type { FileRef } from '../../../src/core/files/file-ref.js';
import type { HistoryVisibility } from '../../../src/core/membership/records.js';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { bytesOf, fileOf, sha256 } from '../../helpers/file-bytes.js';
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

/** Alice and Bob share a group with `history`; Alice sends a file; then Carol joins. */
async function fileBeforeJoin(history: HistoryVisibility, run: (scene: { group: ConversationSession; aliceFiles: ClientFiles; carols: ConversationSession; carolFiles: ClientFiles; ref: FileRef; sent: Uint8Array }) => Promise<void>): Promise<void> {
  const peers: NodePeer[] = [];
  const files: ClientFiles[] = [];
  try {
    const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true })));
    peers.push(alice!, bob!, carol!);
    const [aliceFiles, bobFiles, carolFiles] = peers.map((p) => new ClientFiles({ store: new MemoryChunkStore(), mesh: p.mesh }).start());
    files.push(aliceFiles!, bobFiles!, carolFiles!);
    const group = await alice!.client.createConversation('Files');
    if (history !== 'full') await group.group.setHistory(history);
    const bobs = await bob!.join(group.inviteLink);
    aliceFiles!.follow(group);
    bobFiles!.follow(bobs);
    await waitUntil(() => group.peerCount === 1 && bobs.peerCount === 1 && bobs.epoch === group.epoch, 'Alice and Bob to sync in one epoch', 30_000);

    const sent = bytesOf(4 * 65_536 + 123, history === 'full' ? 1 : 2);
    await aliceFiles!.send(group, { blob: new Blob([sent]), name: 'before.bin' }, 'before Carol');
    const ref = fileOf(group, 'before Carol')!;
    expect(ref.kdf).toBe('root');
    await waitUntil(() => bobFiles!.view(ref)?.url != null, 'Bob to open the file', 30_000);

    await new Promise((r) => setTimeout(r, 5));
    const carols = await carol!.join(group.inviteLink);
    carolFiles!.follow(carols);
    await waitUntil(() => carols.membership.isMember(carol!.account.identity.sign) && carols.epoch !== ref.epoch, 'Carol to be a member in a later epoch', 30_000);
    try {
      await run({ group, aliceFiles: aliceFiles!, carols, carolFiles: carolFiles!, ref, sent });
    } catch (error) {
      console.log(describeMembership({ Alice: group, Bob: bobs, Carol: carols }));
      throw error;
    }
  } finally {
    for (const f of files) f.destroy();
    await Promise.all(peers.map((p) => p.destroy()));
  }
}

describe('files sent before a member joined', () => {
  it('a joiner of a full-history group downloads them byte for byte, holding the old file roots but no old secret', async () => {
    await fileBeforeJoin('full', async ({ carols, carolFiles, ref, sent }) => {
      await waitUntil(() => fileOf(carols, 'before Carol') !== undefined, 'the older message to reach Carol', 30_000);
      await waitUntil(() => carolFiles.view(ref)?.url != null || carolFiles.view(ref)?.state === 'failed', 'Carol’s copy to open or fail', 30_000);
      expect(carolFiles.view(ref)?.state).toBe('done');
      const got = new Uint8Array(await resolveObjectURL(carolFiles.view(ref)!.url!)!.arrayBuffer());
      expect(sha256(got)).toBe(sha256(sent));
      // What she was handed opens files only: the epoch's secret never reached her.
      expect(carols.epochSecret(ref.epoch!)).toBeNull();
      expect(await carols.fileRoot(ref.epoch!)).not.toBeNull();
      expect(carols.record.epochs?.map((e) => e.id)).not.toContain(ref.epoch);
    });
  }, 120_000);

  it('a joiner of a group showing history from the join is handed no old file root; files sent after the join open for her', async () => {
    await fileBeforeJoin('join', async ({ group, aliceFiles, carols, carolFiles, ref }) => {
      // Her app hides the older message; whatever reaches her device, no key for it does:
      // neither the epoch's secret nor its file root.
      expect(carols.epochSecret(ref.epoch!)).toBeNull();
      expect(await carols.fileRoot(ref.epoch!)).toBeNull();
      expect(carols.record.fileRoots).toBeUndefined();
      const view = carolFiles.view(ref);
      expect(view?.url ?? null).toBeNull();
      expect(view?.state ?? 'unseen').not.toBe('done');
      // She is not simply broken: a file sent once she is in opens for her.
      const after = bytesOf(2 * 65_536 + 9, 3);
      await aliceFiles.send(group, { blob: new Blob([after]), name: 'after.bin' }, 'after Carol');
      await waitUntil(() => fileOf(carols, 'after Carol') !== undefined, 'the newer message to reach Carol', 30_000);
      const newer = fileOf(carols, 'after Carol')!;
      await waitUntil(() => carolFiles.view(newer)?.url != null, 'Carol to open the newer file', 30_000);
      expect(sha256(new Uint8Array(await resolveObjectURL(carolFiles.view(newer)!.url!)!.arrayBuffer()))).toBe(sha256(after));
      // And the older one still does not, now that everything has synced.
      expect(carolFiles.view(ref)?.state ?? 'unseen').not.toBe('done');
    });
  }, 120_000);
});
