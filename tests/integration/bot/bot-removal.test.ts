/**
 * Removing a bot stops it reading (docs/architecture.md §4.4, §12): a bot is a member like
 * any other, so when a member removes it from a group the others move to a new epoch and
 * the bot gets no new keys. On the real stack (the real server's signaling and SQLite
 * mailbox, Node peers over WebRTC, the bot on a SQLite profile): after the removal the bot
 * hears no new message, neither live nor through the mailbox after a restart, while the
 * remaining members still chat with each other.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyBot, type BotEvent } from '../../../src/bot/index.js';
import type { ConversationSession } from '../../../src/client/conversation-session.js';
import { silentLogger } from '../../../src/core/logger.js';
import { startAppServer, type AppServer } from '../../helpers/app-server.js';
import { NodePeer, waitUntil } from '../../helpers/node-peer.js';

let app: AppServer;
let dir: string;
beforeAll(async () => {
  app = await startAppServer();
  dir = await mkdtemp(path.join(tmpdir(), 'parley-bot-removal-'));
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

const texts = (s: ConversationSession): string[] => s.timeline.entries.filter((e) => e.kind === 'message').map((e) => e.text);
const heard = (events: readonly BotEvent[]): string[] => events.flatMap((e) => (e.kind === 'message' ? [e.text] : []));

describe('removing a bot', () => {
  it('removing a bot stops it reading: no new message reaches it, live or through the mailbox, while the others still chat', async () => {
    const profile = path.join(dir, 'bot');
    const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => NodePeer.register({ serverUrl: app.url, name, mailbox: true })));
    let bot: ParleyBot | null = await ParleyBot.start({ profile, server: app.url, name: 'Build bot', logger: silentLogger, control: false });
    try {
      const group = await alice!.client.createConversation('Builds');
      const bobs = await bob!.join(group.inviteLink);
      await bot.join(group.inviteLink, { timeoutMs: 30_000 });
      const events: BotEvent[] = [];
      bot.on('event', (e) => void events.push(e));
      const botId = bot.identity;
      await waitUntil(() => group.membership.isMember(botId) && bobs.membership.isMember(botId), 'the bot to be a member everywhere', 30_000);

      await group.send('before removal');
      await waitUntil(() => heard(events).includes('before removal'), 'the bot to hear the message before removal', 30_000);

      const epochBefore = group.epoch;
      await group.changes.remove(botId);
      await waitUntil(() => group.epoch !== epochBefore && bobs.epoch === group.epoch, 'Alice and Bob to move to the new epoch', 30_000);
      const botSession = bot.client.get(group.id)!;
      await waitUntil(() => botSession.ended === 'removed', 'the bot to learn it was removed', 30_000);
      expect(botSession.epoch).not.toBe(group.epoch);

      // The remaining members still chat, both ways.
      await group.send('after removal');
      await waitUntil(() => texts(bobs).includes('after removal'), 'Bob to receive Alice’s message', 30_000);
      await bobs.send('still here');
      await waitUntil(() => texts(group).includes('still here'), 'Alice to receive Bob’s reply', 30_000);
      // Not a pause: the bot has no link left in the conversation, and it has read every
      // mailbox it reads (its ended session reads none now; one kept would be read here).
      await waitUntil(() => botSession.peerCount === 0, 'the others to leave the bot on the old topic', 30_000);
      await bot.client.syncMailboxes();
      expect(heard(events)).toEqual(['before removal']);
      expect((await bot.history(group.id, 50)).map((m) => m.text)).not.toContain('after removal');

      // Offline, then back on its profile: the mailbox hands it nothing new either.
      await bot.stop();
      await group.send('while the bot was away');
      await waitUntil(() => texts(bobs).includes('while the bot was away'), 'Bob to receive the later message', 30_000);
      bot = await ParleyBot.start({ profile, server: app.url, logger: silentLogger, control: false });
      const later: BotEvent[] = [];
      bot.on('event', (e) => void later.push(e));
      // Its backlog handed over, and every mailbox it can read read.
      await bot.following();
      await bot.client.syncMailboxes();
      expect(heard(later)).toEqual([]);
      const texts2 = (await bot.history(group.id, 50)).map((m) => m.text);
      expect(texts2).toContain('before removal');
      expect(texts2).not.toContain('after removal');
      expect(texts2).not.toContain('while the bot was away');
    } finally {
      await bot?.stop();
      await Promise.all([alice!.destroy(), bob!.destroy()]);
    }
  }, 240_000);
});
