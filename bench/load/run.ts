/**
 * `npm run load [-- options]`: the scale-out load test (docs/architecture.md §6). Loopback
 * only, bounded in clients and time, stops by itself; not part of `npm test`.
 *
 * Phases (each on fresh processes):
 * - steady: `--clients` WebSocket clients over `--topics` topics, each publishing every
 *   `--interval` ms for `--seconds`, against two Parley nodes + Redis (clients alternate
 *   nodes, so most deliveries cross Redis), one Parley node, and y-webrtc's bin/server.js;
 *   relay latency p50/p99, losses, errors, memory per node over time, CPU.
 * - capacity: the same clients publishing faster in steps until p99 ≥ 100 ms or deliveries
 *   fall short; the best sustained deliveries/s of two nodes against one.
 * - idle: memory per idle subscribed connection on a cluster node against a single node.
 * - kills: mailbox writers through two nodes on PostgreSQL while each node is SIGKILLed.
 *
 * Options: --seconds N (300) --clients N (5000) --topics N (500) --interval MS (5000)
 * --workers N (2) --step-seconds N (30) --only steady,capacity,idle,kills --quick (1000
 * clients, 30 s, 10 s steps). Prints the tables and writes bench/load/results.md.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { progress } from '../log.js';
import { formatCount, sleep } from '../stats.js';
import { mailboxKills, type KillResult } from './mailbox-kills.js';
import { capacityTable, idleTable, killTable, machineNote, steadyTable, type CapacityStep, type IdleResult, type SteadyResult } from './report.js';
import { ClientRig } from './rig.js';
import { Sampler } from './sampler.js';
import { startParley, startYWebrtc, type LoadTarget } from './targets.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    clients: { type: 'string', default: '5000' },
    topics: { type: 'string', default: '500' },
    interval: { type: 'string', default: '5000' },
    workers: { type: 'string', default: '2' },
    'step-seconds': { type: 'string', default: '30' },
    only: { type: 'string', default: 'steady,capacity,idle,kills' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const opts = {
  seconds: quick ? 30 : Number(values.seconds),
  clients: quick ? 1000 : Number(values.clients),
  topics: quick ? 100 : Number(values.topics),
  intervalMs: Number(values.interval),
  workers: Number(values.workers),
  stepSeconds: quick ? 10 : Number(values['step-seconds']),
  only: new Set(values.only.split(',')),
};
const perTopic = opts.clients / opts.topics;
const P99_LIMIT_MS = 100;

/** Everything started, so a crash or Ctrl-C still stops it (the test must stop by itself). */
const cleanups: (() => unknown)[] = [];
async function cleanup(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().then(() => process.exit(130)));

async function withTarget<T>(start: () => Promise<LoadTarget>, use: (t: LoadTarget, rig: ClientRig) => Promise<T>): Promise<T> {
  const target = await start();
  const rig = ClientRig.start(opts.workers);
  const stop = async (): Promise<void> => {
    rig.stop();
    await target.stop();
  };
  cleanups.push(stop);
  try {
    return await use(target, rig);
  } finally {
    cleanups.splice(cleanups.indexOf(stop), 1);
    await stop();
  }
}

async function steady(start: () => Promise<LoadTarget>): Promise<SteadyResult> {
  return withTarget(start, async (target, rig) => {
    progress(`steady: ${target.label}: opening ${formatCount(opts.clients)} clients`);
    const opened = await rig.open(target.urls, opts.clients, opts.topics);
    progress(`  opened in ${opened.seconds.toFixed(1)} s (${opened.failed} failed); publishing every ${opts.intervalMs} ms for ${opts.seconds} s`);
    const sampler = await Sampler.start(target.processes);
    const workerCpu = await Sampler.start(rig.pids.map((pid, i) => ({ name: `clients${i + 1}`, pid })));
    const result = await rig.run(opts.intervalMs, opts.seconds);
    const series = await sampler.stop();
    const clients = await workerCpu.stop();
    const expected = result.published * perTopic;
    progress(`  p50 ${result.latency.percentile(50).toFixed(2)} ms, p99 ${result.latency.percentile(99).toFixed(2)} ms, ${formatCount(result.received)}/${formatCount(expected)} delivered`);
    return { label: target.label, seconds: opts.seconds, result, expected, failedOpens: opened.failed, series, clientCpu: clients.reduce((s, c) => s + c.cpu, 0) };
  });
}

async function capacity(start: () => Promise<LoadTarget>): Promise<CapacityStep[]> {
  return withTarget(start, async (target, rig) => {
    progress(`capacity: ${target.label}`);
    await rig.open(target.urls, opts.clients, opts.topics);
    const steps: CapacityStep[] = [];
    for (const k of [1, 2, 4, 6, 8, 12, 16, 24]) {
      const sampler = await Sampler.start([...target.processes, ...rig.pids.map((pid, i) => ({ name: `clients${i + 1}`, pid }))], 60_000);
      const r = await rig.run(opts.intervalMs / k, opts.stepSeconds);
      const cpu = await sampler.stop();
      const expected = r.published * perTopic;
      const step: CapacityStep = {
        label: target.label,
        publishesPerSecond: r.published / opts.stepSeconds,
        deliveriesPerSecond: r.received / opts.stepSeconds,
        p99: r.latency.percentile(99),
        delivered: expected === 0 ? 0 : r.received / expected,
        errors: r.socketErrors + r.sendFailures,
        cpu: cpu.map((c) => ({ name: c.name, percent: (c.cpu / opts.stepSeconds) * 100 })),
      };
      step.sustained = step.p99 < P99_LIMIT_MS && step.delivered >= 0.99 && step.errors === 0;
      steps.push(step);
      progress(`  ×${k}: ${formatCount(step.deliveriesPerSecond)} deliveries/s, p99 ${step.p99.toFixed(1)} ms, ${(step.delivered * 100).toFixed(1)} % delivered${step.sustained ? '' : ' (not sustained)'}`);
      if (!step.sustained) break;
    }
    return steps;
  });
}

async function idle(start: () => Promise<LoadTarget>): Promise<IdleResult> {
  return withTarget(start, async (target, rig) => {
    const node = target.processes[0]!;
    const url = target.urls[0]!;
    // Warm-up connections first, so code paths and pools allocated once do not count.
    await rig.open([url], 200, 200);
    await rig.closeClients();
    await sleep(2000);
    const before = await Sampler.start([node]).then((s) => s.stop());
    await rig.open([url], opts.clients, opts.clients);
    await sleep(5000);
    const after = await Sampler.start([node]).then((s) => s.stop());
    const bytes = (after[0]!.rss.at(-1)![1] - before[0]!.rss.at(-1)![1]) / opts.clients;
    progress(`idle: ${target.label}: ${(bytes / 1024).toFixed(2)} KiB per idle connection`);
    return { label: target.label, bytesPerConnection: bytes, connections: opts.clients };
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const load = os.loadavg();
  progress(`machine: ${os.cpus().length} cores, load average ${load.map((l) => l.toFixed(2)).join(' ')}`);
  const sections: string[] = [`# Load test results\n`, machineNote(load, opts), ''];
  if (opts.only.has('steady')) {
    const runs = [await steady(() => startParley(2)), await steady(() => startParley(1)), await steady(startYWebrtc)];
    sections.push(steadyTable(runs, opts.intervalMs, opts.clients, opts.topics), '');
  }
  if (opts.only.has('capacity')) {
    const one = await capacity(() => startParley(1));
    const two = await capacity(() => startParley(2));
    sections.push(capacityTable(one, two, P99_LIMIT_MS), '');
  }
  if (opts.only.has('idle')) {
    sections.push(idleTable(await idle(() => startParley(1)), await idle(() => startParley(2))), '');
  }
  if (opts.only.has('kills')) {
    progress('kills: mailbox writers through two nodes on PostgreSQL');
    const kills: KillResult = await mailboxKills({ seconds: quick ? 20 : 60, writers: 20, log: progress });
    sections.push(killTable(kills), '');
  }
  sections.push(`Total run time: ${((Date.now() - started) / 60_000).toFixed(1)} min; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.\n`);
  const text = sections.join('\n');
  process.stdout.write(text);
  await writeFile(new URL('./results.md', import.meta.url), text);
}

main()
  .catch(async (err: unknown) => {
    progress(`load test failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    process.exit();
  });
