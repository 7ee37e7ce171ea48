/**
 * `npm run bench [-- group…]`: builds the app, runs each row group in sequence (never in
 * parallel: they would skew each other on 2 cores), prints one markdown table to stdout and
 * writes it to bench/results.md. Progress goes to stderr.
 *
 * Exits 0 even when a goal is missed (the table says so); exits 1 when a measurement
 * crashed, after printing the rows that did complete.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { buildApp, type BuiltApp } from './app-build.js';
import { botsGroup } from './bots.js';
import { bundleSizeGroup } from './bundle-size.js';
import { filesGroup } from './files.js';
import type { BenchGroup } from './group.js';
import { lateJoinerGroup } from './late-joiner.js';
import { latencyGroup } from './latency.js';
import { mailboxGroup } from './mailbox.js';
import { progress } from './log.js';
import { waitForQuietMachine } from './machine.js';
import { openHistoryGroup } from './open-history.js';
import { relayGroup } from './relay.js';
import { removalGroup } from './removal.js';
import { sendCostGroup } from './send-cost.js';
import { signalingServerGroup } from './signaling-server.js';
import { crashedRow, formatTable, type Row } from './table.js';

const GROUPS: readonly BenchGroup[] = [latencyGroup, lateJoinerGroup, openHistoryGroup, sendCostGroup, signalingServerGroup, bundleSizeGroup, mailboxGroup, relayGroup, botsGroup, filesGroup, removalGroup];
const RESULTS_FILE = new URL('./results.md', import.meta.url);

/** Cleanups of the group in progress, so Ctrl-C still closes browsers and child processes. */
let pending: (() => unknown)[] = [];

async function runCleanups(): Promise<void> {
  const list = pending.reverse();
  pending = [];
  for (const cleanup of list) {
    try {
      await cleanup();
    } catch (error) {
      progress(`cleanup failed: ${(error as Error).message}`);
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  // The abandoned work may still reject later, once cleanup pulls its browser away.
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function runGroup(group: BenchGroup, appDir: string): Promise<{ rows: Row[]; ok: boolean }> {
  if (group.needsQuiet) await waitForQuietMachine();
  progress(`── ${group.name} ──`);
  const started = performance.now();
  try {
    const rows = await withTimeout(group.run({ appDir, defer: (cleanup) => pending.push(cleanup) }), group.timeoutMs, group.name);
    return { rows, ok: true };
  } catch (error) {
    progress(`${group.name} FAILED: ${(error as Error).stack ?? String(error)}`);
    return { rows: group.rows.map((r) => crashedRow(r.metric, r.goal)), ok: false };
  } finally {
    await runCleanups();
    progress(`${group.name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

function selectGroups(args: readonly string[]): readonly BenchGroup[] {
  if (args.length === 0) return GROUPS;
  const unknown = args.filter((a) => !GROUPS.some((g) => g.name === a));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench group(s): ${unknown.join(', ')}; choose from ${GROUPS.map((g) => g.name).join(', ')}\n`);
    process.exit(2);
  }
  return GROUPS.filter((g) => args.includes(g.name));
}

/** The commit measured, flagged when the app or server had uncommitted changes. */
function revision(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'signaling', 'index.html', 'vite.config.ts') !== '';
    return ` at ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' plus uncommitted changes' : ''}`;
  } catch {
    return '';
  }
}

function machineLine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${revision()} on ${os.cpus().length} × ${cpu}, Node ${process.versions.node}._`;
}

async function main(): Promise<number> {
  const selected = selectGroups(process.argv.slice(2));
  let app: BuiltApp | null = null;
  if (selected.some((g) => g.needsApp)) {
    progress('building the app (vite build)');
    app = await buildApp();
  }
  const rows: Row[] = [];
  let crashed = false;
  try {
    for (const group of selected) {
      const result = await runGroup(group, app?.dir ?? '');
      rows.push(...result.rows);
      crashed ||= !result.ok;
    }
  } finally {
    await app?.remove();
  }
  const table = formatTable(rows);
  process.stdout.write(table);
  if (selected.length === GROUPS.length) {
    await writeFile(RESULTS_FILE, `${table}\n${machineLine()}\n`);
    progress('table written to bench/results.md');
  } else {
    progress('partial run: bench/results.md left unchanged');
  }
  return crashed ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

main().then(
  // Exit explicitly: a stray socket from a crashed group must not keep the bench alive.
  (code) => process.exit(code),
  (error: unknown) => {
    progress(`bench failed: ${(error as Error).stack ?? String(error)}`);
    void runCleanups().finally(() => process.exit(1));
  },
);
