/**
 * The blind relay, per-socket part (docs/protocol.md §1.2): one socket's relay address,
 * the checks on every binary frame it sends, and the accounting of relay bytes queued
 * towards it. Frames are forwarded unread: only the 17-byte header is looked at, and the
 * destination address in it is overwritten with the sender's own before the bytes go to
 * the bus.
 */
import { CloseCodes, decodeRelayFrame, RELAY_ADDR_BYTES } from '../../src/core/wire/signaling.js';
import type { RelayCloseReason } from '../metrics.js';
import { TokenBucket } from '../rate-limit.js';
import type { BusSubscriber } from '../signal/bus.js';
import { RELAY_FAIR_QUEUE_BYTES, RELAY_MIN_FRAME_CHARGE, type RelayHub } from './relay-hub.js';

/** What the endpoint needs from its socket. */
export interface RelayOwner extends BusSubscriber {
  /** Closes the socket for breaking a relay rule. */
  closeForRelay(reason: RelayCloseReason, code: number, text: string): void;
  /** Sends a server text frame to this socket (a `relay-bound` or `relay-gone`). */
  sendText(frame: Buffer): void;
}

/** The sending socket closes with RFC 6455's 1013 (Try Again Later) when the node is full. */
const TRY_AGAIN_LATER = CloseCodes.tryAgainLater;

export class RelayEndpoint {
  /** This socket's relay address (32 hex), once bound. */
  address: string | null = null;
  /** Relay bytes queued towards this socket and not yet written to it. */
  private queued = 0;
  private addressBytes: Buffer | null = null;
  private readonly bytes: TokenBucket;
  private readonly unknown: TokenBucket;
  private released = false;

  constructor(
    private readonly hub: RelayHub,
    private readonly owner: RelayOwner,
  ) {
    const l = hub.limits;
    this.bytes = new TokenBucket(l.relayBurstBytes, l.relayBytesPerSecond);
    this.unknown = new TokenBucket(l.relayUnknownTargetBurst, l.relayUnknownTargetsPerSecond);
  }

  /** `relay-bind`: gives the socket its address (the same one if asked again) and says so. */
  bind(): void {
    if (this.released) return;
    if (this.address === null) {
      const { bytes, hex } = this.hub.newAddress();
      this.address = hex;
      this.addressBytes = bytes;
      this.hub.bus.subscribe('relay', hex, this.owner);
    }
    this.owner.sendText(Buffer.from(JSON.stringify({ type: 'relay-bound', addr: this.address }), 'utf8'));
  }

  /** One binary frame from this socket: checked, then forwarded or answered with `relay-gone`. */
  receive(frame: Buffer): void {
    const limits = this.hub.limits;
    if (this.addressBytes === null) return this.fail('unbound', CloseCodes.unsupportedData, 'binary frames are relay frames: send relay-bind first');
    if (frame.length > limits.relayMaxFrameBytes) return this.fail('frame-too-big', CloseCodes.tooBig, `relay frames are at most ${limits.relayMaxFrameBytes} bytes`);
    const decoded = decodeRelayFrame(frame);
    if (decoded === null) return this.fail('malformed', CloseCodes.malformed, 'not a relay frame');
    const charge = Math.max(frame.length, RELAY_MIN_FRAME_CHARGE);
    if (!this.bytes.take(charge)) return this.fail('rate', CloseCodes.rateLimited, 'relay rate limit exceeded');
    if (!this.hub.takeBandwidth(charge)) return this.fail('node-capacity', TRY_AGAIN_LATER, 'relay capacity of this server reached');
    // The bytes are ours now (`ws` hands each message over): swap in the source address.
    this.addressBytes.copy(frame, 1, 0, RELAY_ADDR_BYTES);
    // On a cluster the address may be held on another node: the bus says, after a Redis
    // round trip, whether any node took the frame (signal/bus.ts).
    const size = frame.length;
    this.hub.bus.sendCounted('relay', decoded.addr, frame, true, (reached) => this.settle(decoded.addr, size, reached));
  }

  /** Counts a forwarded frame, or answers `relay-gone` when nobody anywhere holds `addr`. */
  private settle(addr: string, size: number, reached: number): void {
    const metrics = this.hub.metrics;
    if (reached > 0) {
      metrics.relayFrames++;
      metrics.relayBytes += size;
      return;
    }
    if (this.released) return;
    metrics.relayGone++;
    if (!this.unknown.take()) return this.fail('unknown-target', CloseCodes.rateLimited, 'too many frames to unknown relay addresses');
    this.owner.sendText(Buffer.from(JSON.stringify({ type: 'relay-gone', addr }), 'utf8'));
  }

  /**
   * May one more relay frame be queued to this socket? No when it already holds its own cap
   * of relay bytes, or when the node as a whole holds too much and this socket more than
   * one credit window of it.
   */
  admit(): boolean {
    const limits = this.hub.limits;
    if (this.queued > limits.relayMaxBufferedBytes) return false;
    return this.hub.queuedBytes <= limits.relayMaxQueuedBytes || this.queued <= RELAY_FAIR_QUEUE_BYTES;
  }

  /** Relay bytes queued to this socket now; the rest of its send buffer is signaling. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Counts `n` bytes as queued; returns the write callback that un-counts them. */
  track(n: number): () => void {
    this.queued += n;
    this.hub.queuedBytes += n;
    return () => {
      if (this.released) return;
      this.queued -= n;
      this.hub.queuedBytes -= n;
    };
  }

  /** The socket is gone: give up the address and everything still counted as queued. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.address !== null) this.hub.bus.unsubscribe('relay', this.address, this.owner);
    this.hub.queuedBytes -= this.queued;
    this.queued = 0;
  }

  private fail(reason: RelayCloseReason, code: number, text: string): void {
    this.hub.recordClose(reason);
    this.owner.closeForRelay(reason, code, text);
  }
}
