/**
 * Publish fan-out load for one signaling server: 50 subscribers on one topic and a set of
 * publisher sockets. Parley limits each socket to SignalingLimits.ratePerSecond messages
 * (burst rateBurst) and closes a socket that floods, so every publisher is paced below that
 * limit on the client side and the load comes from many of them; y-webrtc's server gets
 * exactly the same load. A window of in-flight publishes bounds buffering on both sides.
 */
import type { WebSocket } from 'ws';
import { SignalingLimits } from '../src/core/wire/signaling.js';
import { closeClients, cpuSeconds, openClients, topicFor } from './signaling-clients.js';
import { sleep } from './stats.js';

export const SUBSCRIBERS = 50;
export const PUBLISHERS = 60;
/** Per publisher socket: safely under Parley's steady limit, with a small burst. */
export const PUBLISH_RATE = Math.floor(SignalingLimits.ratePerSecond * 0.9);
const PUBLISH_BURST = 20;
/** Publishes sent but not yet delivered to every subscriber. */
export const IN_FLIGHT = 100;

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

export interface FanOutWindow {
  readonly deliveries: number;
  readonly seconds: number;
  /** Server CPU seconds used during the window. */
  readonly cpu: number;
}

export class FanOutRig {
  private readonly pacers: Pacer[];
  // About the size of an encrypted WebRTC offer fragment or ICE candidate.
  private readonly frame = JSON.stringify({ type: 'publish', topic: topicFor(42), data: { from: 'bench', payload: 'x'.repeat(256) } });
  private published = 0;
  private delivered = 0;
  private running = false;
  private next = 0;
  private closedEarly = 0;

  private constructor(
    readonly label: string,
    private readonly pid: number,
    private readonly subscribers: WebSocket[],
    private readonly publishers: WebSocket[],
  ) {
    this.pacers = publishers.map(() => new Pacer());
    for (const ws of [...subscribers, ...publishers]) ws.once('close', () => this.closedEarly++);
    for (const ws of subscribers) {
      ws.on('message', () => {
        this.delivered++;
        if (this.delivered % SUBSCRIBERS === 0) this.pump();
      });
    }
  }

  static async open(label: string, url: string, pid: number): Promise<FanOutRig> {
    const subscribers = await openClients(url, SUBSCRIBERS, () => [topicFor(42)]);
    const publishers = await openClients(url, PUBLISHERS, () => []);
    return new FanOutRig(label, pid, subscribers, publishers);
  }

  /** Publishes for `ms`, then lets the publishes in flight land before returning. */
  async window(ms: number): Promise<FanOutWindow> {
    const d0 = this.delivered;
    const c0 = await cpuSeconds(this.pid);
    const t0 = performance.now();
    this.running = true;
    const refill = setInterval(() => this.pump(), 5);
    this.pump();
    await sleep(ms);
    const d1 = this.delivered;
    const c1 = await cpuSeconds(this.pid);
    const seconds = (performance.now() - t0) / 1000;
    this.running = false;
    clearInterval(refill);
    // Drain, so the next window (of either server) starts with nothing in flight.
    for (let waited = 0; this.delivered < this.published * SUBSCRIBERS && waited < 2_000; waited += 10) await sleep(10);
    if (this.closedEarly > 0) throw new Error(`${this.label} closed ${this.closedEarly} bench sockets during the fan-out run`);
    return { deliveries: d1 - d0, seconds, cpu: c1 - c0 };
  }

  close(): Promise<void> {
    this.running = false;
    return closeClients([...this.subscribers, ...this.publishers]);
  }

  private pump(): void {
    if (!this.running) return;
    // Round-robin over publishers until the window is full or every pacer is dry.
    for (let idle = 0; idle < this.publishers.length && this.published - this.delivered / SUBSCRIBERS < IN_FLIGHT; ) {
      const i = this.next;
      this.next = (this.next + 1) % this.publishers.length;
      if (this.pacers[i]!.take()) {
        this.publishers[i]!.send(this.frame);
        this.published++;
        idle = 0;
      } else {
        idle++;
      }
    }
  }
}
