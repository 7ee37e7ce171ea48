/**
 * Weekly rotation and forward secrecy for stored keys (docs/architecture.md §4.7), with a
 * fake clock: Node peers over WebRTC on the real server, their clocks moved by the test.
 * After a week the conversation rotates; the old epoch's secret stays in the device's
 * stored conversation record while its mailbox may still hold entries; once the mailbox
 * TTL has passed since the rotation it is gone from the stored record, not only from memory,
 * and only its file root (which opens that epoch's files and nothing else) is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../../src/core/bytes.js';
import { deriveFileRoot } from '../../../src/core/files/file-key.js';
import { MAILBOX_TTL_MS } from '../../../src/client/conversation/epoch-keys.js';
import { WEEK_MS } from '../../../src/client/conversation/epoch-upkeep.js';
import { MemoryConversationStore } from '../../../src/store/memory.js';
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

describe('weekly rotation', () => {
  it('rotates after a week, and deletes the old epoch key from storage once the mailbox TTL has passed', async () => {
    let clock = Date.now();
    const now = (): number => clock;
    const stores = { Alice: new MemoryConversationStore(), Bob: new MemoryConversationStore() };
    const peers: NodePeer[] = [];
    try {
      const [alice, bob] = await Promise.all(
        (['Alice', 'Bob'] as const).map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true, now, conversations: stores[name] })),
      );
      peers.push(alice!, bob!);
      const group = await alice!.client.createConversation('Weekly');
      const bobs = await bob!.join(group.inviteLink);
      await waitUntil(() => bobs.epoch === group.epoch && group.epoch === group.membership.state.current?.id && group.peerCount === 1 && bobs.peerCount === 1, 'Alice and Bob to sync in one epoch', 60_000);
      const old = group.epoch;
      const oldSecret = toBase64Url(group.epochSecret(old)!);
      const oldFileRoot = await deriveFileRoot(group.epochSecret(old)!);
      const stored = async (name: 'Alice' | 'Bob') => (await stores[name].get(group.id))!;
      const holds = async (name: 'Alice' | 'Bob', secret: string) => JSON.stringify(await stored(name)).includes(secret);

      // Nothing is due within the week.
      clock += WEEK_MS - 60_000;
      expect(await group.upkeepNow()).toBeNull();

      // A week later: rotation, and both move to the new epoch.
      clock += 2 * 60_000;
      expect(await group.upkeepNow()).toEqual({ kind: 'rotate', reason: 'weekly' });
      await waitUntil(() => group.epoch !== old && bobs.epoch === group.epoch, 'both to move to the rotated epoch', 60_000);
      const rotated = group.epoch;
      const rotatedSecret = toBase64Url(group.epochSecret(rotated)!);
      // The retired key is kept (and stored) while its mailbox may still hold entries.
      for (const name of ['Alice', 'Bob'] as const) {
        expect((await stored(name)).epochs?.map((e) => e.id)).toEqual(expect.arrayContaining([old, rotated]));
        expect(await holds(name, oldSecret)).toBe(true);
      }
      expect(await bobs.expireEpochKeys()).toEqual([]);

      // The mailbox TTL after the rotation: the old key is gone from memory and storage.
      clock += MAILBOX_TTL_MS + 60_000;
      // Past their certificates' 30 days: the hourly check renews them; the clock here is fake.
      await Promise.all([alice!, bob!].map((p) => p.client.renewCertificates()));
      await group.upkeepNow();
      expect(await bobs.expireEpochKeys()).toContain(old);
      for (const [name, session] of [['Alice', group], ['Bob', bobs]] as const) {
        expect(session.epochSecret(old)).toBeNull();
        const record = await stored(name);
        expect(record.epochs?.map((e) => e.id)).not.toContain(old);
        expect(await holds(name, oldSecret)).toBe(false);
        // The current key stays: the conversation goes on.
        expect(await holds(name, rotatedSecret)).toBe(true);
        // The old epoch's file root is kept in its place: files outlive the mailbox (§14.1).
        expect(record.fileRoots?.[old]).toBe(oldFileRoot);
        expect(await session.fileRoot(old)).toBe(oldFileRoot);
      }
      expect(group.epoch).toBe(rotated);
    } catch (error) {
      console.log(describeMembership(Object.fromEntries(peers.map((p) => [p.options.name, p.client.list()[0] ? p.client.get(p.client.list()[0]!.id)! : null]).filter(([, s]) => s))));
      throw error;
    } finally {
      await Promise.all(peers.map((p) => p.destroy()));
    }
  }, 180_000);
});
