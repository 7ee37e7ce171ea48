/**
 * Members find each other on a new epoch's topic at once (docs/architecture.md §4.4, §5.3):
 * the periodic re-announce is set to ten minutes here, so if the rekey did not announce on
 * the new topic, and the first device to move were not told about the second, the members
 * would stay apart for the whole test. Real Node peers over WebRTC, the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { describeMembership } from '../../helpers/membership-debug.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { joinEachSettled, NodePeer, waitUntil } from '../../helpers/node-peer.js';

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.close();
});

/** Far longer than the waits below: only announces made when a device moves can help. */
const REANNOUNCE_MS = 10 * 60_000;

describe('reconnecting after a rekey', () => {
  it('members sync on the new epoch after joins and a removal without waiting for a re-announce', async () => {
    const peers: NodePeer[] = [];
    const sessions: Record<string, ConversationSession> = {};
    try {
      const [alice, bob, carol, dave] = await Promise.all(
        ['Alice', 'Bob', 'Carol', 'Dave'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true, reannounceMs: REANNOUNCE_MS })),
      );
      peers.push(alice!, bob!, carol!, dave!);
      const group = await alice!.client.createConversation('Reconnect');
      sessions.Alice = group;
      // Each join starts a new epoch: everyone in it syncs with everyone else there.
      await joinEachSettled(group, sessions, [['Bob', bob!], ['Carol', carol!], ['Dave', dave!]], 30_000);
      const all = Object.values(sessions);
      const before = group.epoch;
      await group.changes.remove(carol!.account.identity.sign);
      const remaining = all.filter((s) => s !== sessions.Carol);
      await waitUntil(() => remaining.every((s) => s.epoch !== before && s.epoch === group.epoch && s.peerCount === remaining.length - 1), 'the others to sync in the epoch after the removal', 30_000);
      const devices = new Map<ConversationSession, string>([[group, alice!.device], [sessions.Bob!, bob!.device], [sessions.Dave!, dave!.device]]);
      const sees = (s: ConversationSession, device: string): boolean => [...s.awareness.getStates().values()].some((st) => (st as { device?: string }).device === device);
      // Presence too: each sees the others' state again in the new epoch.
      await waitUntil(() => remaining.every((s) => remaining.every((o) => o === s || sees(s, devices.get(o)!))), 'everyone to see the others present again', 60_000);
      expect(sessions.Carol!.epoch).not.toBe(group.epoch);
    } catch (error) {
      console.log(describeMembership(sessions));
      for (const [name, s] of Object.entries(sessions)) console.log(name, s.epoch, s.keys.topic, s.peerCount);
      throw error;
    } finally {
      await Promise.all(peers.map((p) => p.destroy()));
    }
  }, 240_000);
});
