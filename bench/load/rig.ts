/**
 * Drives the client workers: forks them (Node with tsx's in-process loader), splits the
 * clients among them, and merges what they measured.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Histogram } from './histogram.js';
import type { RunStats, WorkerCommand, WorkerEvent } from './client-worker.js';

export interface RigResult {
  readonly published: number;
  readonly received: number;
  readonly sendFailures: number;
  readonly socketErrors: number;
  readonly latency: Histogram;
}

export class ClientRig {
  private constructor(private readonly workers: ChildProcess[]) {}

  /** Forks `count` worker processes. */
  static start(count: number): ClientRig {
    const workers = Array.from({ length: count }, () =>
      fork(new URL('./client-worker.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    return new ClientRig(workers);
  }

  /** Worker pids, for CPU readings. */
  get pids(): number[] {
    return this.workers.map((w) => w.pid!).filter((p) => p !== undefined);
  }

  /** Opens `clients` sockets spread over `urls` (client i → urls[i % n]), topic i % topics. */
  async open(urls: readonly string[], clients: number, topics: number): Promise<{ failed: number; seconds: number }> {
    const per = Math.ceil(clients / this.workers.length);
    const events = await Promise.all(
      this.workers.map((w, k) => this.ask(w, { cmd: 'open', urls, first: k * per, count: Math.max(0, Math.min(per, clients - k * per)), topics }, 'opened')),
    );
    return {
      failed: events.reduce((s, e) => s + (e.ev === 'opened' ? e.failed : 0), 0),
      seconds: Math.max(...events.map((e) => (e.ev === 'opened' ? e.ms : 0))) / 1000,
    };
  }

  /** Every client publishes once per `intervalMs` for `seconds`; returns the merged measurements. */
  async run(intervalMs: number, seconds: number): Promise<RigResult> {
    const events = await Promise.all(this.workers.map((w) => this.ask(w, { cmd: 'run', intervalMs, seconds }, 'ran')));
    const stats = events.map((e) => (e as { stats: RunStats }).stats);
    const latency = new Histogram();
    for (const s of stats) latency.merge(Histogram.fromJSON(s.latency));
    const sum = (k: 'published' | 'received' | 'sendFailures' | 'socketErrors'): number => stats.reduce((t, s) => t + s[k], 0);
    return { published: sum('published'), received: sum('received'), sendFailures: sum('sendFailures'), socketErrors: sum('socketErrors'), latency };
  }

  async closeClients(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.ask(w, { cmd: 'close' }, 'closed')));
  }

  stop(): void {
    for (const w of this.workers) if (w.exitCode === null) w.kill('SIGKILL');
  }

  private ask(worker: ChildProcess, command: WorkerCommand, answer: WorkerEvent['ev']): Promise<WorkerEvent> {
    return new Promise((resolve, reject) => {
      const onMessage = (event: WorkerEvent): void => {
        if (event.ev !== answer) return;
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        resolve(event);
      };
      const onExit = (code: number | null): void => reject(new Error(`load worker exited (${code}) during ${command.cmd}`));
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.send(command);
    });
  }
}
