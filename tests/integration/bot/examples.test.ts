/**
 * The examples in examples/, run against the real server with another bot as the person:
 * the reminder bot answers "/remind 1s …" at once and again a second later; the CI bridge
 * turns a generic CI JSON POST into a message in the conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciText, startCiBridge } from '../../../examples/ci-bridge.js';
import { parseRemind, startRemindBot } from '../../../examples/remind-bot.js';
import { ParleyBot, type BotEvent } from '../../../src/bot/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

let server: TestServer;
let person: ParleyBot;
const heard: BotEvent[] = [];
const texts = (): string[] => heard.flatMap((e) => (e.kind === 'message' ? [e.text] : []));

beforeAll(async () => {
  server = await startTestServer();
  person = await ParleyBot.start({ memory: true, server: server.httpUrl, name: 'Erin', logger: silentLogger });
  person.on('event', (e) => void heard.push(e));
});
afterAll(async () => {
  await person?.stop();
  await server?.close();
});

describe('examples', () => {
  it('parses reminder requests and refuses malformed ones', () => {
    expect(parseRemind('/remind 10m stand-up')).toEqual({ delayMs: 600_000, text: 'stand-up' });
    expect(parseRemind('/remind 2h  water the plants ')).toEqual({ delayMs: 7_200_000, text: 'water the plants' });
    expect(parseRemind('/remind soon stand-up')).toBeNull();
    expect(parseRemind('/remind 30d too far')).toBeNull();
    expect(parseRemind('remind 1m x')).toBeNull();
  });

  it('the reminder bot confirms, then reminds as a reply', async () => {
    const remind = await startRemindBot({ memory: true, server: server.httpUrl, name: 'Reminder', logger: silentLogger });
    try {
      const { id, invite } = await person.create('Team');
      await remind.bot.join(invite, { timeoutMs: 20_000 });
      const request = await person.send(id, '/remind 1s stand-up');
      await waitUntil(() => texts().includes('⏰ stand-up'), 'the reminder', 20_000);
      expect(texts()).toContain('OK, in 1 s: stand-up');
      const reminder = heard.find((e) => e.kind === 'message' && e.text === '⏰ stand-up')!;
      expect(reminder.kind === 'message' && reminder.replyTo).toBe(request.id);
      expect(reminder.author).toMatchObject({ name: 'Reminder', bot: true });
    } finally {
      await remind.stop();
    }
  });

  it('the CI bridge posts a generic CI payload as a message', async () => {
    expect(ciText({ pipeline: 'web', status: 'failed', branch: 'main', url: 'https://ci.example/9' })).toBe('❌ web failed on main — https://ci.example/9');
    expect(ciText({ status: 'passed' })).toBeNull();
    const { id, invite } = await person.create('Builds');
    const token = 'ci-token-0123456789abcdef';
    const bridge = await startCiBridge({ memory: true, server: server.httpUrl, name: 'CI', logger: silentLogger, token, conversation: invite });
    try {
      await bridge.bot.join(invite, { timeoutMs: 20_000 });
      const post = (body: unknown, t = token): Promise<Response> => fetch(`http://127.0.0.1:${bridge.port}/hooks/${t}`, { method: 'POST', body: JSON.stringify(body) });
      expect((await post({ pipeline: 'web', status: 'passed', branch: 'main' })).status).toBe(200);
      await waitUntil(() => texts().includes('✅ web passed on main'), 'the CI message', 20_000);
      expect(heard.find((e) => e.kind === 'message' && e.text === '✅ web passed on main')!.conversation.id).toBe(id);
      expect((await post({ pipeline: 'web' })).status).toBe(400);
      expect((await post({ pipeline: 'web', status: 'passed' }, 'wrong-token-0123456789')).status).toBe(401);
    } finally {
      await bridge.stop();
    }
  });
});
