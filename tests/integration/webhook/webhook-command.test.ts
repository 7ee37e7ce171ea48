/**
 * `parley webhook --config FILE` as a real process: a CLI profile set up with `parley init`
 * and `parley join`, its webhook server on port 0 taking an incoming POST into the
 * conversation, and `parley send` reaching the same profile through the control socket
 * while the webhook server holds it. A bad config is a usage error (exit 2).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyBot, type BotEvent } from '../../../src/bot/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { parley, RunningCli } from '../../helpers/cli.js';
import { startTestServer, waitUntil, type TestServer } from '../../helpers/signaling-server.js';

let server: TestServer;
let dir: string;
let member: ParleyBot;
const heard: BotEvent[] = [];
const texts = (): string[] => heard.flatMap((e) => (e.kind === 'message' ? [e.text] : []));

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), 'parley-webhook-cli-'));
  member = await ParleyBot.start({ memory: true, server: server.httpUrl, name: 'Fay', logger: silentLogger });
  member.on('event', (e) => void heard.push(e));
});
afterAll(async () => {
  await member?.stop();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('parley webhook', () => {
  it('serves an incoming hook from a CLI profile, and parley send still works beside it', async () => {
    const profile = path.join(dir, 'hooks');
    const { id, invite } = await member.create('Deploys');
    expect((await parley(['init', '--name', 'Deploy hook', '--profile', profile, '--server', server.httpUrl])).code).toBe(0);
    const joined = await parley(['join', invite, '--profile', profile, '--quiet']);
    expect(joined.code, joined.stderr).toBe(0);

    const token = 'deploy-token-0123456789abcdef';
    const config = path.join(dir, 'hooks.json');
    await writeFile(config, JSON.stringify({ port: 0, incoming: [{ token, conversation: invite }] }));
    const hooks = RunningCli.start(['webhook', '--config', config, '--profile', profile, '--json']);
    try {
      await hooks.waitFor(/"listening"/);
      const { listening } = JSON.parse(hooks.lines.find((l) => l.includes('"listening"'))!) as { listening: string };
      const res = await fetch(`${listening}/hooks/${token}`, { method: 'POST', body: JSON.stringify({ text: 'v2.3 is live' }) });
      expect(res.status).toBe(200);
      await waitUntil(() => texts().includes('v2.3 is live'), 'the hooked message', 20_000);
      expect(heard.find((e) => e.kind === 'message' && e.text === 'v2.3 is live')!.author).toMatchObject({ name: 'Deploy hook', bot: true });

      // By the first characters of the conversation id (titles are each member's own).
      const sent = await parley(['send', id.slice(0, 8), 'rolling back', '--profile', profile]);
      expect(sent.code, sent.stderr).toBe(0);
      await waitUntil(() => texts().includes('rolling back'), 'the message sent beside the hooks', 20_000);
    } finally {
      expect(await hooks.stop(), hooks.stderr).toBe(0);
    }

    await writeFile(config, JSON.stringify({ incoming: [{ token: 'short', conversation: invite }] }));
    const bad = await parley(['webhook', '--config', config, '--profile', profile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/token must be a string of at least 16 characters/);
  });
});
