/**
 * Row group: the blind relay against a direct data channel, side by side in one run
 * (`npm run bench -- relay`).
 *
 * - Send → render latency, p50/p99: two Parley pairs in one Chromium, one whose contexts can
 *   find no ICE path (RTCPeerConnection forced to relay-only candidates with no TURN server,
 *   so the app falls back to the server's relay), one as usual; alternating blocks.
 * - A 10k-message late join over each, timed as the late-joiner row times it (from Bob's
 *   sync start: the relay pair's 1.5 s fallback wait is not counted).
 * - Server CPU per relayed MB: two relay links in Node (real SignalingClient, RelayMux and
 *   RelayTransport) pushing 64 MiB through a server child process, CPU read from /proc.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import type { SessionId } from '../src/core/ids.js';
import { createRelayKeyPair, deriveRelaySecrets } from '../src/net/relay/relay-handshake.js';
import { RelayMux } from '../src/net/relay/relay-mux.js';
import { SignalingClient, type SocketLike } from '../src/net/signaling-client.js';
import { startAppServer } from '../tests/helpers/app-server.js';
import { launchChromium } from '../tests/helpers/browser.js';
import { NO_ICE_PATH } from '../tests/helpers/no-ice-path.js';
import type { ParleyUser } from '../tests/helpers/parley-user.js';
import { spawnNode } from './child.js';
import type { BenchGroup } from './group.js';
import { parleyLateJoiner } from './late-joiner.js';
import { describe, latencyCell, parleyPair, runBlock, watchTimeline, type Pair, type Sample } from './latency.js';
import { progress } from './log.js';
import { watchRenders } from './page-probes.js';
import { cpuSeconds } from './signaling-clients.js';
import { formatMs, formatRatio, percentile, sleep } from './stats.js';
import type { Row } from './table.js';

const WARMUP = 20;
const MEASURED = 200;
const BLOCK = 50;
const LATE_JOIN = 10_000;
const CPU_BYTES = 32 * 1024 * 1024;
const P50 = 'Relay send → render latency, p50';
const P99 = 'Relay send → render latency, p99';
const LATE = 'Relay late joiner receives 10k messages';
const CPU = 'Server CPU per relayed MB';
const LATENCY_GOAL = 'relay p50 ≤ 2× direct';

const overRelay = async (user: ParleyUser): Promise<void> => {
  await user.context.addInitScript(NO_ICE_PATH);
};

async function connection(pair: Pair): Promise<string | null> {
  return pair.sender.locator('parley-connection-status').getAttribute('data-connection');
}

/** Pushes `bytes` over one relay link between two Node sessions; resolves once all arrived. */
async function pushThroughRelay(url: string, bytes: number): Promise<void> {
  const clients = [0, 1].map(() => new SignalingClient({ url, relay: true, createSocket: (u) => new WebSocket(u) as unknown as SocketLike }).start());
  try {
    while (clients.some((c) => c.relayAddress === null)) await sleep(20);
    const [ka, kb] = await Promise.all([createRelayKeyPair(), createRelayKeyPair()]);
    const a = { session: 'benchRelayA' as SessionId, addr: clients[0]!.relayAddress!, key: ka.publicKey };
    const b = { session: 'benchRelayB' as SessionId, addr: clients[1]!.relayAddress!, key: kb.publicKey };
    const muxes = clients.map((c) => new RelayMux(c).start());
    const sender = muxes[0]!.open(b.addr, await deriveRelaySecrets(a, ka.privateKey, b));
    const receiver = muxes[1]!.open(a.addr, await deriveRelaySecrets(b, kb.privateKey, a));
    let received = 0;
    receiver.on('message', (m) => (received += m.length));
    sender.start();
    receiver.start();
    await new Promise<void>((resolve) => sender.once('open', () => resolve()));
    const chunk = new Uint8Array(16 * 1024).fill(7);
    sender.lowWaterMark = 64 * 1024;
    for (let sent = 0; sent < bytes; ) {
      while (sent < bytes && sender.bufferedAmount < 256 * 1024) {
        sender.send(chunk);
        sent += chunk.length;
      }
      if (sent < bytes) await new Promise<void>((resolve) => sender.once('drain', () => resolve()));
    }
    while (received < bytes) await sleep(10);
    for (const m of muxes) m.destroy();
  } finally {
    for (const c of clients) c.destroy();
  }
}

/** Server CPU milliseconds per relayed MB (10^6 bytes), in a server of its own. */
async function serverCpuPerMb(): Promise<number> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-relay-'));
  const child = spawnNode('signaling/main.ts', [], { tsx: true, env: { PORT: '0', HOST: '127.0.0.1', STUN_PORT: '0', DATA_DIR: dataDir, STATIC_DIR: dataDir } });
  try {
    const [, port] = await child.line(/^Parley server listening on http:\/\/[^:]+:(\d+)/);
    const url = `http://127.0.0.1:${port}`;
    // Warm up the server's relay path and the JIT, then measure.
    await pushThroughRelay(url, 4 * 1024 * 1024);
    const c0 = await cpuSeconds(child.pid);
    const t0 = performance.now();
    await pushThroughRelay(url, CPU_BYTES);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = (await cpuSeconds(child.pid)) - c0;
    progress(`relay: ${(CPU_BYTES / 1e6).toFixed(0)} MB relayed in ${seconds.toFixed(1)} s (${(CPU_BYTES / 1e6 / seconds).toFixed(1)} MB/s), server CPU ${cpu.toFixed(2)} s`);
    return (cpu * 1000) / (CPU_BYTES / 1e6);
  } finally {
    child.kill();
    await child.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const relayGroup: BenchGroup = {
  name: 'relay',
  rows: [
    { metric: P50, goal: LATENCY_GOAL },
    { metric: P99, goal: 'measured' },
    { metric: LATE, goal: 'measured' },
    { metric: CPU, goal: 'measured' },
  ],
  needsApp: true,
  needsQuiet: true,
  timeoutMs: 12 * 60_000,
  async run(ctx) {
    const app = await startAppServer({ staticDir: ctx.appDir });
    ctx.defer(() => app.close());
    const browser = await launchChromium();
    ctx.defer(() => browser.close());

    progress('relay: connecting a relayed pair and a direct pair');
    const relayed = await parleyPair(browser, app.url, overRelay, 'Parley via relay');
    const direct = await parleyPair(browser, app.url, async () => {}, 'Parley direct');
    const kinds = [await connection(relayed), await connection(direct)];
    if (kinds[0] !== 'relay' || kinds[1] !== 'direct') throw new Error(`expected relay and direct pairs, got ${kinds.join(' and ')}`);
    const pairs = [relayed, direct];
    for (const pair of pairs) {
      await watchRenders(pair.receiver, pair.dom, 'bench ');
      await watchTimeline(pair.receiver, 'bench ');
    }
    for (const [i, pair] of pairs.entries()) await runBlock(pair, `bench warmup ${i}`, WARMUP);
    const samples = new Map<Pair, Sample[]>(pairs.map((p) => [p, []]));
    for (let block = 0; block < MEASURED / BLOCK; block++) {
      for (const [i, pair] of pairs.entries()) samples.get(pair)!.push(...(await runBlock(pair, `bench ${i} block ${block}`, BLOCK)));
      progress(`relay: ${(block + 1) * BLOCK} of ${MEASURED} messages sent by each pair`);
    }
    for (const pair of pairs) describe(pair.label, samples.get(pair)!);
    const [r, d] = pairs.map((p) => samples.get(p)!.map((s) => s.total)) as [number[], number[]];

    progress(`relay: ${LATE_JOIN} messages to a late joiner, over the relay`);
    const lateRelay = await parleyLateJoiner(browser, app.url, LATE_JOIN, overRelay);
    progress(`relay: ${LATE_JOIN} messages to a late joiner, direct`);
    const lateDirect = await parleyLateJoiner(browser, app.url, LATE_JOIN);

    progress('relay: server CPU per relayed MB');
    const cpuPerMb = await serverCpuPerMb();

    const latencyNote =
      `${MEASURED} messages per pair after ${WARMUP} warm-up, 25 ms apart, alternating blocks of ${BLOCK}, measured as the latency row is. ` +
      'Relayed pair: its contexts’ RTCPeerConnections gather only relay candidates and there is no TURN server, so no ICE path exists and the app links through the server’s relay (sealed records over the signaling WebSocket). Direct pair: a data channel over loopback.';
    const lateNote = 'As the late-joiner row (mailbox held unreachable; from Bob’s `parley:sync-start` to the newest of 10k messages rendered), once over the relay and once direct.';
    const cpuNote = `Two Node sessions (real SignalingClient, RelayMux, RelayTransport with its 256 KiB window) push ${CPU_BYTES / 1024 / 1024} MiB of 16 KiB records through a server child process on loopback; server user+system CPU from /proc, after a 4 MiB warm-up. No baseline: y-webrtc has no relay.`;
    const p = { p50: percentile(r, 50), p99: percentile(r, 99) };
    const q = { p50: percentile(d, 50), p99: percentile(d, 99) };
    return [
      { metric: P50, parley: latencyCell(p.p50, r), baseline: `${latencyCell(q.p50, d)} (direct)`, ratio: formatRatio(p.p50, q.p50), goal: LATENCY_GOAL, met: p.p50 <= 2 * q.p50, note: latencyNote },
      { metric: P99, parley: latencyCell(p.p99, r), baseline: `${latencyCell(q.p99, d)} (direct)`, ratio: formatRatio(p.p99, q.p99), goal: 'measured', met: true, note: latencyNote },
      { metric: LATE, parley: formatMs(lateRelay), baseline: `${formatMs(lateDirect)} (direct)`, ratio: formatRatio(lateRelay, lateDirect), goal: 'measured', met: true, note: lateNote },
      { metric: CPU, parley: `${cpuPerMb.toFixed(1)} ms/MB`, baseline: '—', ratio: '—', goal: 'measured', met: true, note: cpuNote },
    ] satisfies Row[];
  },
};
