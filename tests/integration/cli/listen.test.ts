/**
 * `parley listen --json` keeps listening across a server restart: with WebRTC off on both
 * sides every message goes through the server's relay, so the line printed after the
 * restart proves listen reconnected by itself. Each event is printed once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyBot } from '../../../src/bot/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import { parley, RunningCli } from '../../helpers/cli.js';
import { restartTestServer, startTestServer, type TestServer } from '../../helpers/signaling-server.js';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), 'parley-listen-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('parley listen', () => {
  it('reconnects by itself after the server restarts and prints each message once', async () => {
    const profile = path.join(dir, 'listener');
    const port = Number(new URL(server.httpUrl).port);
    const member = await ParleyBot.start({ memory: true, server: server.httpUrl, name: 'Gus', logger: silentLogger, direct: false });
    const listen = (): RunningCli => RunningCli.start(['listen', '--json', '--relay-only', '--profile', profile]);
    let running: RunningCli | null = null;
    try {
      const { id, invite } = await member.create('Ops');
      expect((await parley(['init', '--name', 'Listener', '--profile', profile, '--server', server.httpUrl])).code).toBe(0);
      const joined = await parley(['join', invite, '--relay-only', '--profile', profile]);
      expect(joined.code, joined.stderr).toBe(0);

      running = listen();
      await running.waitFor(/Listening/);
      await member.send(id, 'before the restart');
      await running.waitFor(/before the restart/);

      server = await restartTestServer(server, { port });
      await member.send(id, 'after the restart', { timeoutMs: 150_000 });
      await running.waitFor(/after the restart/, 150_000);
      const texts = running.lines.map((l) => (JSON.parse(l) as { text?: string }).text);
      expect(texts).toEqual(['before the restart', 'after the restart']);
      expect(await running.stop(), running.stderr).toBe(0);
    } finally {
      await running?.stop();
      await member.stop();
    }
    // Its own waits (a 150 s acknowledged send, 150 s for the line) exceed the project's 60 s:
    // four CLI processes and a restart on a loaded 2-core machine took longer than that.
  }, 330_000);
});
