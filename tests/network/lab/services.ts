/**
 * The programs on the lab's internet: the real Parley server (`tsx signaling/main.ts`, as
 * `npm start` runs it, serving the built app) and Debian's coturn. Each runs inside the
 * server namespace under `ip netns exec`, in its own process group so it can be killed whole.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LineProcess, TSX_BIN } from '../../helpers/signaling-process.js';
import { IP, TURNSERVER } from './shell.js';
import { SERVER_IP, SERVER_NS, TURN_IP } from './topology.js';

/** The lab server's HTTP port (inside its own namespace, so it cannot clash with the host). */
export const SERVER_PORT = 8787;
export const SERVER_ORIGIN = `http://${SERVER_IP}:${SERVER_PORT}`;
/** coturn listens here; not 3478, which the Parley server's built-in STUN may hold. */
export const TURN_PORT = 3479;
export const TURN_SECRET = 'parley-lab-turn-secret';

function spawnInNs(ns: string, file: string, args: readonly string[], env: Readonly<Record<string, string>>): LineProcess {
  const child = spawn(IP, ['netns', 'exec', ns, file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return new LineProcess(child);
}

export interface LabService {
  /** Everything it wrote so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs `file` in namespace `ns` and resolves once it prints a line matching `ready`. Its
 * temporary directory `dir` is removed when it stops; if it never gets ready, it is stopped
 * before the error is rethrown.
 */
async function startService(ns: string, file: string, args: readonly string[], env: Readonly<Record<string, string>>, dir: string, ready: { match: RegExp; what: string; timeoutMs: number }): Promise<LabService> {
  const proc = spawnInNs(ns, file, args, env);
  const service: LabService = {
    output: () => `${proc.lines.join('\n')}\n${proc.stderr}`,
    async stop() {
      proc.kill();
      await Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await proc.waitForLine((l) => ready.match.test(l), ready.what, ready.timeoutMs);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}

/**
 * Starts the Parley server in the server namespace on all its addresses, with `env` on top
 * of the defaults (`npm start` settings otherwise), and resolves once it listens.
 */
export async function startParley(staticDir: string, env: Readonly<Record<string, string>> = {}): Promise<LabService> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'plab-data-'));
  const serverEnv = { PORT: String(SERVER_PORT), DATA_DIR: dataDir, STATIC_DIR: staticDir, ...env };
  return startService(SERVER_NS, TSX_BIN, ['signaling/main.ts'], serverEnv, dataDir, { match: /^Parley server listening on/, what: 'the lab server to listen', timeoutMs: 30_000 });
}

/**
 * Starts coturn on TURN_IP:TURN_PORT with coturn's `use-auth-secret` REST scheme (the
 * shared secret is TURN_SECRET). It also answers plain STUN Binding requests.
 */
export async function startCoturn(): Promise<LabService> {
  const dir = await mkdtemp(path.join(tmpdir(), 'plab-turn-'));
  const config = path.join(dir, 'turnserver.conf');
  await writeFile(
    config,
    [
      `listening-ip=${TURN_IP}`,
      `relay-ip=${TURN_IP}`,
      `listening-port=${TURN_PORT}`,
      'min-port=50000',
      'max-port=50999',
      'realm=parley.lab',
      'fingerprint',
      'use-auth-secret',
      `static-auth-secret=${TURN_SECRET}`,
      'no-tls',
      'no-dtls',
      'no-cli',
      'no-multicast-peers',
      `pidfile=${path.join(dir, 'turnserver.pid')}`,
      `userdb=${path.join(dir, 'turndb')}`,
      'log-file=stdout',
      'simple-log',
      'verbose',
    ].join('\n') + '\n',
  );
  return startService(SERVER_NS, TURNSERVER, ['-c', config], {}, dir, { match: /Total General servers/, what: 'coturn to listen', timeoutMs: 20_000 });
}
