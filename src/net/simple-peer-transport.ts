/**
 * PeerTransport over simple-peer. Signals (offer, answer, ICE candidates) leave through
 * `onSignal` to be sealed and published by the rendezvous; everything after connect goes
 * through the data channel.
 */
import SimplePeer from 'simple-peer';
import { sdpFingerprint, type PeerTransport, type PeerTransportEvents } from './transport.js';

export interface SimplePeerTransportOptions {
  readonly initiator: boolean;
  readonly iceServers: readonly RTCIceServer[];
  /** Node only: the WebRTC implementation (@roamhq/wrtc). Browsers use their own. */
  readonly wrtc?: unknown;
  readonly onSignal: (signal: unknown) => void;
}

/** The simple-peer internals used here; its typings do not declare them. */
interface SimplePeerInternals {
  _pc?: RTCPeerConnection;
  _channel?: RTCDataChannel;
}

export class SimplePeerTransport implements PeerTransport {
  events: PeerTransportEvents = {};
  private readonly peer: SimplePeer.Instance;
  private closed = false;
  private low = 1024 * 1024;
  private channel: RTCDataChannel | null = null;

  constructor(options: SimplePeerTransportOptions) {
    this.peer = new SimplePeer({
      initiator: options.initiator,
      trickle: true,
      config: { iceServers: [...options.iceServers] },
      channelConfig: { ordered: true },
      ...(options.wrtc ? { wrtc: options.wrtc as SimplePeer.Options['wrtc'] } : {}),
    });
    this.peer.on('signal', (signal) => options.onSignal(signal));
    this.peer.on('connect', () => {
      this.channel = (this.peer as unknown as SimplePeerInternals)._channel ?? null;
      if (this.channel) {
        this.channel.bufferedAmountLowThreshold = this.low;
        this.channel.addEventListener('bufferedamountlow', () => this.events.onDrain?.());
      }
      this.events.onOpen?.();
    });
    this.peer.on('data', (data: Uint8Array) => {
      this.events.onMessage?.(data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer));
    });
    this.peer.on('error', (err: Error & { code?: string }) => this.finish(err.code ?? err.message));
    this.peer.on('close', () => this.finish('closed'));
  }

  /** Feeds a signal received from the remote through the rendezvous. */
  signal(signal: unknown): void {
    if (this.closed) return;
    try {
      this.peer.signal(signal as SimplePeer.SignalData);
    } catch (error) {
      // A malformed signal from a hostile peer must not throw into the rendezvous loop.
      this.finish(`bad signal: ${(error as Error).message}`);
    }
  }

  send(bytes: Uint8Array): void {
    if (this.closed) return;
    try {
      this.peer.send(bytes);
    } catch (error) {
      this.finish(`send failed: ${(error as Error).message}`);
    }
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

  fingerprints(): { local: string; remote: string } {
    const pc = (this.peer as unknown as SimplePeerInternals)._pc;
    return {
      local: sdpFingerprint(pc?.localDescription?.sdp),
      remote: sdpFingerprint(pc?.remoteDescription?.sdp),
    };
  }

  close(): void {
    this.finish('closed locally');
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.peer.destroy();
    } catch {
      // Already torn down by simple-peer itself.
    }
    this.events.onClose?.(reason);
  }
}
