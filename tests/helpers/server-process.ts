/**
 * The real server as a separate process on a fixed port, so a test can SIGKILL it and start
 * it again on the same port and data directory (the browser's storage is per origin, so
 * the port must not change).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LineProcess } from './signaling-process.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export class ServerProcess {
  private process: LineProcess | null = null;
  /** Everything every run of the server wrote to stdout and stderr. */
  log = '';

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly staticDir: string,
    /** Extra environment (cluster settings); the data directory is not ours to delete when given. */
    private readonly env: Readonly<Record<string, string>> = {},
    private readonly ownsDataDir = true,
  ) {}

  static async start(staticDir = 'dist', options: { env?: Readonly<Record<string, string>>; dataDir?: string } = {}): Promise<ServerProcess> {
    const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'parley-proc-')));
    const server = new ServerProcess(await freePort(), dataDir, staticDir, options.env, options.dataDir === undefined);
    await server.spawn();
    return server;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.process !== null;
  }

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  async spawn(): Promise<void> {
    const proc = LineProcess.spawnTsx('signaling/main.ts', [], { PORT: String(this.port), HOST: '127.0.0.1', STUN_PORT: '0', DATA_DIR: this.dataDir, STATIC_DIR: this.staticDir, ...this.env });
    this.process = proc;
    await proc.waitForLine((l) => l.startsWith('Parley server listening on'), 'the server to listen');
  }

  /** `kill -9`: no shutdown hooks, no flushing; only what was committed survives. */
  async kill9(): Promise<void> {
    const proc = this.process;
    if (!proc) return;
    proc.kill();
    await proc.exited;
    this.log += proc.lines.join('\n') + proc.stderr;
    this.process = null;
  }

  async stop(): Promise<void> {
    await this.kill9();
    if (this.ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  /** Everything logged so far, the current run included. */
  output(): string {
    return this.log + (this.process ? this.process.lines.join('\n') + this.process.stderr : '');
  }
}
