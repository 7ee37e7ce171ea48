/**
 * The profile's control socket over a real Unix socket, with the bot's operations stubbed
 * (the socket and its checks are the subject): requests and answers round-trip, bot errors
 * keep their code, malformed requests and arguments are refused without reaching the
 * operations, an over-long line closes the connection, and the socket is private (0600).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient, controlSocketPath, MAX_CONTROL_LINE, type BotOps } from '../../../src/bot/control.js';
import { ControlServer } from '../../../src/bot/control-server.js';
import { BotError } from '../../../src/bot/errors.js';
import { silentLogger } from '../../../src/core/logger.js';

let dir: string;
let server: ControlServer;
const calls: string[] = [];

const ops: BotOps = {
  info: async () => ({ name: 'Bot', identity: 'id', contactLink: 'link', safetyDigits: '1', profile: null, server: 'http://x' }),
  join: async (invite) => ({ id: 'topic' as never, title: invite }),
  create: async (title) => ({ id: 'topic' as never, title, invite: 'inv' }),
  conversations: async () => [],
  history: async () => [],
  send: async (conversation, text) => {
    calls.push(`send ${conversation} ${text}`);
    if (conversation === 'nowhere') throw new BotError('unknown-conversation', 'no conversation "nowhere"');
    return { id: 'e1' as never, conversation: conversation as never };
  },
  sendFile: async (conversation, file, options, onProgress) => {
    calls.push(`sendFile ${conversation} ${file} ${options.caption ?? ''}`);
    onProgress?.({ phase: 'fetching', name: 'a.bin', sent: 10, total: 20 });
    onProgress?.({ phase: 'held', name: 'a.bin', sent: 20, total: 20 });
    return { id: 'e2' as never, conversation: conversation as never, root: 'r', name: 'a.bin', size: 20 };
  },
  react: async () => undefined,
  subscribe: async () => () => undefined,
};

beforeEach(async () => {
  calls.length = 0;
  dir = await mkdtemp(path.join(tmpdir(), 'parley-control-'));
  server = new ControlServer(dir, ops, silentLogger);
  await server.start();
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Writes raw bytes and resolves with what came back before the server closed or 1 s passed. */
function raw(bytes: string): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(controlSocketPath(dir));
    let data = '';
    let closed = false;
    socket.on('data', (d) => (data += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      resolve({ data, closed });
    });
    socket.write(bytes);
    setTimeout(() => {
      socket.destroy();
      resolve({ data, closed });
    }, 1_000);
  });
}

describe('control socket', () => {
  it('streams a file send’s progress to the caller; the holder reads only absolute paths', async () => {
    const client = await ControlClient.connect(dir, null);
    try {
      const seen: number[] = [];
      const sent = await client.sendFile('ops', 'a.bin', { caption: 'logs' }, (p) => seen.push(p.sent));
      expect(sent).toMatchObject({ id: 'e2', root: 'r', size: 20 });
      expect(seen).toEqual([10, 20]);
      // The client resolves a relative path where it runs, before the holder sees it.
      expect(calls).toEqual([`sendFile ops ${path.resolve('a.bin')} logs`]);
    } finally {
      client.close();
    }
    const refused = await raw(JSON.stringify({ id: 1, op: 'sendFile', args: ['ops', 'a.bin', {}] }) + '\n');
    expect(refused.data).toContain('"code":"bad-file"');
    expect(calls).toHaveLength(1);
  });

  it('is private to the profile owner and answers requests, keeping error codes', async () => {
    expect((await stat(controlSocketPath(dir))).mode & 0o077).toBe(0);
    const client = await ControlClient.connect(dir, null);
    try {
      expect((await client.info()).name).toBe('Bot');
      expect(await client.send('ops', 'hello', {})).toEqual({ id: 'e1', conversation: 'ops' });
      const error = await client.send('nowhere', 'x', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BotError);
      expect((error as BotError).code).toBe('unknown-conversation');
    } finally {
      client.close();
    }
    expect(calls).toEqual(['send ops hello', 'send nowhere x']);
  });

  it('closes on malformed requests and refuses malformed arguments without running them', async () => {
    expect((await raw('not json\n')).closed).toBe(true);
    expect((await raw(JSON.stringify({ id: 1, op: 'exec', args: [] }) + '\n')).closed).toBe(true);
    const badArgs = await raw(JSON.stringify({ id: 2, op: 'send', args: [42, { text: 'x' }] }) + '\n');
    expect(JSON.parse(badArgs.data.trim())).toMatchObject({ id: 2, ok: false, error: { code: 'bad-message' } });
    expect((await raw('x'.repeat(MAX_CONTROL_LINE + 10))).closed).toBe(true);
    expect(calls).toEqual([]);
  });
});
