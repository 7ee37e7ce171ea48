/** Markdown tables of the load test (bench/load/run.ts), as README.md quotes them. */
import { formatBytes, formatCount } from '../stats.js';
import type { RigResult } from './rig.js';
import type { KillResult } from './mailbox-kills.js';
import { memoryTrend, type ProcessSeries } from './sampler.js';

export interface SteadyResult {
  readonly label: string;
  readonly seconds: number;
  readonly result: RigResult;
  readonly expected: number;
  readonly failedOpens: number;
  readonly series: ProcessSeries[];
  /** CPU seconds of the client workers (they share the machine with the servers). */
  readonly clientCpu: number;
}

export interface CapacityStep {
  readonly label: string;
  readonly publishesPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly p99: number;
  /** Received / expected deliveries. */
  readonly delivered: number;
  readonly errors: number;
  readonly cpu: { readonly name: string; readonly percent: number }[];
  sustained?: boolean;
}

export interface IdleResult {
  readonly label: string;
  readonly bytesPerConnection: number;
  readonly connections: number;
}

const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 1)} ms` : '—');
const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;
const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)}`;

export function machineNote(load: readonly number[], o: { seconds: number; clients: number; topics: number; intervalMs: number; workers: number }): string {
  return (
    `Loopback on one machine (2 cores shared with other work; load average ${load.map((l) => l.toFixed(2)).join(' ')} at the start). ` +
    `${formatCount(o.clients)} clients in ${o.workers} worker processes, ${formatCount(o.topics)} topics (${o.clients / o.topics} subscribers each), ` +
    `one ~300-byte publish per client every ${o.intervalMs / 1000} s, ${o.seconds} s per steady run. Servers, Redis and the clients all share the 2 cores.`
  );
}

export function steadyTable(runs: readonly SteadyResult[], intervalMs: number, clients: number, topics: number): string {
  const rows = runs.map((r) => {
    const cpu = r.series.map((s) => `${s.name} ${((s.cpu / r.seconds) * 100).toFixed(0)} %`).join(', ');
    const memory = r.series
      .filter((s) => s.name !== 'redis')
      .map((s) => {
        const t = memoryTrend(s);
        return `${s.name} ${mib(t.first)} → ${mib(t.last)} MiB (${t.growth >= 0 ? '+' : ''}${pct(t.growth)}, ${(t.slopePerMin / 1024 / 1024).toFixed(2)} MiB/min)`;
      })
      .join('; ');
    const lost = r.expected - r.result.received;
    const errors = r.result.socketErrors + r.result.sendFailures + r.failedOpens;
    return `| ${r.label} | ${ms(r.result.latency.percentile(50))} | ${ms(r.result.latency.percentile(99))} | ${ms(r.result.latency.max)} | ${formatCount(r.result.received / r.seconds)}/s | ${formatCount(Math.max(0, lost))} | ${errors} | ${memory} | ${cpu}; clients ${((r.clientCpu / r.seconds) * 100).toFixed(0)} % |`;
  });
  return [
    `## Steady load: ${formatCount(clients)} clients, ${formatCount(topics)} topics, 1 publish per client every ${intervalMs / 1000} s`,
    '',
    '| System | p50 relay | p99 relay | max | deliveries | lost | errors | memory per node (after 60 s warm-up: first → last fifth) | CPU (of one core) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function capacityTable(one: readonly CapacityStep[], two: readonly CapacityStep[], limitMs: number): string {
  const best = (steps: readonly CapacityStep[]): CapacityStep | undefined => steps.filter((s) => s.sustained).at(-1);
  const b1 = best(one);
  const b2 = best(two);
  const ratio = b1 && b2 ? b2.deliveriesPerSecond / b1.deliveriesPerSecond : Number.NaN;
  const rows = [...one, ...two].map(
    (s) =>
      `| ${s.label} | ${formatCount(s.publishesPerSecond)}/s | ${formatCount(s.deliveriesPerSecond)}/s | ${ms(s.p99)} | ${pct(s.delivered)} | ${s.errors} | ${s.sustained ? 'yes' : 'no'} | ${s.cpu.map((c) => `${c.name} ${c.percent.toFixed(0)} %`).join(', ')} |`,
  );
  return [
    `## Capacity: publish rate raised in steps until p99 ≥ ${limitMs} ms or < 99 % delivered`,
    '',
    '| System | publishes | deliveries | p99 | delivered | errors | sustained | CPU (of one core) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Best sustained fan-out: one node ${b1 ? formatCount(b1.deliveriesPerSecond) : '—'}/s, two nodes ${b2 ? formatCount(b2.deliveriesPerSecond) : '—'}/s: ` +
      `**${Number.isFinite(ratio) ? ratio.toFixed(2) : '—'}×** (goal ≥ 1.8× with p99 < ${limitMs} ms).`,
  ].join('\n');
}

export function idleTable(single: IdleResult, cluster: IdleResult): string {
  const ratio = cluster.bytesPerConnection / single.bytesPerConnection;
  return [
    `## Memory per idle connection (${formatCount(single.connections)} clients, each subscribed to its own topic, on one node)`,
    '',
    '| System | per idle connection |',
    '|---|---|',
    `| ${single.label} | ${formatBytes(single.bytesPerConnection)} |`,
    `| ${cluster.label} (node 1) | ${formatBytes(cluster.bytesPerConnection)} |`,
    '',
    `Cluster node / single node: **${ratio.toFixed(2)}×** (goal ≤ 1.2×).`,
  ].join('\n');
}

export function killTable(k: KillResult): string {
  return [
    '## Mailbox entries across node kills (2 nodes, PostgreSQL, Redis; 20 writers)',
    '',
    '| acknowledged (201) | lost | duplicates (unacknowledged retries that had committed) | failed attempts (retried) | SIGKILLs | seconds |',
    '|---|---|---|---|---|---|',
    `| ${formatCount(k.acknowledged)} | **${k.lost}** | ${k.duplicates} | ${k.failedAttempts} | ${k.kills} | ${k.seconds} |`,
  ].join('\n');
}
