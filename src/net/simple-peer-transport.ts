/**
 * PeerTransport over simple-peer (a WebRTC data channel). Signals (offer, answer, ICE
 * candidates) leave through `onSignal` to be published by the rendezvous; everything after
 * connect goes through the data channel. Its binding is the pair of DTLS fingerprints.
 */
import SimplePeer from 'simple-peer';
import type { BulkHost, BulkLane } from './files/bulk-lane.js';
import { openBulkConnection, type BulkConnection } from './files/bulk-connection.js';
import { MAX_CHUNK } from './framing.js';
import { sdpFingerprint, TransportBase, type ChannelBinding, type SignalableTransport, type TransportCloseReason } from './transport.js';

export interface SimplePeerTransportOptions {
  readonly initiator: boolean;
  readonly iceServers: readonly RTCIceServer[];
  /** 'relay' gathers only TURN candidates (with no TURN server: no direct path at all). */
  readonly iceTransportPolicy?: RTCIceTransportPolicy;
  /** Node only: the WebRTC implementation (@roamhq/wrtc). Browsers use their own. */
  readonly wrtc?: unknown;
  readonly onSignal: (signal: unknown) => void;
  /**
   * The page's bulk worker: at the link's first file a connection of its own is opened beside
   * this one, and its data channel for file chunks moved there (docs/architecture.md §14.2,
   * "The bulk channel"). None in Node.
   */
  readonly bulk?: BulkHost;
}

/** Chromium refuses data-channel messages over 256 KiB. */
const MAX_DIRECT_MESSAGE = 256 * 1024;

/** The simple-peer internals used here; its typings do not declare them. */
interface SimplePeerInternals {
  _pc?: RTCPeerConnection;
  _channel?: RTCDataChannel;
}

export class SimplePeerTransport extends TransportBase implements SignalableTransport {
  readonly kind = 'direct' as const;
  private readonly peer: SimplePeer.Instance;
  private low = 1024 * 1024;
  private channel: RTCDataChannel | null = null;
  private finishing = false;
  private sctpMax = 0;
  private readonly bulkConnection: BulkConnection | null;

  constructor(options: SimplePeerTransportOptions) {
    super();
    const config: RTCConfiguration = { iceServers: [...options.iceServers], ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}) };
    this.peer = new SimplePeer({
      initiator: options.initiator,
      trickle: true,
      config,
      channelConfig: { ordered: true },
      ...(options.wrtc ? { wrtc: options.wrtc as SimplePeer.Options['wrtc'] } : {}),
    });
    this.peer.on('signal', (signal) => options.onSignal(signal));
    // Take the data channel over as soon as it exists — for the initiator now, for the
    // other side when it arrives — not at simple-peer's 'connect', which can come after the
    // remote's first message (its hello) and would lose it.
    const internals = this.peer as unknown as SimplePeerInternals;
    if (internals._channel) this.takeOver(internals._channel);
    // The bulk channel on a connection of its own (bulk-connection.ts): its signalling channel
    // is created before the link's offer or answer on both sides, the connection itself only
    // when a file first moves on the link (`wantBulk`).
    const host = options.bulk;
    this.bulkConnection = host && internals._pc ? openBulkConnection({ link: internals._pc, initiator: options.initiator, config, lane: (pc) => host.open(pc) }) : null;
    internals._pc?.addEventListener('datachannel', (event: RTCDataChannelEvent) => {
      // After every handler of this event (simple-peer's sets its own onmessage), before
      // any message event, which is a later task.
      queueMicrotask(() => this.takeOver(event.channel));
    });
    this.peer.on('connect', () => {
      if (internals._channel && internals._channel !== this.channel) this.takeOver(internals._channel);
      this.markOpen();
    });
    // ICE, DTLS and data-channel failures alike: this path is gone.
    this.peer.on('error', () => this.finish('connection-failed'));
    this.peer.on('close', () => this.finish('closed-by-remote'));
  }

  /** The bulk channel's lane, once a file moved on this path (where this page has a bulk worker). */
  get bulk(): BulkLane | null {
    return this.bulkConnection?.lane ?? null;
  }

  /** A file moves on this path: its bulk connection opens (the initiator offers; the other end answers). */
  wantBulk(): void {
    if (!this.isClosed) this.bulkConnection?.want();
  }

  /** The bulk channel's own connection (bulk-connection.ts), for getStats in tests; null until a file moved, and where there is none. */
  get bulkPeerConnection(): RTCPeerConnection | null {
    return this.bulkConnection?.pc ?? null;
  }

  /** The RTCPeerConnection underneath (for getStats in tests and the network lab). */
  get peerConnection(): RTCPeerConnection | null {
    return (this.peer as unknown as SimplePeerInternals)._pc ?? null;
  }

  /**
   * Reads the channel directly instead of simple-peer's Readable stream: in browsers its
   * stream shim defers each message through a clamped setTimeout, which held a 9 MB history
   * to ~2.6 MB/s. simple-peer still owns setup, signaling and teardown.
   */
  private takeOver(channel: RTCDataChannel): void {
    this.channel = channel;
    channel.bufferedAmountLowThreshold = this.low;
    channel.addEventListener('bufferedamountlow', () => this.markDrained());
    channel.binaryType = 'arraybuffer';
    channel.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (data instanceof ArrayBuffer) this.deliver(new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) this.deliver(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else this.finish('protocol-violation');
    };
  }

  /** Feeds a signal received from the remote through the rendezvous. */
  signal(signal: unknown): void {
    if (this.isClosed) return;
    try {
      this.peer.signal(signal as SimplePeer.SignalData);
    } catch {
      // A malformed signal from a hostile peer must not throw into the rendezvous loop.
      this.finish('protocol-violation');
    }
  }

  send(bytes: Uint8Array): void {
    if (this.isClosed) return;
    try {
      this.peer.send(bytes);
    } catch {
      this.finish('connection-failed');
    }
  }

  /**
   * The SCTP limit both ends negotiated (Chromium and @roamhq/wrtc: 256 KiB), capped there;
   * a framing chunk until it is known.
   */
  get maxMessage(): number {
    // Read once known: the link asks on every pump, and it does not change for a connection.
    if (this.sctpMax === 0) this.sctpMax = this.peerConnection?.sctp?.maxMessageSize ?? 0;
    return this.sctpMax >= MAX_CHUNK ? Math.min(this.sctpMax, MAX_DIRECT_MESSAGE) : MAX_CHUNK;
  }

  get bufferedAmount(): number {
    return this.channel?.bufferedAmount ?? 0;
  }

  get lowWaterMark(): number {
    return this.low;
  }

  set lowWaterMark(value: number) {
    this.low = value;
    if (this.channel) this.channel.bufferedAmountLowThreshold = value;
  }

  binding(): ChannelBinding {
    const pc = this.peerConnection;
    return { local: sdpFingerprint(pc?.localDescription?.sdp), remote: sdpFingerprint(pc?.remoteDescription?.sdp) };
  }

  close(): void {
    this.finish('closed-locally');
  }

  private finish(reason: TransportCloseReason): void {
    // simple-peer's destroy() emits its own 'close' synchronously; the first reason wins.
    if (this.finishing) return;
    this.finishing = true;
    try {
      this.peer.destroy();
    } catch {
      // Already torn down by simple-peer itself.
    }
    this.markClosed(reason);
    // Only after the link heard this path close: a link that closed with it has nothing to
    // ask again, while a bulk channel closed first looked to the data path like one lost
    // under a link that stays (`lost`), and every fetch asked the closing link again.
    this.bulkConnection?.lane?.close();
    this.bulkConnection?.close();
  }
}
