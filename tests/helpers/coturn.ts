/**
 * A real coturn (Debian's `turnserver`) for tests: started on free loopback ports with a
 * temporary config in `use-auth-secret` mode, and killed at the end. A missing binary
 * fails loudly with the fix, like Chromium does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TURNSERVER_PATH = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

export interface Coturn {
  /** The listening port (UDP and TCP) on 127.0.0.1. */
  readonly port: number;
  /** `turn:127.0.0.1:<port>` */
  readonly url: string;
  /** Everything coturn logged, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** A port free for both UDP and TCP on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/** Sends STUN Binding requests to coturn until one is answered: then it is ready. */
async function waitReady(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  const socket = dgram.createSocket('udp4');
  const request = Buffer.from('000100002112a442' + '5061726c6579526561647921', 'hex');
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`coturn did not answer STUN within 15 s; log:\n${log()}`)), 15_000);
      const stop = (err?: Error): void => {
        clearTimeout(deadline);
        clearInterval(tick);
        if (err) reject(err);
        else resolve();
      };
      socket.on('message', () => stop());
      proc.once('exit', (code) => stop(new Error(`coturn exited with ${code}; log:\n${log()}`)));
      const tick = setInterval(() => socket.send(request, port, '127.0.0.1'), 100);
    });
  } finally {
    socket.close();
  }
}

export async function startCoturn(secret: string, realm = 'parley.test'): Promise<Coturn> {
  if (!existsSync(TURNSERVER_PATH)) {
    throw new Error(`coturn not found at ${TURNSERVER_PATH}. The TURN test needs it: install it with "apt-get install -y coturn", or set TURNSERVER_PATH.`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-coturn-'));
  const port = await freePort();
  // Relay ports from a range of our own, so parallel runs rarely collide.
  const minPort = 20_000 + Math.floor(Math.random() * 20_000);
  const conf = [
    `listening-port=${port}`,
    'listening-ip=127.0.0.1',
    'relay-ip=127.0.0.1',
    `min-port=${minPort}`,
    `max-port=${minPort + 200}`,
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    `realm=${realm}`,
    'fingerprint',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    'allow-loopback-peers',
    `pidfile=${path.join(dir, 'turnserver.pid')}`,
    `userdb=${path.join(dir, 'turndb')}`,
    'log-file=stdout',
    'simple-log',
    'verbose',
  ].join('\n');
  const confFile = path.join(dir, 'turnserver.conf');
  await writeFile(confFile, `${conf}\n`);
  const proc = spawn(TURNSERVER_PATH, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(port, proc, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url: `turn:127.0.0.1:${port}`, log: () => output, stop };
}
