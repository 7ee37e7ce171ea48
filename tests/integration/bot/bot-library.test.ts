/**
 * The bot library end to end in Node against the real server: two bots (the app's own
 * client in Node, real WebRTC through @roamhq/wrtc) meet in a conversation, hear each
 * other's messages, replies and reactions with typed events, and a bot that was offline
 * catches up through the mailbox when it starts again on its profile — once, not twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyBot, type BotEvent, type BotMessage } from '../../../src/bot/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), 'parley-bots-'));
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const events = (bot: ParleyBot): BotEvent[] => {
  const seen: BotEvent[] = [];
  bot.on('event', (e) => void seen.push(e));
  return seen;
};

describe('ParleyBot', () => {
  it('two bots talk: messages, replies and reactions arrive as typed events with the author resolved', async () => {
    const alpha = await ParleyBot.start({ memory: true, server: server.httpUrl, name: 'Alpha', logger: silentLogger });
    const beta = await ParleyBot.start({ memory: true, server: server.httpUrl, name: 'Beta', logger: silentLogger });
    try {
      const heardByAlpha = events(alpha);
      const heardByBeta = events(beta);
      beta.on('message', async (msg: BotMessage) => {
        if (msg.text === 'ping') {
          await msg.react('👍');
          await msg.reply('pong');
        }
      });
      const { id, invite } = await alpha.create('Ops');
      await beta.join(invite, { timeoutMs: 20_000 });
      await alpha.send(id, 'ping');
      await waitUntil(() => heardByAlpha.some((e) => e.kind === 'message' && e.text === 'pong'), 'the reply', 20_000);
      const pong = heardByAlpha.find((e): e is BotMessage => e.kind === 'message' && e.text === 'pong')!;
      expect(pong.author).toMatchObject({ name: 'Beta', identity: beta.identity, bot: true, verified: false });
      expect(pong.conversation.id).toBe(id);
      const ping = heardByBeta.find((e): e is BotMessage => e.kind === 'message' && e.text === 'ping')!;
      expect(pong.replyTo).toBe(ping.id);
      await waitUntil(() => heardByAlpha.some((e) => e.kind === 'reaction' && e.emoji === '👍' && e.target === ping.id && e.on), 'the reaction', 20_000);
      // A bot never hears itself.
      expect(heardByAlpha.some((e) => e.author.identity === alpha.identity)).toBe(false);
      const history = await beta.history(id, 10);
      expect(history.map((m) => m.text)).toEqual(['ping', 'pong']);
      expect(history[0]!.reactions).toEqual({ '👍': 1 });
    } finally {
      await Promise.all([alpha.stop(), beta.stop()]);
    }
  });

  it('a bot offline while someone writes catches up through the mailbox when it starts, once', async () => {
    const profile = path.join(dir, 'catch-up');
    const writer = await ParleyBot.start({ memory: true, server: server.httpUrl, name: 'Writer', logger: silentLogger });
    try {
      const { id, invite } = await writer.create('Alerts');
      const first = await ParleyBot.start({ profile, server: server.httpUrl, name: 'Sleeper', logger: silentLogger });
      await first.join(invite, { timeoutMs: 20_000 });
      await first.stop();

      // Nobody online to take these: they go to the mailbox (acknowledged there).
      await writer.send(id, 'while you were away 1');
      await writer.send(id, 'while you were away 2');

      const second = await ParleyBot.start({ profile, logger: silentLogger });
      const heard = events(second);
      await waitUntil(() => heard.filter((e) => e.kind === 'message').length >= 2, 'the missed messages', 20_000);
      await second.stop();
      expect(heard.filter((e) => e.kind === 'message').map((e) => (e as BotMessage).text)).toEqual(['while you were away 1', 'while you were away 2']);

      // Started again: nothing is handed over twice. Not a pause: its backlog is handed over
      // once it follows, and a message written after that comes after anything handed again.
      const third = await ParleyBot.start({ profile, logger: silentLogger });
      const again = events(third);
      await third.following();
      await writer.send(id, 'after the restart');
      await waitUntil(() => again.some((e) => e.kind === 'message' && e.text === 'after the restart'), 'the message written after the restart', 20_000);
      await third.stop();
      expect(again.filter((e) => e.kind === 'message').map((e) => (e as BotMessage).text)).toEqual(['after the restart']);
    } finally {
      await writer.stop();
    }
  });
});
