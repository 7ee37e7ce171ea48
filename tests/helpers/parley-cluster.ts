/**
 * Several Parley nodes as separate processes sharing one real PostgreSQL and one real Redis,
 * all started on free loopback ports with temporary directories, and torn down together.
 * The nodes share one data directory, which in this mode holds only `vapid.json`: every
 * node must sign pushes with the same VAPID key (docs/architecture.md §6).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgresCluster } from './postgres-cluster.js';
import { RedisServer } from './redis-server.js';
import { ServerProcess } from './server-process.js';

/** Bearer token every node's `/metrics` answers to. */
export const CLUSTER_METRICS_TOKEN = 'cluster-test-metrics-token';

export class ParleyCluster {
  private constructor(
    readonly postgres: PostgresCluster,
    readonly redis: RedisServer,
    readonly nodes: ServerProcess[],
    private readonly dataDir: string,
  ) {}

  /** Starts `count` nodes; `env` adds settings every node gets (as compose.yaml would). */
  static async start(count: number, env: Readonly<Record<string, string>> = {}): Promise<ParleyCluster> {
    const postgres = await PostgresCluster.start();
    let redis: RedisServer | undefined;
    const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-cluster-'));
    const nodes: ServerProcess[] = [];
    try {
      redis = await RedisServer.start();
      // One after the other: the first creates the schema and the VAPID key.
      for (let i = 1; i <= count; i++) {
        nodes.push(await ServerProcess.start('dist', { dataDir, env: { METRICS_TOKEN: CLUSTER_METRICS_TOKEN, ...env, DATABASE_URL: postgres.url, REDIS_URL: redis.url, NODE_ID: `node${i}` } }));
      }
      return new ParleyCluster(postgres, redis, nodes, dataDir);
    } catch (err) {
      await Promise.all(nodes.map((n) => n.stop()));
      await redis?.stop();
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  node(i: number): ServerProcess {
    const node = this.nodes[i - 1];
    if (!node) throw new Error(`no node ${i}`);
    return node;
  }

  /** Every node's log, labelled, for failure messages. */
  logs(): string {
    return this.nodes.map((n, i) => `--- node${i + 1} ---\n${n.output()}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await this.redis.stop();
    await this.postgres.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
