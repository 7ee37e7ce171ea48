/**
 * Row group 5: the signaling server, Parley's versus y-webrtc's own `bin/server.js`, each
 * run as a child process of plain Node (Parley's TypeScript through tsx's in-process loader)
 * and driven by WebSocket clients in this process.
 *
 * - Memory per idle connection: VmRSS growth while N more clients each subscribe to their
 *   own topic and then sit idle, on top of a first batch already connected; both servers
 *   run with the same fixed young generation. What is not per connection cancels out (see
 *   `idleMemory`).
 * - Publish fan-out: deliveries per second to 50 subscribers of one topic (signaling-fanout.ts),
 *   both servers running side by side and loaded in alternating one-second windows, so a
 *   burst of load on the shared machine hits both rather than one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SignalingLimits } from '../src/core/wire/signaling.js';
import { spawnNode, type NodeChild } from './child.js';
import type { BenchContext, BenchGroup } from './group.js';
import { progress } from './log.js';
import { closeClients, openClients, rssBytes, topicFor } from './signaling-clients.js';
import { FanOutRig, IN_FLIGHT, PUBLISHERS, PUBLISH_RATE, SUBSCRIBERS, type FanOutWindow } from './signaling-fanout.js';
import { formatBytes, formatCount, formatRatio, median, sleep } from './stats.js';

const IDLE_CONNECTIONS = 4000;
/** Connected before the first reading, so the growth read is what each further socket adds. */
const BASE_CONNECTIONS = 2000;
const WINDOW_MS = 1_000;
/** Measured windows per server, after one warm-up window each. */
const WINDOWS = 6;
const MEMORY_METRIC = 'Signaling server memory per idle connection';
const FANOUT_METRIC = 'Signaling publish fan-out (deliveries/s)';
const GOAL = 'no worse than y-webrtc’s server';

interface RunningServer {
  readonly label: string;
  readonly child: NodeChild;
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startParley(ctx: BenchContext, nodeArgs: readonly string[]): Promise<RunningServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-signal-'));
  const child = spawnNode('signaling/main.ts', [], {
    tsx: true,
    nodeArgs,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      STUN_PORT: '0',
      DATA_DIR: dataDir,
      // Only /signal is exercised; an empty directory keeps the run independent of dist/.
      STATIC_DIR: dataDir,
      // Every bench client comes from 127.0.0.1.
      MAX_SOCKETS_PER_IP: '100000',
      MAX_SOCKETS: '100000',
    },
  });
  const stop = async (): Promise<void> => {
    child.kill();
    await child.exited;
    await rm(dataDir, { recursive: true, force: true });
  };
  ctx.defer(stop);
  const [, port] = await child.line(/^Parley server listening on http:\/\/[^:]+:(\d+)/);
  return { label: 'Parley', child, url: `ws://127.0.0.1:${port}/signal`, stop };
}

async function startYWebrtc(ctx: BenchContext, nodeArgs: readonly string[]): Promise<RunningServer> {
  const port = await freePort();
  const child = spawnNode('node_modules/y-webrtc/bin/server.js', [], { nodeArgs, env: { PORT: String(port) } });
  const stop = async (): Promise<void> => {
    child.kill();
    await child.exited;
  };
  ctx.defer(stop);
  await child.line(/^Signaling server running/);
  return { label: 'y-webrtc', child, url: `ws://127.0.0.1:${port}/signal`, stop };
}

/** Both servers run with this: a full collection on SIGUSR2 (`collected`). */
const GC_ON_SIGNAL = ['--expose-gc', '--import', path.resolve('bench/gc-on-signal.mjs')];

/**
 * For the memory row, both also run with one fixed young generation (semi-spaces of 1 MiB).
 * V8 otherwise grows the semi-spaces, from 1 up to 16 MiB each, as a process allocates, and an
 * empty young generation still holds the pages it touched: that growth, up to 32 MiB once per
 * process and set by how much the process allocated before, not by how many sockets it holds,
 * was most of what the row read (docs/architecture.md §6.5). 1 MiB, so the warm-up touches all
 * of it in either server. The fan-out row runs the servers as they run by default.
 */
const MEMORY_FLAGS = [...GC_ON_SIGNAL, '--min-semi-space-size=1', '--max-semi-space-size=1'];

/**
 * Runs a full collection in the server and waits for it: without it the row read how much
 * garbage the last collection had left (Parley 11.3 and 14.6 KiB a connection in two runs
 * of one build, while its heap held 3.8 KB a socket either way).
 */
async function collected(server: RunningServer, count: { n: number }): Promise<void> {
  const marker = `gc ${++count.n}\n`;
  server.child.process.kill('SIGUSR2');
  for (let waited = 0; !server.child.stderr().includes(marker); waited += 20) {
    if (waited > 10_000) throw new Error(`${server.label} did not collect in 10 s`);
    await sleep(20);
  }
}

/** VmRSS after a full collection: the median of three readings half a second apart. */
async function settledRss(server: RunningServer, count: { n: number }): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    await collected(server, count);
    readings.push(await rssBytes(server.child.pid));
    await sleep(500);
  }
  return median(readings);
}

/**
 * Bytes of RSS each idle, subscribed connection adds to the server, each reading after a full
 * collection. The first reading is taken with BASE_CONNECTIONS clients already connected and
 * idle: before them the old generation has free space left by start-up garbage, which the
 * first sockets fill without the RSS growing (Parley under tsx leaves more of it than
 * y-webrtc), and the heap grows by whole pages; past them, each further socket costs what it
 * keeps.
 */
async function idleMemory(server: RunningServer): Promise<number> {
  const count = { n: 0 };
  // Warm up code paths and pools that a first connection allocates once.
  await closeClients(await openClients(server.url, 100, (i) => [topicFor(1_000_000 + i)]));
  const base = await openClients(server.url, BASE_CONNECTIONS, (i) => [topicFor(2_000_000 + i)]);
  await sleep(2_000);
  const before = await settledRss(server, count);
  const clients = await openClients(server.url, IDLE_CONNECTIONS, (i) => [topicFor(i)]);
  await sleep(2_000);
  const after = await settledRss(server, count);
  await closeClients([...base, ...clients]);
  const perConnection = (after - before) / IDLE_CONNECTIONS;
  progress(
    `  ${server.label}: RSS ${formatBytes(before)} with ${formatCount(BASE_CONNECTIONS)} idle connections → ${formatBytes(after)} with ${formatCount(IDLE_CONNECTIONS)} more: ${formatBytes(perConnection)} each`,
  );
  return perConnection;
}

/**
 * Deliveries per second of each server, [Parley, y-webrtc]. Windows alternate in ABBA
 * order, so a steady drift in machine load favours neither.
 */
async function fanOut(servers: readonly RunningServer[]): Promise<[number, number]> {
  const rigs: FanOutRig[] = [];
  try {
    for (const server of servers) rigs.push(await FanOutRig.open(server.label, server.url, server.child.pid));
    for (const rig of rigs) await rig.window(WINDOW_MS);
    const totals = rigs.map(() => [] as FanOutWindow[]);
    for (let w = 0; w < WINDOWS; w++) {
      const order = w % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) totals[i]!.push(await rigs[i]!.window(WINDOW_MS));
    }
    const rates = totals.map((windows, i) => {
      const deliveries = windows.reduce((s, w) => s + w.deliveries, 0);
      const seconds = windows.reduce((s, w) => s + w.seconds, 0);
      const cpu = windows.reduce((s, w) => s + w.cpu, 0);
      const rate = deliveries / seconds;
      progress(
        `  ${rigs[i]!.label}: ${formatCount(rate)} deliveries/s (${formatCount(rate / SUBSCRIBERS)} publishes/s), server CPU ${((cpu / seconds) * 100).toFixed(0)}% of one core, ` +
          `${((cpu * 1e6) / deliveries).toFixed(2)} µs CPU per delivery; windows ${windows.map((w) => formatCount(w.deliveries / w.seconds)).join(', ')}`,
      );
      return rate;
    });
    return [rates[0]!, rates[1]!];
  } finally {
    for (const rig of rigs) await rig.close();
    for (const server of servers) await server.stop();
  }
}

export const signalingServerGroup: BenchGroup = {
  name: 'signaling',
  rows: [
    { metric: MEMORY_METRIC, goal: GOAL },
    { metric: FANOUT_METRIC, goal: GOAL },
  ],
  needsApp: false,
  needsQuiet: true,
  timeoutMs: 4 * 60_000,
  async run(ctx) {
    const starters = [startParley, startYWebrtc];
    const memory: number[] = [];
    // A fresh server process per measurement, so neither inherits the other's garbage.
    for (const start of starters) {
      const server = await start(ctx, MEMORY_FLAGS);
      memory.push(await idleMemory(server));
      await server.stop();
    }
    const [pf, bf] = await fanOut(await Promise.all(starters.map((start) => start(ctx, GC_ON_SIGNAL))));
    const [pm, bm] = memory as [number, number];
    return [
      {
        metric: MEMORY_METRIC,
        parley: formatBytes(pm),
        baseline: formatBytes(bm),
        ratio: formatRatio(pm, bm),
        goal: GOAL,
        met: pm <= bm,
        note:
          `Each server a child process (Parley: signaling/main.ts under node --import tsx; y-webrtc: node_modules/y-webrtc/bin/server.js). ` +
          `VmRSS growth from ${formatCount(IDLE_CONNECTIONS)} more WebSocket clients on top of ${formatCount(BASE_CONNECTIONS)} already idle, each subscribed to its own topic and confirmed by a ping/pong, measured after 2 s idle, each reading the median of three after a full collection in the server (both run with a preload that collects on SIGUSR2); divided by ${formatCount(IDLE_CONNECTIONS)}. ` +
          'Both servers run with the same fixed young generation (--min-semi-space-size=1 --max-semi-space-size=1): V8 grows it by up to 32 MiB once per process, by how much the process allocated, not by its sockets.',
      },
      {
        metric: FANOUT_METRIC,
        parley: `${formatCount(pf)}/s`,
        baseline: `${formatCount(bf)}/s`,
        ratio: formatRatio(pf, bf),
        goal: GOAL,
        met: pf >= bf,
        note:
          `${SUBSCRIBERS} subscribers on one topic, ~330-byte publishes; both servers running side by side, loaded in alternating ${WINDOW_MS / 1000} s windows (${WINDOWS} each after a warm-up window, ABBA order). ` +
          `Parley limits each socket to ${SignalingLimits.ratePerSecond} messages/s (burst ${SignalingLimits.rateBurst}) and closes floods, so both servers got the same load: ` +
          `${PUBLISHERS} publisher sockets, each paced client-side to ≤ ${PUBLISH_RATE}/s (offered at most ${formatCount(PUBLISHERS * PUBLISH_RATE)} publishes/s), at most ${IN_FLIGHT} publishes in flight. ` +
          'Clients and server share the 2 cores; higher is better.',
      },
    ];
  },
};
