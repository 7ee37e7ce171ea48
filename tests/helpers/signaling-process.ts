/**
 * Child processes for integration tests: spawn a tsx script, read its stdout as lines,
 * await a matching line, and await its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';

export const TSX_BIN = path.resolve('node_modules/.bin/tsx');

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class LineProcess {
  /** Every stdout line so far. */
  readonly lines: string[] = [];
  /** Everything written to stderr, for failure messages. */
  stderr = '';
  /** Resolves when the process exits. */
  readonly exited: Promise<ChildExit>;
  private readonly listeners = new Set<(line: string) => void>();

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const l of [...this.listeners]) l(line);
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Runs `tsx <script> ...args` from the repository root with extra environment. */
  static spawnTsx(script: string, args: readonly string[] = [], env: Readonly<Record<string, string>> = {}): LineProcess {
    // Own process group: tsx runs the script in a child process, and cleanup must be able
    // to reach both (see kill()).
    const child = spawn(TSX_BIN, [script, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    return new LineProcess(child);
  }

  /** The first past or future stdout line matching `match`. */
  waitForLine(match: (line: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`timed out waiting for ${what}; stderr:\n${this.stderr}`));
      }, timeoutMs);
      const listener = (line: string): void => {
        if (!match(line)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(line);
      };
      this.listeners.add(listener);
      void this.exited.then(() => {
        if (!this.listeners.has(listener)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        reject(new Error(`process exited while waiting for ${what}; stderr:\n${this.stderr}`));
      });
    });
  }

  /** Writes one JSON line to stdin. */
  send(value: unknown): void {
    this.child.stdin!.write(`${JSON.stringify(value)}\n`);
  }

  /** Kills the process group if the process is still running (test cleanup). */
  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
