/**
 * A slice of the load test's simulated clients, in its own process (forked by rig.ts), so
 * the clients' CPU is spread over processes and never counted as the server's. Each client
 * is one WebSocket subscribed to one topic that publishes a ~300-byte signaling-sized
 * message every `intervalMs` (each at its own random phase) and timestamps it; every
 * receiver records the delay. Commands and results travel over the IPC channel.
 */
import { WebSocket } from 'ws';
import { closeClients, topicFor } from '../signaling-clients.js';
import { Histogram } from './histogram.js';

export type WorkerCommand =
  | { readonly cmd: 'open'; readonly urls: readonly string[]; readonly first: number; readonly count: number; readonly topics: number }
  | { readonly cmd: 'run'; readonly intervalMs: number; readonly seconds: number }
  | { readonly cmd: 'close' };

export interface RunStats {
  readonly published: number;
  readonly received: number;
  /** Publishes that could not be sent (socket not open). */
  readonly sendFailures: number;
  /** Sockets that closed or failed while they should have been open. */
  readonly socketErrors: number;
  readonly latency: ReturnType<Histogram['toJSON']>;
}

export type WorkerEvent =
  | { readonly ev: 'opened'; readonly failed: number; readonly ms: number }
  | { readonly ev: 'ran'; readonly stats: RunStats }
  | { readonly ev: 'closed' };

/** Wall-clock milliseconds with sub-ms resolution, comparable across processes on one machine. */
const now = (): number => performance.timeOrigin + performance.now();
const PAD = 'x'.repeat(200);

interface Client {
  readonly ws: WebSocket;
  readonly topic: string;
}

let clients: Client[] = [];
let expectOpen = false;
let received = 0;
let socketErrors = 0;
let latency = new Histogram();

function onFrame(data: Buffer): void {
  // Cheaper than JSON.parse on every delivery: the timestamp sits right after "t":.
  const text = data.toString('latin1');
  const at = text.indexOf('"t":');
  if (at < 0) return;
  const sent = Number.parseFloat(text.slice(at + 4, at + 30));
  if (!Number.isFinite(sent)) return;
  received++;
  latency.record(Math.max(0, now() - sent));
}

function openOne(url: string, topic: string): Promise<Client | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const fail = (): void => {
      ws.terminate();
      resolve(null);
    };
    ws.once('error', fail);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
      ws.send(JSON.stringify({ type: 'ping' }));
    });
    const untilPong = (data: Buffer): void => {
      if (!data.toString().includes('"pong"')) return;
      ws.off('message', untilPong);
      ws.off('error', fail);
      ws.on('message', onFrame);
      ws.on('error', () => {});
      ws.once('close', () => {
        if (expectOpen) socketErrors++;
      });
      resolve({ ws, topic });
    };
    ws.on('message', untilPong);
  });
}

async function open(urls: readonly string[], first: number, count: number, topics: number): Promise<number> {
  let failed = 0;
  // Batches of 50 handshakes, so the servers' accept queues never overflow.
  for (let i = first; i < first + count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, first + count - i) }, (_, j) => openOne(urls[(i + j) % urls.length]!, topicFor((i + j) % topics))),
    );
    for (const c of batch) if (c === null) failed++;
    clients.push(...batch.filter((c): c is Client => c !== null));
  }
  expectOpen = true;
  return failed;
}

async function run(intervalMs: number, seconds: number): Promise<RunStats> {
  received = 0;
  socketErrors = 0;
  latency = new Histogram();
  let published = 0;
  let sendFailures = 0;
  const start = now();
  const end = start + seconds * 1000;
  // Each client's next publish time, spread uniformly over the first interval.
  const due = clients.map(() => start + Math.random() * intervalMs);
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const t = now();
      if (t >= end) {
        clearInterval(tick);
        return resolve();
      }
      for (let i = 0; i < clients.length; i++) {
        if (due[i]! > t) continue;
        due[i]! += intervalMs;
        const c = clients[i]!;
        if (c.ws.readyState !== WebSocket.OPEN) {
          sendFailures++;
          continue;
        }
        c.ws.send(`{"type":"publish","topic":"${c.topic}","data":{"t":${now()},"from":${i},"pad":"${PAD}"}}`);
        published++;
      }
    }, 5);
  });
  // Let the last publishes arrive before counting.
  await new Promise((r) => setTimeout(r, 3000));
  return { published, received, sendFailures, socketErrors, latency: latency.toJSON() };
}

async function close(): Promise<void> {
  expectOpen = false;
  await closeClients(clients.map((c) => c.ws));
  clients = [];
}

const reply = (event: WorkerEvent): void => void process.send!(event);

process.on('message', (msg: WorkerCommand) => {
  void (async () => {
    if (msg.cmd === 'open') {
      const started = now();
      const failed = await open(msg.urls, msg.first, msg.count, msg.topics);
      reply({ ev: 'opened', failed, ms: now() - started });
    } else if (msg.cmd === 'run') {
      reply({ ev: 'ran', stats: await run(msg.intervalMs, msg.seconds) });
    } else {
      await close();
      reply({ ev: 'closed' });
    }
  })();
});
// The parent going away ends the worker: nothing outlives the load test.
process.on('disconnect', () => process.exit(0));
