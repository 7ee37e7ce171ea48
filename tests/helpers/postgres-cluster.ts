/**
 * A throwaway PostgreSQL cluster for tests: Debian's binaries, its own temporary data
 * directory and a free loopback port, run as the `postgres` user (PostgreSQL refuses to
 * run as root). `stop()` removes everything; a process-exit hook stops a cluster a crashed
 * test left running, so no server outlives the test process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './server-process.js';

/** The newest `/usr/lib/postgresql/<n>/bin`; throws (loudly) when PostgreSQL is not installed. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => path.join(root, v, 'bin')).find((d) => existsSync(path.join(d, 'initdb')));
  if (dir === undefined) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql); the PostgreSQL tests need its initdb and pg_ctl');
  return dir;
}

const running = new Set<PostgresCluster>();
process.once('exit', () => {
  for (const c of running) c.stopSync();
});

export class PostgresCluster {
  private constructor(
    /** Loopback port the server listens on. */
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/parley`: a database made for the test. */
  get url(): string {
    return this.urlOf('parley');
  }

  urlOf(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  static async start(): Promise<PostgresCluster> {
    const bin = postgresBinDir();
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-pg-'));
    const cluster = new PostgresCluster(await freePort(), dir, bin);
    if (userInfo().uid === 0) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
    cluster.asPostgres('initdb', ['-D', cluster.dataDir, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    running.add(cluster);
    await cluster.resume();
    const admin = new pg.Client({ connectionString: cluster.urlOf('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE parley');
    await admin.end();
    return cluster;
  }

  /** Starts the server (again) on the same port and data directory. */
  async resume(): Promise<void> {
    // fsync stays on: "acknowledged means committed" is only tested if commits reach disk.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c max_connections=60`;
    this.asPostgres('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
  }

  /**
   * Stops the server. `immediate` is a crash as far as clients can tell: connections are
   * cut without a clean shutdown and recovery replays the WAL on the next start.
   */
  pause(mode: 'fast' | 'immediate' = 'immediate'): void {
    this.asPostgres('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }

  /** Stops the server and deletes its directory. Idempotent. */
  async stop(): Promise<void> {
    this.stopSync();
  }

  stopSync(): void {
    if (!running.delete(this)) return;
    spawnSync(path.join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', 'stop'], { stdio: 'ignore', ...this.userOptions() });
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's log, for failure messages. */
  log(): string {
    try {
      return execFileSync('cat', [path.join(this.dir, 'log')], { encoding: 'utf8' });
    } catch {
      return '';
    }
  }

  private userOptions(): { uid?: number; gid?: number } {
    return userInfo().uid === 0 ? { uid: uidOf('postgres'), gid: gidOf('postgres') } : {};
  }

  private asPostgres(tool: string, args: readonly string[]): void {
    execFileSync(path.join(this.bin, tool), args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir, ...this.userOptions() });
  }
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
