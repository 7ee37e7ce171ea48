/**
 * The systems under load, each a set of child processes on loopback: one Parley node, two
 * Parley nodes sharing a Redis (and, for the mailbox rows, a PostgreSQL), or y-webrtc's own
 * `bin/server.js`. Every process is killed when the target stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PostgresCluster } from '../../tests/helpers/postgres-cluster.js';
import { RedisServer } from '../../tests/helpers/redis-server.js';
import { freePort } from '../../tests/helpers/server-process.js';
import { spawnNode, type NodeChild } from '../child.js';

export interface LoadTarget {
  readonly label: string;
  /** ws:// URLs of the signaling endpoints clients spread over. */
  readonly urls: string[];
  /** http:// base URLs of the Parley nodes (none for y-webrtc). */
  readonly http: string[];
  /** Server processes whose memory and CPU are reported, by name. */
  readonly processes: { readonly name: string; readonly pid: number }[];
  /** Kills node `i` (0-based) with SIGKILL and starts it again on the same port. */
  restartNode?(i: number, downMs: number): Promise<void>;
  stop(): Promise<void>;
}

interface ParleyNode {
  child: NodeChild;
  readonly port: number;
  readonly env: Record<string, string>;
}

async function spawnParley(port: number, env: Record<string, string>): Promise<NodeChild> {
  const child = spawnNode('signaling/main.ts', [], {
    tsx: true,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      STUN_PORT: '0',
      // Every load client comes from 127.0.0.1.
      MAX_SOCKETS_PER_IP: '100000',
      MAX_SOCKETS: '100000',
      ...env,
    },
  });
  await child.line(/^Parley server listening on /);
  return child;
}

/** One node, or several sharing Redis (and PostgreSQL when `postgres`). */
export async function startParley(nodes: number, opts: { postgres?: boolean } = {}): Promise<LoadTarget> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-load-'));
  const redis = nodes > 1 ? await RedisServer.start() : null;
  const pg = opts.postgres ? await PostgresCluster.start() : null;
  const running: ParleyNode[] = [];
  const stop = async (): Promise<void> => {
    for (const n of running) {
      n.child.kill();
      await n.child.exited;
    }
    await redis?.stop();
    await pg?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < nodes; i++) {
      const env: Record<string, string> = { DATA_DIR: dataDir, STATIC_DIR: dataDir, NODE_ID: `load${i + 1}` };
      if (redis) env.REDIS_URL = redis.url;
      if (pg) env.DATABASE_URL = pg.url;
      const port = await freePort();
      running.push({ child: await spawnParley(port, env), port, env });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const label = nodes === 1 && !opts.postgres ? 'Parley, 1 node' : `Parley, ${nodes} nodes + Redis${pg ? ' + PostgreSQL' : ''}`;
  const processes = (): { name: string; pid: number }[] => [
    ...running.map((n, i) => ({ name: `node${i + 1}`, pid: n.child.pid })),
    ...(redis?.child?.pid ? [{ name: 'redis', pid: redis.child.pid }] : []),
  ];
  return {
    label,
    urls: running.map((n) => `ws://127.0.0.1:${n.port}/signal`),
    http: running.map((n) => `http://127.0.0.1:${n.port}`),
    get processes() {
      return processes();
    },
    async restartNode(i, downMs) {
      const node = running[i]!;
      node.child.kill();
      await node.child.exited;
      await new Promise((r) => setTimeout(r, downMs));
      node.child = await spawnParley(node.port, node.env);
    },
    stop,
  };
}

export async function startYWebrtc(): Promise<LoadTarget> {
  const port = await freePort();
  const child = spawnNode('node_modules/y-webrtc/bin/server.js', [], { env: { PORT: String(port) } });
  await child.line(/^Signaling server running/);
  return {
    label: 'y-webrtc bin/server.js',
    urls: [`ws://127.0.0.1:${port}`],
    http: [],
    processes: [{ name: 'server', pid: child.pid }],
    async stop() {
      child.kill();
      await child.exited;
    },
  };
}
