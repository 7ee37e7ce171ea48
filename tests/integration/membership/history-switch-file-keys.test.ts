/**
 * Switching a group from "from join" to full history (docs/architecture.md §14.1), with
 * real peers on the real stack: Node clients over WebRTC (@roamhq/wrtc), the real server's
 * signaling and mailbox, the app's `ClientFiles` on in-memory chunk stores.
 *
 * Bob joined while the group showed history from the join, so a file Alice sent before did
 * not open for him. Alice removes Dave, then switches the group to full history: her device
 * seals the older roots under the epoch she switched in, Bob keeps them (roots, no secret)
 * and downloads the file byte for byte; Dave, removed before the switch, holds no key that
 * opens what she sealed. A wrong root Bob plants himself is kept by nobody. And whether Bob's
 * files follow the conversation as its history arrives (the timeline hiding it) or only after,
 * the switch fetches the older file, and neither it before the switch nor a deleted one.
 */
import { resolveObjectURL } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ClientFiles } from '../../../src/client/files/client-files.js';
import { fileKeyOf } from '../../../src/client/files/file-keys.js';
import { fromBase64Url, toBase64Url } from '../../../src/core/bytes.js';
import { isHistoryRootsRecord, openHistoryRoots, sealHistoryRoots, type HistoryRootsRecord } from '../../../src/core/membership/history-roots.js';
import { ShareError } from '../../../src/core/membership/seal.js';
import { LOCAL_ORIGIN } from '../../../src/core/synced-doc.js';
import { MemoryChunkStore } from '../../../src/store/chunk-store.js';
import { bytesOf, fileOf, sha256 } from '../../helpers/file-bytes.js';
import { withPeers } from '../../helpers/membership-debug.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';
import { useAppServer } from '../../helpers/use-app-server.js';

const app = useAppServer();

describe('a group switched from "from join" to full history', () => {
  it('hands the members already in the older files’ roots, never their secrets, and nothing to someone removed before', async () => {
    await withPeers(async (peers, sessions) => {
      const files: ClientFiles[] = [];
      try {
        const [alice, bob, dave] = await Promise.all(['Alice', 'Bob', 'Dave'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true })));
        peers.push(alice!, bob!, dave!);
        const [aliceFiles, bobFiles] = [alice!, bob!].map((p) => new ClientFiles({ store: new MemoryChunkStore(), mesh: p.mesh }).start());
        files.push(aliceFiles!, bobFiles!);

        const group = await alice!.client.createConversation('Files');
        sessions.Alice = group;
        await group.group.setHistory('join');
        aliceFiles!.follow(group);
        const sent = bytesOf(3 * 65_536 + 11, 5);
        await aliceFiles!.send(group, { blob: new Blob([sent]), name: 'before.bin' }, 'before Bob');
        const ref = fileOf(group, 'before Bob')!;

        // Bob's files follow his conversations as the app wires them (src/main.ts): from the
        // moment the session is registered, before it loads, so what its first mailbox read
        // brings (history the group hides from him until the switch) is seen arriving.
        bob!.client.conversations.on('changed', () => bobFiles!.track(bob!.client.conversations.sessions()));
        const bobs = await bob!.join(group.inviteLink);
        sessions.Bob = bobs;
        const daves = await dave!.join(group.inviteLink);
        sessions.Dave = daves;
        await waitUntil(() => bobs.epoch === group.epoch && daves.epoch === group.epoch && group.peerCount === 2, 'everyone in one epoch', 30_000);
        expect(await fileKeyOf(bobs, ref)).toBeNull();

        await group.changes.remove(dave!.account.identity.sign);
        const afterRemoval = group.membership.state.current!.id;
        expect(group.membership.isMember(dave!.account.identity.sign)).toBe(false);
        await waitUntil(() => group.epoch === afterRemoval && bobs.epoch === afterRemoval, 'Alice and Bob to move past Dave’s removal', 30_000);
        // Bob, no admin, plants a wrong root for that file under the epoch the switch will be
        // made in: only the record of the device whose setting is in force is read, so nobody
        // keeps it (a kept root is never replaced, and the file would not open).
        const planted = await sealHistoryRoots(bobs.epochSecret(afterRemoval)!, { [ref.epoch!]: toBase64Url(new Uint8Array(32).fill(7)) }, { conversation: group.id, epoch: afterRemoval });
        await bobs.synced.writer.setRecord('roots', `${afterRemoval}:${bob!.device}`, { type: 'history-roots', by: bob!.device, at: Date.now(), epoch: afterRemoval, files: planted }, LOCAL_ORIGIN);
        await waitUntil(() => group.doc.getMap('roots').has(`${afterRemoval}:${bob!.device}`), 'Alice to receive Bob’s record', 30_000);
        await group.group.setHistory('full');
        const switched = group.membership.settings().historySetBy!.epoch;
        expect(switched).toBe(afterRemoval);
        expect(group.membership.state.epochs.get(switched)?.record?.owners[dave!.device]).toBeUndefined();

        await waitUntil(() => bobs.membership.settings().history === 'full', 'Bob to see the switch', 30_000);
        await waitUntil(() => bobFiles!.view(ref)?.url != null, 'Bob to open the file sent before he joined', 60_000);
        const got = new Uint8Array(await resolveObjectURL(bobFiles!.view(ref)!.url!)!.arrayBuffer());
        expect(sha256(got)).toBe(sha256(sent));
        expect(await bobs.fileRoot(ref.epoch!)).not.toBeNull();
        expect(bobs.epochSecret(ref.epoch!)).toBeNull();

        // What Alice sealed opens with the secret of the epoch she switched in, which Dave,
        // removed before, never held: none of the secrets he keeps opens it.
        const record = group.doc.getMap<HistoryRootsRecord>('roots').get(`${switched}:${alice!.device}`);
        expect(record && isHistoryRootsRecord(record)).toBe(true);
        const held = (daves.record.epochs ?? []).map((e) => fromBase64Url(e.secret)!);
        expect(held.length).toBeGreaterThan(0);
        for (const secret of held) await expect(openHistoryRoots(secret, record!.files, { conversation: group.id, epoch: switched })).rejects.toThrow(ShareError);
        expect(await daves.fileRoot(ref.epoch!)).toBeNull();
      } finally {
        for (const f of files) f.destroy();
      }
    });
  }, 180_000);

  it.each([
    ['only after the history arrived', false],
    ['from the moment the session is registered', true],
  ])('fetches a file the timeline hid once the switch hands its key, and nothing of it before (files follow %s)', async (_when, early) => {
    await withPeers(async (peers, sessions) => {
      const files: ClientFiles[] = [];
      try {
        const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => NodePeer.register({ serverUrl: app.url, name })));
        peers.push(alice!, bob!);
        const bobStore = new MemoryChunkStore();
        const [aliceFiles, bobFiles] = [new ClientFiles({ store: new MemoryChunkStore(), mesh: alice!.mesh }), new ClientFiles({ store: bobStore, mesh: bob!.mesh })].map((f) => f.start());
        files.push(aliceFiles!, bobFiles!);

        const group = await alice!.client.createConversation('Files');
        sessions.Alice = group;
        await group.group.setHistory('join');
        aliceFiles!.follow(group);
        const sent = bytesOf(2 * 65_536 + 5, 9);
        await aliceFiles!.send(group, { blob: new Blob([sent]), name: 'kept.bin' }, 'kept');
        await aliceFiles!.send(group, { blob: new Blob([bytesOf(1000, 3)]), name: 'gone.bin' }, 'gone');
        const [kept, gone] = [fileOf(group, 'kept')!, fileOf(group, 'gone')!];
        const goneId = group.timeline.entries.find((e) => e.text === 'gone')!.id;

        // Following from the start, Bob's files see the hidden history arrive as new events.
        if (early) bob!.client.conversations.on('changed', () => bobFiles!.track(bob!.client.conversations.sessions()));
        const bobs = await bob!.join(group.inviteLink);
        sessions.Bob = bobs;
        await waitUntil(() => bobs.epoch === group.epoch && group.peerCount === 1, 'Bob in the group', 30_000);
        await group.remove(goneId);
        await aliceFiles!.send(group, { blob: new Blob([bytesOf(1000, 4)]), name: 'after.bin' }, 'after');
        const after = fileOf(group, 'after')!;
        // The whole history is in Bob's document, the older part hidden from his timeline.
        const logged = (root: string): boolean => bobs.synced.log.readAll().some((e) => e.kind === 'message' && e.file?.root === root);
        await waitUntil(() => logged(kept.root) && logged(after.root) && bobs.synced.log.readAll().some((e) => e.kind === 'delete' && e.target === goneId), 'the history in Bob’s document', 30_000);
        expect(fileOf(bobs, 'kept')).toBeUndefined();

        // Following only now, what Bob's files pick up comes from walking the conversation.
        bobFiles!.follow(bobs);
        await waitUntil(() => bobFiles!.view(after)?.url != null, 'Bob to open the file sent after he joined', 60_000);
        // Nothing of a file whose key Bob does not hold yet.
        expect(bobFiles!.view(kept)).toBeUndefined();
        expect(await bobStore.file(kept.root)).toBeNull();

        await group.group.setHistory('full');
        await waitUntil(() => bobFiles!.view(kept)?.url != null, 'Bob to open the file sent before he joined', 60_000);
        const got = new Uint8Array(await resolveObjectURL(bobFiles!.view(kept)!.url!)!.arrayBuffer());
        expect(sha256(got)).toBe(sha256(sent));
        // The deleted one is never recorded, though its key now derives as well.
        expect(await fileKeyOf(bobs, gone)).not.toBeNull();
        expect(bobFiles!.view(gone)).toBeUndefined();
        expect(await bobStore.file(gone.root)).toBeNull();
      } finally {
        for (const f of files) f.destroy();
      }
    });
  }, 180_000);
});
