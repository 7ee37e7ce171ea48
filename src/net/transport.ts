/**
 * The seam between the sync engine and a way of reaching one remote session
 * (docs/architecture.md §5): a reliable, ordered, message-oriented pipe. A WebRTC data channel
 * (simple-peer, in browsers and in Node with @roamhq/wrtc) and the blind relay through the
 * signaling server (src/net/relay/) implement it; unit tests use a manual-flush pair. Every
 * implementation passes one contract suite (tests/contracts/transport-contract.ts).
 *
 * Events (lib0 ObservableV2, like every emitter in Parley):
 * - `open` once, when `send` may be called;
 * - `message` per message the remote sent, in order — possibly before `open` fires here, since
 *   the remote can be first;
 * - `drain` when `bufferedAmount` fell to or below `lowWaterMark`;
 * - `close` exactly once, with a typed reason; nothing is emitted after it.
 */
import { ObservableV2 } from 'lib0/observable';
import type { BulkLane } from './files/bulk-lane.js';

/** Why a transport closed. */
export type TransportCloseReason =
  /** `close()` was called on this side. */
  | 'closed-locally'
  /** The remote closed the pipe. */
  | 'closed-by-remote'
  /** The network path failed (ICE, DTLS, the relay's socket). */
  | 'connection-failed'
  /** The pipe did not open in time. */
  | 'open-timeout'
  /** The remote broke the pipe's own protocol (a text message, a forged or replayed record). */
  | 'protocol-violation'
  /** The implementation could not be loaded. */
  | 'load-failed';

export type TransportEvents = {
  open: () => void;
  message: (bytes: Uint8Array) => void;
  drain: () => void;
  close: (reason: TransportCloseReason) => void;
};

/** How a transport reaches the remote: its own network path, or through the server. */
export type PathKind = 'direct' | 'relay';

/**
 * What ties proofs made on a pipe to that one pipe: the DTLS certificate fingerprints of both
 * ends for WebRTC, the hash of the relay handshake transcript for the relay (the same on both
 * sides). Identity hellos and membership proofs sign over it, so a proof recorded on one pipe
 * is worthless on another, and a server that interposes itself changes what was signed.
 */
export interface ChannelBinding {
  /** This end's value ('' while unknown). */
  readonly local: string;
  /** The remote end's value ('' while unknown). */
  readonly remote: string;
}

export interface PeerTransport extends ObservableV2<TransportEvents> {
  /** Direct (WebRTC) or through the server's relay. */
  readonly kind: PathKind;
  /** Sends one message of at most `maxMessage` bytes; the transport copies or sends it before returning. */
  send(bytes: Uint8Array): void;
  /**
   * Largest message this path carries: at least a framing chunk (16 KiB), more where the path
   * allows (a data channel: its negotiated SCTP limit, capped at Chromium's 256 KiB).
   */
  readonly maxMessage: number;
  /** Bytes accepted by `send` that the remote has not taken yet (queued or in flight). */
  readonly bufferedAmount: number;
  /** Threshold at which `drain` fires. */
  lowWaterMark: number;
  /** Binding of this pipe; empty strings until it is known (at the latest when it opens). */
  binding(): ChannelBinding;
  /** True between `open` and `close`. */
  readonly isOpen: boolean;
  /** True once `close` fired. */
  readonly isClosed: boolean;
  /** Closes at once; `close` fires (once) with 'closed-locally' unless it already fired. */
  close(): void;
  /** A direct path's bulk channel for file chunks, where this page has one (docs/architecture.md §14.2). */
  readonly bulk?: BulkLane | null;
  /** A file moves on this path: a direct path opens its bulk channel if it has none (docs/architecture.md §14.2). */
  wantBulk?(): void;
}

/** A transport still being negotiated: it takes the remote's signals from the rendezvous. */
export interface SignalableTransport extends PeerTransport {
  signal(signal: unknown): void;
}

/**
 * What every implementation shares: `open` at most once and only before `close`, `close`
 * exactly once, and silence afterwards.
 */
export abstract class TransportBase extends ObservableV2<TransportEvents> {
  private opened = false;
  private closedFlag = false;

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** True between `open` and `close`. */
  get isOpen(): boolean {
    return this.opened && !this.closedFlag;
  }

  protected markOpen(): void {
    if (this.opened || this.closedFlag) return;
    this.opened = true;
    this.emit('open', []);
  }

  protected deliver(bytes: Uint8Array): void {
    if (!this.closedFlag) this.emit('message', [bytes]);
  }

  protected markDrained(): void {
    if (!this.closedFlag) this.emit('drain', []);
  }

  /** Emits `close` once; returns false when it had already closed. */
  protected markClosed(reason: TransportCloseReason): boolean {
    if (this.closedFlag) return false;
    this.closedFlag = true;
    this.emit('close', [reason]);
    super.destroy();
    return true;
  }
}

/** Extracts "sha-256 AB:CD:…" from an SDP blob; '' when absent. */
export function sdpFingerprint(sdp: string | undefined | null): string {
  if (!sdp) return '';
  const match = /^a=fingerprint:(\S+) (\S+)/m.exec(sdp);
  return match ? `${match[1]!.toLowerCase()} ${match[2]!.toUpperCase()}` : '';
}
