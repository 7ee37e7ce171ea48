/**
 * `tsx signaling/main.ts` as `npm run serve` runs it: prints one line with the port,
 * and on SIGTERM closes every signaling socket with 1001 and exits 0.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import dgram from 'node:dgram';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../../src/core/wire/signaling.js';
import { SignalClient } from '../../helpers/raw-signal-client.js';
import { LineProcess } from '../../helpers/signaling-process.js';
import { writeStaticFixtures } from '../../helpers/signaling-server.js';

const LISTENING = /^Parley server listening on http:\/\/localhost:(\d+)$/;

let dir: string;
const procs: LineProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-main-'));
  await writeStaticFixtures(path.join(dir, 'static'));
});

afterEach(async () => {
  for (const p of procs.splice(0)) p.kill();
  await rm(dir, { recursive: true, force: true });
});

async function startMain(env: Record<string, string> = {}): Promise<{ proc: LineProcess; port: number }> {
  const proc = LineProcess.spawnTsx('signaling/main.ts', [], {
    PORT: '0',
    HOST: '127.0.0.1',
    STUN_PORT: '0',
    STATIC_DIR: path.join(dir, 'static'),
    DATA_DIR: path.join(dir, 'data'),
    ...env,
  });
  procs.push(proc);
  const line = await proc.waitForLine((l) => LISTENING.test(l), 'the listening line');
  return { proc, port: Number(LISTENING.exec(line)?.[1]) };
}

describe('signaling/main.ts lifecycle', () => {
  it('prints one listening line, serves, and on SIGTERM closes sockets with 1001 and exits 0', async () => {
    // A grace period a loaded machine cannot overshoot: this case is about the clean close.
    const { proc, port } = await startMain({ SHUTDOWN_GRACE_MS: '30000' });
    expect(port).toBeGreaterThan(0);
    expect((await stat(path.join(dir, 'data'))).isDirectory()).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    const client = await SignalClient.open(`ws://127.0.0.1:${port}/signal`);
    await client.subscribe(['room']);
    proc.child.kill('SIGTERM');
    expect(await client.closed).toEqual({ code: CloseCodes.goingAway, reason: 'server shutting down' });
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.lines).toHaveLength(1);
  });

  it('terminates a socket that never finishes the close handshake, then still exits 0', async () => {
    const { proc, port } = await startMain({ SHUTDOWN_GRACE_MS: '300' });
    const stuck = await SignalClient.open(`ws://127.0.0.1:${port}/signal`);
    await stuck.roundTrip();
    stuck.ws.pause(); // never reads the close frame, so never answers it
    proc.child.kill('SIGTERM');
    // Without the grace period's cut the process would wait for the handshake forever (the
    // test's timeout); no wall-clock bound here, which a loaded machine would overshoot.
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    stuck.ws.resume();
    expect((await stuck.closed).code).toBeGreaterThan(0);
  });

  it('exits 2 with a message when the environment is invalid', async () => {
    const proc = LineProcess.spawnTsx('signaling/main.ts', [], { PORT: 'eighty', DATA_DIR: path.join(dir, 'data') });
    procs.push(proc);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr).toContain('PORT must be a non-negative integer');
    expect(proc.lines).toEqual([]);
  });

  it('exits 1 naming the STUN port when that UDP port is taken, and leaves the HTTP port free', async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    try {
      const stunPort = taken.address().port;
      const proc = LineProcess.spawnTsx('signaling/main.ts', [], { PORT: '0', HOST: '127.0.0.1', STUN_PORT: String(stunPort), DATA_DIR: path.join(dir, 'data') });
      procs.push(proc);
      expect((await proc.exited).code).toBe(1);
      expect(proc.stderr).toContain(`cannot bind the STUN responder to udp 127.0.0.1:${stunPort} (EADDRINUSE)`);
      expect(proc.lines).toEqual([]);
    } finally {
      taken.close();
    }
  });
});
