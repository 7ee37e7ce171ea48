/**
 * Commands for the network lab: run `ip`/`iptables` with a clear error when they fail, and
 * the preflight that refuses to run without root or the tools (the lab never skips: a lab
 * that cannot build its networks must say so loudly).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { TURNSERVER_PATH } from '../../helpers/coturn.js';

export const IP = '/usr/sbin/ip';
export const IPTABLES = '/usr/sbin/iptables';
export const TURNSERVER = TURNSERVER_PATH;

export class LabCommandError extends Error {
  readonly code = 'lab-command-failed';
  constructor(
    readonly command: string,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`lab command failed: ${command}\n${stderr.trim()}`, options);
  }
}

/** Runs a command, resolving with its stdout; rejects with its stderr in the message. */
export function run(file: string, args: readonly string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new LabCommandError([file, ...args].join(' '), `${stderr}${error.message}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

/** `ip <args>` in the host namespace (namespaces and links are addressed with `-n`). */
export const ip = (...args: string[]): Promise<string> => run(IP, args);

/** A command inside network namespace `ns`. */
export const inNs = (ns: string, file: string, ...args: string[]): Promise<string> => run(IP, ['netns', 'exec', ns, file, ...args]);

/** `iptables <args>` inside `ns`; `-w` waits for the xtables lock instead of failing. */
export const iptables = (ns: string, ...args: string[]): Promise<string> => inNs(ns, IPTABLES, '-w', '5', ...args);

/**
 * Fails with the reason and the fix when the lab cannot run here. CI runs as root and
 * `.ci/run` installs iptables and coturn.
 */
export function preflight(): void {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('it must run as root (it creates network namespaces and iptables rules): run it with sudo or as root');
  if (!existsSync(IP)) problems.push(`${IP} is missing: apt-get install -y iproute2`);
  if (!existsSync(IPTABLES)) problems.push(`${IPTABLES} is missing: apt-get install -y iptables`);
  if (!existsSync(TURNSERVER)) problems.push(`${TURNSERVER} is missing: apt-get install -y coturn (or set TURNSERVER_PATH)`);
  if (problems.length > 0) throw new Error(`npm run test:network cannot run: ${problems.join('; ')}.`);
}
