/**
 * The `parley` command with a person in Chromium: the CLI (a separate Node process with its
 * own identity, real WebRTC or the relay, a SQLite profile) joins the person's conversation
 * by its invite and sends; the person sees the message under the bot's name with its badge;
 * the person replies and `parley listen --json` prints the reply as one JSON line. While
 * `listen` holds the profile, other commands reach it through its control socket.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoBot } from '../../examples/echo-bot.js';
import { silentLogger } from '../../src/core/logger.js';
import { useAppStage } from '../helpers/app-stage.js';
import { parley, RunningCli } from '../helpers/cli.js';
import { ParleyUser } from '../helpers/parley-user.js';

const stage = useAppStage();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parley CLI', () => {
  it('joins a Chromium user’s conversation, sends with a bot badge, and listens for the reply as JSON', async () => {
    const profile = path.join(dir, 'build-bot');
    const alice = await ParleyUser.create(stage.browser, 'Alice');
    await alice.start(stage.app.url);
    const invite = await alice.newConversation();

    const init = await parley(['init', '--name', 'Build bot', '--profile', profile, '--server', stage.app.url, '--json']);
    expect(init.code, init.stderr).toBe(0);
    const me = JSON.parse(init.stdout) as { name: string; identity: string; contactLink: string; safetyDigits: string };
    expect(me.name).toBe('Build bot');
    expect(me.contactLink).toContain(stage.app.url);
    expect(me.safetyDigits.replace(/\s/g, '')).toMatch(/^\d{30}$/);
    // The profile holds private keys: only its owner may read it.
    expect((await stat(profile)).mode & 0o077).toBe(0);
    // A second init refuses to replace the identity.
    expect((await parley(['init', '--name', 'Other', '--profile', profile])).code).toBe(3);

    const joined = await parley(['join', invite, '--profile', profile]);
    expect(joined.code, joined.stderr).toBe(0);
    expect(joined.stdout).toMatch(/^Joined /);

    const sent = await parley(['send', invite, 'Build 42 passed', '--profile', profile, '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    await alice.waitForMessage('Build 42 passed');
    const row = alice.messageRow('Build 42 passed');
    await expect(row.getAttribute('aria-label')).resolves.toMatch(/^Build bot \(bot\), /);
    await expect(row.getByText('bot', { exact: true }).isVisible()).resolves.toBe(true);

    const listen = RunningCli.start(['listen', '--json', '--profile', profile]);
    try {
      await listen.waitFor(/Listening/);
      await alice.send('Thanks, bot');
      await listen.waitFor(/Thanks, bot/, 60_000);
      const event = JSON.parse(listen.lines.find((l) => l.includes('Thanks, bot'))!) as Record<string, unknown>;
      expect(event).toMatchObject({ type: 'message', text: 'Thanks, bot', author: { name: 'Alice', bot: false, verified: false } });
      expect(typeof (event.author as { identity: unknown }).identity).toBe('string');
      expect(Number.isNaN(Date.parse(event.time as string))).toBe(false);
      // Exactly one line for the reply.
      expect(listen.lines.filter((l) => l.includes('Thanks, bot'))).toHaveLength(1);

      // While listen holds the profile, history and send reach it through the control socket.
      const history = await parley(['history', invite, '--limit', '5', '--json', '--profile', profile]);
      expect(history.code, history.stderr).toBe(0);
      const texts = (JSON.parse(history.stdout) as Array<{ text: string }>).map((m) => m.text);
      expect(texts).toEqual(['Build 42 passed', 'Thanks, bot']);
      const again = await parley(['send', invite, 'Deploy started', '--profile', profile]);
      expect(again.code, again.stderr).toBe(0);
      await alice.waitForMessage('Deploy started');
    } finally {
      expect(await listen.stop()).toBe(0);
    }

    // Errors: documented exit codes, messages on stderr.
    const unknown = await parley(['send', 'no-such-conversation', 'x', '--profile', profile]);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/no conversation/);
    const usage = await parley(['frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command/);
    await alice.close();
  });

  it('the echo-bot example answers a Chromium user', async () => {
    const bob = await ParleyUser.create(stage.browser, 'Bob');
    await bob.start(stage.app.url);
    const invite = await bob.newConversation();
    const echo = await startEchoBot({ profile: path.join(dir, 'echo'), server: stage.app.url, name: 'Echo', logger: silentLogger });
    try {
      await echo.join(invite, { timeoutMs: 30_000 });
      await bob.send('hello echo');
      await bob.waitForMessage('Echo: hello echo', 30_000);
      await expect(bob.messageRow('Echo: hello echo').getAttribute('aria-label')).resolves.toMatch(/^Echo \(bot\), /);
    } finally {
      await echo.stop();
      await bob.close();
    }
  });
});
