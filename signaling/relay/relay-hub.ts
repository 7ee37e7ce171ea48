/**
 * The blind relay, node-wide part (docs/protocol.md §1.2, docs/architecture.md §6): mints
 * relay addresses, holds the caps every socket shares (total relay bandwidth, total relay
 * bytes queued towards slow receivers), and counts. The per-socket part is
 * `relay-endpoint.ts`.
 *
 * Why these caps: the relay forwards sealed bytes it cannot judge, so the only things it
 * can bound are sizes and rates. Frame size bounds the memory of one frame; bytes per
 * second per socket bounds one sender; total bytes per second bounds the node's uplink;
 * queued bytes bound what slow receivers can make the node hold, above the 1 MiB every
 * socket may already buffer for signaling.
 */
import { randomBytes } from 'node:crypto';
import type { NetworkMetrics, RelayCloseReason } from '../metrics.js';
import { TokenBucket } from '../rate-limit.js';
import type { SignalBus } from '../signal/bus.js';

/** Operator caps of the relay (README: `RELAY_*`). */
export interface RelayLimits {
  /** Largest relay frame, header included; bigger ones close the sender (1009). */
  readonly relayMaxFrameBytes: number;
  /** Per sending socket: steady relay bytes per second (token bucket). */
  readonly relayBytesPerSecond: number;
  /** Per sending socket: burst, in bytes. */
  readonly relayBurstBytes: number;
  /** Whole node: relay bytes per second across all sockets. */
  readonly relayTotalBytesPerSecond: number;
  /** Per sending socket: frames to unknown addresses in a burst, and per second after it. */
  readonly relayUnknownTargetBurst: number;
  readonly relayUnknownTargetsPerSecond: number;
  /** Per receiving socket: relay bytes queued to it before it is dropped as too slow. */
  readonly relayMaxBufferedBytes: number;
  /** Whole node: relay bytes queued to all receivers; past it, receivers over their fair floor are dropped. */
  readonly relayMaxQueuedBytes: number;
}

/**
 * Every frame is charged at least this many bytes against the rate caps, so a flood of
 * tiny frames (which cost the server per frame, not per byte) is bounded too: at the
 * default 4 MiB/s a socket gets at most 4,096 frames a second.
 */
export const RELAY_MIN_FRAME_CHARGE = 1024;

/**
 * Under node-wide queue pressure a receiver holding less than this is never blamed: it is
 * one credit window of the clients' flow control (docs/protocol.md §3).
 */
export const RELAY_FAIR_QUEUE_BYTES = 256 * 1024;

export class RelayHub {
  /** Relay bytes handed to `ws` for some receiver and not yet written to its socket. */
  queuedBytes = 0;
  private readonly total: TokenBucket;

  constructor(
    readonly limits: RelayLimits,
    readonly bus: SignalBus,
    readonly metrics: NetworkMetrics,
  ) {
    this.total = new TokenBucket(limits.relayTotalBytesPerSecond, limits.relayTotalBytesPerSecond);
  }

  /** A fresh address: 16 random bytes, as bytes (for frame headers) and as 32 hex characters. */
  newAddress(): { readonly bytes: Buffer; readonly hex: string } {
    const bytes = randomBytes(16);
    return { bytes, hex: bytes.toString('hex') };
  }

  /** Charges the node-wide bandwidth cap; false when the node is at capacity. */
  takeBandwidth(charge: number): boolean {
    return this.total.take(charge);
  }

  /** Sockets holding a relay address. */
  get boundSockets(): number {
    return this.bus.channelCount('relay');
  }

  recordClose(reason: RelayCloseReason): void {
    this.metrics.relayCloses.set(reason, (this.metrics.relayCloses.get(reason) ?? 0) + 1);
  }
}
