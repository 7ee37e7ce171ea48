/**
 * A raw `ws` client for signaling tests: records every frame, lets a test await a
 * matching message or the close, and sends deliberately bad frames.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket, type ClientOptions } from 'ws';
import { expect } from 'vitest';

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** A frame from the server, parsed. */
export type Frame = Record<string, unknown>;

interface Waiter {
  readonly match: (m: Frame) => boolean;
  readonly resolve: (m: Frame) => void;
}

export class SignalClient {
  /** Frames received and not yet taken by {@link next}. */
  readonly queue: Frame[] = [];
  /** Binary (relay) frames received, in order. */
  readonly binary: Buffer[] = [];
  /** Resolves when the socket closes, with the code and reason the client saw. */
  readonly closed: Promise<CloseInfo>;
  private readonly waiters: Waiter[] = [];
  private binaryListeners: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('error', () => {}); // surfaced through `closed`
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.binary.push(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
        for (const l of this.binaryListeners.splice(0)) l();
        return;
      }
      const frame = JSON.parse(String(data)) as Frame;
      const i = this.waiters.findIndex((w) => w.match(frame));
      if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(frame);
      else this.queue.push(frame);
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens a connection; rejects with the HTTP status if the upgrade is refused. */
  static open(url: string, options: ClientOptions = {}): Promise<SignalClient> {
    const ws = new WebSocket(url, options);
    const client = new SignalClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** Sends bytes as one frame, text unless `binary`. */
  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Takes the first queued or future frame matching `match`. */
  next(match: (m: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as Frame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const w = this.waiters.indexOf(waiter);
        if (w >= 0) this.waiters.splice(w, 1);
        reject(new Error('timed out waiting for a frame'));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves once at least `count` binary frames have arrived. */
  async binaryCount(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.binary.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} binary frames (have ${this.binary.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.binaryListeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Ping/pong round trip. The server handles one socket's frames in order, so once the
   * pong is back every earlier frame of this client has been processed.
   */
  async roundTrip(): Promise<void> {
    this.send({ type: 'ping' });
    await this.next((m) => m.type === 'pong');
  }

  async subscribe(topics: readonly string[]): Promise<void> {
    this.send({ type: 'subscribe', topics });
    await this.roundTrip();
  }

  async unsubscribe(topics: readonly string[]): Promise<void> {
    this.send({ type: 'unsubscribe', topics });
    await this.roundTrip();
  }

  /** Publish frames received so far and not yet taken. */
  queuedPublishes(): Frame[] {
    return this.queue.filter((m) => m.type === 'publish');
  }

  /** Closes from the client side and waits for the close to complete. */
  async close(): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    return this.closed;
  }
}

/**
 * The health check every bad-input test ends with: two fresh well-behaved clients on
 * the same server still relay a publish to each other (and to the sender).
 */
export async function expectRelayWorks(wsUrl: string): Promise<void> {
  const topic = `healthy-${randomUUID()}`;
  const a = await SignalClient.open(wsUrl);
  const b = await SignalClient.open(wsUrl);
  try {
    await a.subscribe([topic]);
    await b.subscribe([topic]);
    a.send({ type: 'publish', topic, data: { hello: 'b' } });
    const [atA, atB] = await Promise.all([a.next((m) => m.type === 'publish'), b.next((m) => m.type === 'publish')]);
    expect(atB).toEqual({ type: 'publish', topic, data: { hello: 'b' }, clients: 2 });
    expect(atA).toEqual(atB);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** HTTP status of a WebSocket upgrade the server refuses (throws if it is accepted). */
export function upgradeStatus(url: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.once('close', () => reject(new Error('socket closed without an HTTP response')));
  });
}
