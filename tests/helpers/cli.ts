/**
 * Runs the real `parley` command (bin/parley.js, as `npx parley` does) in a child process:
 * one-shot commands to completion, long-running ones (`listen`, `webhook`) with their stdout
 * read line by line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const PARLEY_BIN = path.resolve('bin/parley.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `parley ...args` to completion. */
export function parley(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PARLEY_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `parley` process whose stdout lines are collected. */
export class RunningCli {
  readonly lines: string[] = [];
  stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.lines.push(line));
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  static start(args: readonly string[], env: Record<string, string> = {}): RunningCli {
    return new RunningCli(spawn(process.execPath, [PARLEY_BIN, ...args], { env: { ...process.env, ...env } }));
  }

  /** Waits until stderr or stdout shows `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stderr) && !this.lines.some((l) => pattern.test(l))) {
      if (Date.now() > deadline) throw new Error(`parley never printed ${pattern}; stderr: ${this.stderr}`);
      if (this.child.exitCode !== null) throw new Error(`parley exited ${this.child.exitCode}; stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Interrupts (as Ctrl-C does) and resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
