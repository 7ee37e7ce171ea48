/**
 * The contract every `PeerTransport` meets (docs/architecture.md §9: one contract suite per
 * seam): open, ordered delivery, backpressure with `drain`, `close` exactly once on both ends,
 * and a channel binding both ends agree on. Plain async cases with their own assertions, so
 * any runner can run them against any implementation: the memory pair, simple-peer over
 * @roamhq/wrtc, and the relay.
 */
import type { PeerTransport, TransportCloseReason } from '../../src/net/transport.js';

export interface TransportPair {
  readonly a: PeerTransport;
  readonly b: PeerTransport;
  /** Releases whatever the pair needs (servers, sockets); the transports may already be closed. */
  dispose(): Promise<void>;
}

export interface TransportContractCase {
  readonly name: string;
  run(pair: TransportPair): Promise<void>;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves when both ends reported `open`. */
export async function bothOpen(pair: TransportPair): Promise<void> {
  let opened = 0;
  const count = (): void => void opened++;
  pair.a.once('open', count);
  pair.b.once('open', count);
  await until(() => opened === 2, 'both ends to open');
}

/** Records every event of a transport, in order. */
function record(t: PeerTransport): { events: string[]; messages: Uint8Array[]; closes: TransportCloseReason[] } {
  const log = { events: [] as string[], messages: [] as Uint8Array[], closes: [] as TransportCloseReason[] };
  t.on('message', (bytes) => {
    log.events.push('message');
    log.messages.push(bytes.slice());
  });
  t.on('drain', () => log.events.push('drain'));
  t.on('close', (reason) => {
    log.events.push('close');
    log.closes.push(reason);
  });
  return log;
}

const message = (n: number, size: number): Uint8Array => {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, n);
  for (let i = 4; i < size; i++) bytes[i] = (n + i) & 0xff;
  return bytes;
};

/** The case names, so a runner can say which one an implementation cannot meet, and why. */
export const BACKPRESSURE_CASE = 'buffers what the remote has not taken, and drains to the low-water mark';

export const transportContractCases: TransportContractCase[] = [
  {
    name: 'opens on both ends and agrees on the channel binding',
    async run(pair) {
      await bothOpen(pair);
      const a = pair.a.binding();
      const b = pair.b.binding();
      check(a.local.length > 0 && a.remote.length > 0, 'an open transport has a binding');
      check(a.local === b.remote && a.remote === b.local, `the ends disagree on the binding: ${JSON.stringify({ a, b })}`);
      check(pair.a.kind === pair.b.kind, 'both ends are the same kind of path');
    },
  },
  {
    name: 'delivers every message intact and in order, both ways',
    async run(pair) {
      await bothOpen(pair);
      const atB = record(pair.b);
      const atA = record(pair.a);
      const sizes = [4, 100, 16 * 1024, 5, 16 * 1024 + 17, 3000];
      for (let i = 0; i < 60; i++) pair.a.send(message(i, sizes[i % sizes.length]!));
      for (let i = 0; i < 10; i++) pair.b.send(message(1000 + i, 64));
      await until(() => atB.messages.length === 60 && atA.messages.length === 10, 'all messages');
      atB.messages.forEach((m, i) => {
        check(m.length === sizes[i % sizes.length], `message ${i} has ${m.length} bytes`);
        check(new DataView(m.buffer, m.byteOffset).getUint32(0) === i, `message ${i} arrived out of order`);
        check(m.every((byte, j) => j < 4 || byte === ((i + j) & 0xff)), `message ${i} was altered`);
      });
      check(atA.messages.every((m, i) => new DataView(m.buffer, m.byteOffset).getUint32(0) === 1000 + i), 'replies in order');
    },
  },
  {
    name: BACKPRESSURE_CASE,
    async run(pair) {
      await bothOpen(pair);
      const atA = record(pair.a);
      const atB = record(pair.b);
      pair.a.lowWaterMark = 64 * 1024;
      const total = 2 * 1024 * 1024;
      for (let sent = 0, i = 0; sent < total; sent += 16 * 1024, i++) pair.a.send(message(i, 16 * 1024));
      check(pair.a.bufferedAmount > pair.a.lowWaterMark, `2 MiB sent at once leaves more than 64 KiB buffered (got ${pair.a.bufferedAmount})`);
      await until(() => atA.events.includes('drain'), 'drain');
      check(pair.a.bufferedAmount <= pair.a.lowWaterMark, `drained to the low-water mark (got ${pair.a.bufferedAmount})`);
      await until(() => atB.messages.length === total / (16 * 1024), 'everything to arrive');
    },
  },
  {
    name: 'closes exactly once on both ends, and is silent afterwards',
    async run(pair) {
      await bothOpen(pair);
      const atA = record(pair.a);
      const atB = record(pair.b);
      pair.a.close();
      pair.a.close();
      await until(() => atB.closes.length > 0, 'the remote end to close');
      check(pair.a.isClosed && pair.b.isClosed, 'both ends report closed');
      check(atA.closes.length === 1 && atA.closes[0] === 'closed-locally', `local close reason: ${atA.closes.join()}`);
      pair.b.close();
      pair.a.send(message(1, 10));
      pair.b.send(message(2, 10));
      await new Promise((r) => setTimeout(r, 100));
      check(atB.closes.length === 1, `the remote end closed ${atB.closes.length} times`);
      check(atA.events.at(-1) === 'close' && atB.events.at(-1) === 'close', 'nothing is emitted after close');
    },
  },
];
