/**
 * Child processes for the bench: Node with the tsx loader, in their own process group so
 * cleanup reaches everything they start, with stdout read line by line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Everything written to stderr so far, for error messages. */
  readonly stderr: () => string;
  /** The first stdout line matching `match`. */
  line(match: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGKILLs the whole process group if still running. */
  kill(): void;
}

/**
 * `node [nodeArgs] script [args]`. With `tsx`, TypeScript runs through tsx's loader inside
 * this one process (no wrapper process whose memory would blur an RSS reading).
 */
export function spawnNode(script: string, args: readonly string[], opts: { nodeArgs?: readonly string[]; tsx?: boolean; env?: Record<string, string> } = {}): NodeChild {
  const nodeArgs = [...(opts.tsx ? ['--import', 'tsx'] : []), ...(opts.nodeArgs ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const pid = child.pid;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    process: child,
    pid,
    stderr: () => stderr,
    exited,
    line(match, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          for (const l of lines) {
            const m = match.exec(l);
            if (m) {
              finish();
              resolve(m);
              return true;
            }
          }
          return false;
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${script}: no line matching ${match} within ${timeoutMs / 1000} s; stderr:\n${stderr}`));
        }, timeoutMs);
        const onExit = (): void => {
          // Give the last stdout lines a chance to arrive before giving up.
          setTimeout(() => {
            if (check()) return;
            finish();
            reject(new Error(`${script} exited before printing ${match}; stderr:\n${stderr}`));
          }, 50);
        };
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          child.off('exit', onExit);
        };
        const waiter = (): void => void check();
        if (check()) return;
        waiters.add(waiter);
        if (running()) child.once('exit', onExit);
        else onExit();
      });
    },
    kill() {
      if (!running()) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
