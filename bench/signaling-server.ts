/**
 * Row group 5: the signaling server, Parley's versus y-webrtc's own `bin/server.js`, each
 * run as a child process of plain Node (Parley's TypeScript through tsx's in-process loader)
 * and driven by WebSocket clients in this process.
 *
 * - Memory per idle connection: VmRSS growth while N clients each subscribe to their own
 *   topic and then sit idle; the RSS at start-up (Node, tsx, code) cancels out.
 * - Publish fan-out: deliveries per second to 50 subscribers of one topic. Parley limits each
 *   socket to SignalingLimits.ratePerSecond publishes (burst rateBurst) and closes a socket
 *   that floods, so the load comes from several publisher sockets, each paced below that
 *   limit; y-webrtc's server gets exactly the same load.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { SignalingLimits } from '../src/core/wire/signaling.js';
import { spawnNode, type NodeChild } from './child.js';
import type { BenchContext, BenchGroup } from './group.js';
import { progress } from './log.js';
import { formatBytes, formatCount, formatRatio, median, sleep } from './stats.js';

const IDLE_CONNECTIONS = 2000;
const SUBSCRIBERS = 50;
const PUBLISHERS = 60;
/** Per publisher socket: safely under Parley's steady limit, with a small burst. */
const PUBLISH_RATE = Math.floor(SignalingLimits.ratePerSecond * 0.9);
const PUBLISH_BURST = 20;
/** Publishes sent but not yet delivered to every subscriber; bounds buffering on both sides. */
const IN_FLIGHT = 100;
const WARMUP_MS = 1_000;
const MEASURE_MS = 5_000;
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

async function startParley(ctx: BenchContext): Promise<RunningServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-signal-'));
  const child = spawnNode('signaling/main.ts', [], {
    tsx: true,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
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

async function startYWebrtc(ctx: BenchContext): Promise<RunningServer> {
  const port = await freePort();
  const child = spawnNode('node_modules/y-webrtc/bin/server.js', [], { env: { PORT: String(port) } });
  const stop = async (): Promise<void> => {
    child.kill();
    await child.exited;
  };
  ctx.defer(stop);
  await child.line(/^Signaling server running/);
  return { label: 'y-webrtc', child, url: `ws://127.0.0.1:${port}/signal`, stop };
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb[1]) * 1024;
}

/** CPU seconds (user + system) the process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Opens a client, subscribes it to `topics`, and resolves once the server has answered a ping after that. */
function subscribedClient(url: string, topics: readonly string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const fail = (error: Error): void => {
      ws.terminate();
      reject(error);
    };
    ws.once('error', fail);
    ws.once('close', (code) => fail(new Error(`closed with ${code} before subscribing`)));
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', topics }));
      ws.send(JSON.stringify({ type: 'ping' }));
    });
    const onMessage = (data: Buffer): void => {
      if (!data.toString().includes('"pong"')) return;
      ws.off('message', onMessage);
      ws.removeAllListeners('close');
      ws.removeAllListeners('error');
      ws.on('error', () => {});
      resolve(ws);
    };
    ws.on('message', onMessage);
  });
}

async function openClients(url: string, count: number, topicOf: (i: number) => string[]): Promise<WebSocket[]> {
  const clients: WebSocket[] = [];
  // Batches, so the handshakes do not pile up past the listen backlog.
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) => subscribedClient(url, topicOf(i + j)));
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

async function closeClients(clients: readonly WebSocket[]): Promise<void> {
  await Promise.all(
    clients.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close();
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 2_000).unref();
        }),
    ),
  );
}

const topicFor = (i: number): string => `bench${i.toString(16).padStart(59, '0')}`;

/** Bytes of RSS each idle, subscribed connection adds to the server. */
async function idleMemory(server: RunningServer): Promise<number> {
  // Warm up code paths and pools that a first connection allocates once.
  await closeClients(await openClients(server.url, 100, (i) => [topicFor(1_000_000 + i)]));
  await sleep(1_000);
  const before = await rssBytes(server.child.pid);
  const clients = await openClients(server.url, IDLE_CONNECTIONS, (i) => [topicFor(i)]);
  await sleep(2_000);
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    readings.push(await rssBytes(server.child.pid));
    await sleep(500);
  }
  const after = median(readings);
  await closeClients(clients);
  const perConnection = (after - before) / IDLE_CONNECTIONS;
  progress(`  ${server.label}: RSS ${formatBytes(before)} → ${formatBytes(after)} with ${formatCount(IDLE_CONNECTIONS)} idle connections: ${formatBytes(perConnection)} each`);
  return perConnection;
}

/** Client-side token bucket, so no publisher ever trips Parley's flood limit. */
class Pacer {
  private tokens = PUBLISH_BURST;
  private last = performance.now();

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(PUBLISH_BURST, this.tokens + ((now - this.last) / 1000) * PUBLISH_RATE);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Deliveries per second to the subscribers of one topic under a steady stream of publishes. */
async function fanOut(server: RunningServer): Promise<number> {
  const topic = topicFor(42);
  const subscribers = await openClients(server.url, SUBSCRIBERS, () => [topic]);
  const publishers = await openClients(server.url, PUBLISHERS, () => []);
  // About the size of an encrypted WebRTC offer fragment or ICE candidate.
  const frame = JSON.stringify({ type: 'publish', topic, data: { from: 'bench', payload: 'x'.repeat(256) } });
  const pacers = publishers.map(() => new Pacer());
  let published = 0;
  let delivered = 0;
  let running = true;
  let next = 0;
  const pump = (): void => {
    if (!running) return;
    // Round-robin over publishers until the window is full or every pacer is dry.
    for (let idle = 0; idle < publishers.length && published - delivered / SUBSCRIBERS < IN_FLIGHT; ) {
      const i = next;
      next = (next + 1) % publishers.length;
      if (pacers[i]!.take()) {
        publishers[i]!.send(frame);
        published++;
        idle = 0;
      } else {
        idle++;
      }
    }
  };
  let closedEarly = 0;
  for (const ws of [...subscribers, ...publishers]) ws.once('close', () => closedEarly++);
  for (const ws of subscribers) {
    ws.on('message', () => {
      delivered++;
      if (delivered % SUBSCRIBERS === 0) pump();
    });
  }
  const refill = setInterval(pump, 5);
  try {
    pump();
    await sleep(WARMUP_MS);
    const d0 = delivered;
    const c0 = await cpuSeconds(server.child.pid);
    const t0 = performance.now();
    await sleep(MEASURE_MS);
    const d1 = delivered;
    const c1 = await cpuSeconds(server.child.pid);
    const seconds = (performance.now() - t0) / 1000;
    const rate = (d1 - d0) / seconds;
    progress(
      `  ${server.label}: ${formatCount(rate)} deliveries/s (${formatCount(rate / SUBSCRIBERS)} publishes/s), server CPU ${(((c1 - c0) / seconds) * 100).toFixed(0)}% of one core, ` +
        `${(((c1 - c0) * 1e6) / (d1 - d0)).toFixed(2)} µs CPU per delivery`,
    );
    if (closedEarly > 0) throw new Error(`${server.label} closed ${closedEarly} bench sockets during the fan-out run`);
    return rate;
  } finally {
    running = false;
    clearInterval(refill);
    await closeClients([...subscribers, ...publishers]);
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
    const fanout: number[] = [];
    // A fresh server process per measurement, so neither inherits the other's garbage.
    for (const start of starters) {
      const server = await start(ctx);
      memory.push(await idleMemory(server));
      await server.stop();
    }
    for (const start of starters) {
      const server = await start(ctx);
      fanout.push(await fanOut(server));
      await server.stop();
    }
    const [pm, bm] = memory as [number, number];
    const [pf, bf] = fanout as [number, number];
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
          `VmRSS growth from ${formatCount(IDLE_CONNECTIONS)} WebSocket clients, each subscribed to its own topic and confirmed by a ping/pong, measured after 2 s idle; divided by ${formatCount(IDLE_CONNECTIONS)}.`,
      },
      {
        metric: FANOUT_METRIC,
        parley: `${formatCount(pf)}/s`,
        baseline: `${formatCount(bf)}/s`,
        ratio: formatRatio(pf, bf),
        goal: GOAL,
        met: pf >= bf,
        note:
          `${SUBSCRIBERS} subscribers on one topic, ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up, ~330-byte publishes. ` +
          `Parley limits each socket to ${SignalingLimits.ratePerSecond} messages/s (burst ${SignalingLimits.rateBurst}) and closes floods, so both servers got the same load: ` +
          `${PUBLISHERS} publisher sockets, each paced client-side to ≤ ${PUBLISH_RATE}/s (offered at most ${formatCount(PUBLISHERS * PUBLISH_RATE)} publishes/s), at most ${IN_FLIGHT} publishes in flight. ` +
          'Clients and server share the 2 cores; higher is better.',
      },
    ];
  },
};
