/**
 * WebSocket client for the signaling server (y-webrtc protocol plus Parley's messages, see
 * core/wire/signaling and docs/protocol.md §1). It implements the mesh's `SignalingPort`.
 *
 * It keeps the set of subscribed topics and restores it after every reconnect, reconnects
 * with jittered exponential backoff, and treats a silent socket as dead: the server may be
 * gone without a close frame (laptop sleep, NAT timeout), so it pings and closes when no
 * message arrives within `deadAfterMs`. With `relay` on, it asks for a relay address on every
 * connection and carries binary relay frames.
 */
import { ObservableV2 } from 'lib0/observable';
import { CloseCodes, decodeRelayFrame, encodeRelayFrame, parseServerMessage, RELAY_ADDR, SIGNAL_PATH, SignalingLimits, type ClientMessage } from '../core/wire/signaling.js';
import { Backoff } from './backoff.js';
import type { RelayBudget, Signaling, SignalingEvents, SignalingPort, SignalingStatus } from './signaling-port.js';

export type { SignalingStatus } from './signaling-port.js';

/** The part of the WebSocket API this client uses; browser `WebSocket` and `ws` both fit. */
export interface SocketLike {
  readonly readyState: number;
  binaryType?: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export interface SignalingClientOptions {
  /** Server base URL (http(s) or ws(s)); `/signal` is appended when missing. */
  readonly url: string;
  readonly createSocket?: SocketFactory;
  readonly pingIntervalMs?: number;
  readonly deadAfterMs?: number;
  readonly backoff?: Backoff;
  /** Ask for a relay address on every connection (docs/protocol.md §1.2). */
  readonly relay?: boolean;
}

export type { SignalingEvents } from './signaling-port.js';

const OPEN = 1;

/**
 * Longest text frame accepted from the server, in characters (each at least one byte), checked
 * before it is parsed: a server, or anything posing as one, could otherwise hand the page a
 * frame of any size to hold and parse. The largest a Parley server sends is a `presence-state`
 * for 1,000 ids (about 82 KB) or a relayed publish, held to the client's own frame cap
 * (`SignalingLimits.maxFrameBytes`, 64 KiB) plus a few bytes the server adds.
 */
export const MAX_SERVER_TEXT_CHARS = 2 * SignalingLimits.maxFrameBytes;
/**
 * Close code for a server frame over that cap. Browsers let a page close only with 1000 or
 * 3000–4999, so not 1009; 4009 mirrors it.
 */
export const SERVER_FRAME_TOO_LARGE = 4009;

/**
 * Closes after which the next connection keeps backing off: the client's own refusal of an
 * oversize frame, and the server's "slow down" codes. Any other close of a socket that opened
 * starts the backoff over. Were the backoff reset on every open, a server (or anything posing
 * as one) that closes or sends an oversize frame right after each open would have the client
 * connect again every 250-500 ms forever, and clients a per-address cap refused (4429) would
 * keep coming back at that pace.
 */
const KEEP_BACKING_OFF: ReadonlySet<number> = new Set([SERVER_FRAME_TOO_LARGE, CloseCodes.rateLimited, CloseCodes.tooManySockets, CloseCodes.tryAgainLater]);

export function signalingUrl(base: string): string {
  const url = new URL(base);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (!url.pathname.endsWith(SIGNAL_PATH)) url.pathname = SIGNAL_PATH;
  url.hash = '';
  return url.toString();
}

export class SignalingClient extends ObservableV2<SignalingEvents> implements SignalingPort, Signaling {
  private socket: SocketLike | null = null;
  private readonly topics = new Set<string>();
  private readonly url: string;
  private readonly createSocket: SocketFactory;
  private readonly backoff: Backoff;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastMessageAt = 0;
  private destroyed = false;
  private currentStatus: SignalingStatus = 'disconnected';
  private relayAddr: string | null = null;
  private budget: RelayBudget | null = null;
  private started = false;

  constructor(private readonly options: SignalingClientOptions) {
    super();
    this.url = signalingUrl(options.url);
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.backoff = options.backoff ?? new Backoff({ baseMs: 500, maxMs: 30_000 });
  }

  /** Opens the socket (and keeps reopening it until `destroy`). */
  start(): this {
    if (this.started || this.destroyed) return this;
    this.started = true;
    this.connect();
    return this;
  }

  get status(): SignalingStatus {
    return this.currentStatus;
  }

  get relayAddress(): string | null {
    return this.relayAddr;
  }

  get relayBudget(): RelayBudget | null {
    return this.budget;
  }

  sendRelay(to: string, payload: Uint8Array): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.currentStatus !== 'connected' || this.relayAddr === null || !RELAY_ADDR.test(to)) return false;
    try {
      socket.send(encodeRelayFrame(to, payload));
      return true;
    } catch {
      return false;
    }
  }

  subscribe(topic: string): void {
    if (this.topics.has(topic)) return;
    this.topics.add(topic);
    this.sendRaw({ type: 'subscribe', topics: [topic] });
  }

  unsubscribe(topic: string): void {
    if (!this.topics.delete(topic)) return;
    this.sendRaw({ type: 'unsubscribe', topics: [topic] });
  }

  /** Returns false when not connected; callers re-publish on the next `connected` status. */
  publish(topic: string, data: unknown): boolean {
    return this.sendRaw({ type: 'publish', topic, data });
  }

  /** Sends a protocol message other than a publish (e.g. registration). */
  send(message: ClientMessage): boolean {
    return this.sendRaw(message);
  }

  /** Skips the remaining backoff, e.g. when the browser reports it is online again. */
  reconnectNow(): void {
    if (this.destroyed || !this.started || this.currentStatus === 'connected') return;
    this.backoff.reset();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (!this.socket) this.connect();
  }

  override destroy(): void {
    this.destroyed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopPing();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = socket.onmessage = socket.onopen = null;
      // Not null: closing a socket still connecting makes Node's `ws` emit an error ("closed
      // before the connection was established"), and an error nobody hears is thrown out of
      // the process (a bot stopped while it reconnected, seen in a clean-clone CI run).
      socket.onerror = () => undefined;
      socket.close(1000, 'client closed');
    }
    this.setRelayAddress(null);
    this.setStatus('disconnected');
    super.destroy();
  }

  private sendRaw(message: object): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.currentStatus !== 'connected') return false;
    try {
      socket.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  private connect(): void {
    if (this.destroyed) return;
    this.setStatus('connecting');
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.lastMessageAt = Date.now();
      this.setStatus('connected');
      if (this.topics.size > 0) this.sendRaw({ type: 'subscribe', topics: [...this.topics] });
      if (this.options.relay) this.sendRaw({ type: 'relay-bind' });
      this.startPing();
    };
    socket.onmessage = (ev) => {
      // Frames still arriving on a socket this client has given up on are not read.
      if (this.socket !== socket) return;
      this.lastMessageAt = Date.now();
      if (typeof ev.data !== 'string') return this.onBinary(ev.data);
      if (ev.data.length > MAX_SERVER_TEXT_CHARS) return this.drop(socket, SERVER_FRAME_TOO_LARGE, 'server frame too large');
      const parsed = parseServerMessage(ev.data);
      if (!parsed.ok) return;
      const message = parsed.value;
      if (message.type === 'publish') this.emit('message', [message.topic, message.data]);
      else if (message.type === 'relay-bound') {
        this.budget = message.bytesPerSecond && message.burstBytes ? { bytesPerSecond: message.bytesPerSecond, burstBytes: message.burstBytes } : null;
        this.setRelayAddress(message.addr);
      }
      else if (message.type === 'relay-gone') this.emit('relay-gone', [message.addr]);
      else if (message.type !== 'pong') this.emit('control', [message]);
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      // The backoff starts over once a connection worked, unless its close says to slow down.
      if (opened && !KEEP_BACKING_OFF.has(ev.code)) this.backoff.reset();
      this.stopPing();
      this.setRelayAddress(null);
      this.emit('closed', [ev.code, ev.reason]);
      this.setStatus('disconnected');
      this.scheduleReconnect();
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
  }

  /** Closes `socket` and runs its close handler now (which reconnects), not when the server answers the close. */
  private drop(socket: SocketLike, code: number, reason: string): void {
    socket.close(code, reason);
    socket.onclose?.({ code, reason });
  }

  private onBinary(data: unknown): void {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    const frame = bytes ? decodeRelayFrame(bytes) : null;
    if (frame && this.relayAddr !== null) this.emit('relay', [frame.addr, frame.payload]);
  }

  private setRelayAddress(addr: string | null): void {
    if (addr === this.relayAddr) return;
    this.relayAddr = addr;
    this.emit('relay-address', [addr]);
  }

  private scheduleReconnect(): void {
    if (this.destroyed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, this.backoff.next());
  }

  private startPing(): void {
    this.stopPing();
    const interval = this.options.pingIntervalMs ?? 15_000;
    const deadAfter = this.options.deadAfterMs ?? interval * 2 + 5_000;
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastMessageAt > deadAfter) {
        // Silent for too long: treat as dead so the close handler reconnects.
        if (this.socket) this.drop(this.socket, 4000, 'no pong');
        return;
      }
      this.sendRaw({ type: 'ping' });
    }, interval);
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private setStatus(status: SignalingStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', [status]);
  }
}
