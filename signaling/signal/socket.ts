/**
 * One client on `WS /signal`: validates every frame before it touches shared state,
 * tracks the socket's topics, applies the flood and slow-consumer limits, and answers
 * the hub's heartbeat. Any violation closes this socket with a code from `CloseCodes`;
 * nothing a client sends can throw out of here.
 */
import { isUtf8 } from 'node:buffer';
import { WebSocket, type RawData } from 'ws';
import { CloseCodes, MAX_PRESENCE_IDS, parseClientMessage, type ClientMessage } from '../../src/core/wire/signaling.js';
import type { SignalConfig } from '../config.js';
import type { RelayCloseReason, SignalMetrics } from '../metrics.js';
import { TokenBucket } from '../rate-limit.js';
import { MailboxWatches, type MailboxHead, type MailboxWatchLimits, type WatchRefusal } from '../mailbox/notices.js';
import { RelayEndpoint, type RelayOwner } from '../relay/relay-endpoint.js';
import type { RelayHub } from '../relay/relay-hub.js';
import type { Registrar } from './registrar.js';
import type { PresenceSocket, PresenceRegistry } from '../presence/registry.js';
import type { BusSubscriber, SignalBus } from './bus.js';
import { MAX_REASON, PONG, PROTOCOL_ERROR, rejectionCode, toBuffer, WS_ERROR_CLOSE_CODES } from './frames.js';
import { StoreUnavailableError } from '../errors.js';

/** Limits one socket needs from the server configuration. */
export type SignalSocketLimits = Pick<
  SignalConfig,
  'maxFrameBytes' | 'maxTopicsPerSocket' | 'rateBurst' | 'ratePerSecond' | 'maxBufferedBytes' | 'closeGraceMs' | 'presenceIdBurst' | 'presenceIdsPerSecond'
>;

export interface SignalSocketOptions {
  /** Where subscriptions live and publishes go. */
  readonly bus: SignalBus;
  /** The blind relay; absent in servers without it (then binary frames are refused). */
  readonly relay?: RelayHub;
  /** Live mailbox notices; absent in servers without a mailbox (then watches are refused). */
  readonly mailboxWatch?: MailboxWatchLimits;
  /** The newest seq of a mailbox, told to a new watcher. */
  readonly mailboxHead?: MailboxHead;
  /** Counters to update. */
  readonly metrics: SignalMetrics;
  /** Per-socket caps. */
  readonly limits: SignalSocketLimits;
  /** Called exactly once, after the underlying socket has closed for any reason. */
  readonly onClosed: (socket: SignalSocket) => void;
  /** Device registration (challenge/response); absent in servers without storage. */
  readonly registrar?: Registrar;
  /** Opaque-id presence; absent in servers without it (then presence frames are refused). */
  readonly presence?: Pick<PresenceRegistry, 'hold' | 'watch' | 'change' | 'release' | 'states'>;
  /** Test and debugging tap: every text frame as received, before parsing. */
  readonly tap?: (text: string) => void;
}

export class SignalSocket implements BusSubscriber, PresenceSocket, RelayOwner {
  private readonly topics = new Set<string>();
  // The relay endpoint, the mailbox watches and the presence bucket are made when the socket
  // first uses them: most sockets never relay, and an idle socket's every object counts
  // (docs/architecture.md §6.5, memory per idle connection). A part made late is the part a
  // socket would have had from the start: its buckets begin full, as a bucket never drawn on
  // would be by then.
  private relay: RelayEndpoint | null = null;
  private watches: MailboxWatches | null = null;
  private readonly bucket: TokenBucket;
  /**
   * Charged one token per presence id newly held or watched, and per `presence-change`.
   * Re-sending the same set is free; cycling through fresh ids (each a last-seen row on disk,
   * and a store lookup) is what it stops.
   */
  private presenceBucket: TokenBucket | null = null;
  /** Cleared when a ping goes out, set again by the pong. */
  private alive = true;
  /** Set once the server has decided to close; later frames are ignored unread. */
  private closing = false;
  /** The code the server sent, for metrics (the peer may echo another or none). */
  private sentCode: number | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  /** The nonce this socket was challenged with; single use. */
  private nonce: string | null = null;
  /** The device key this socket proved, once registered. */
  deviceKey: string | null = null;
  /**
   * Set by this socket's one `register`. A socket stands for one device, so it registers once;
   * each registration is a row and a durable write, and fresh keys cost a client nothing.
   */
  private registered = false;

  /**
   * @param opts the server's options, one object shared by every socket (a copy each cost an
   *   idle socket its bytes)
   * @param address the client's address, which the per-address cap counts
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly opts: SignalSocketOptions,
    readonly address = '',
  ) {
    this.bucket = new TokenBucket(opts.limits.rateBurst, opts.limits.ratePerSecond);
    SignalSocket.owners.set(ws, this);
    ws.on('message', SignalSocket.heardMessage);
    ws.on('pong', SignalSocket.heardPong);
    ws.on('error', SignalSocket.heardError);
    // `on`, not `once`: `ws` emits 'close' exactly once, and `once` adds a wrapper and its state to every socket.
    ws.on('close', SignalSocket.heardClose);
  }

  /**
   * The listeners on each `ws` are these four functions, shared by every socket, which find
   * their SignalSocket here: four closures per socket and the context they share cost an idle
   * socket some 300 bytes of heap (docs/architecture.md §6.5, memory per idle connection).
   */
  private static readonly owners = new WeakMap<WebSocket, SignalSocket>();

  private static heardMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    SignalSocket.owners.get(this)?.onMessage(data, isBinary);
  }

  private static heardPong(this: WebSocket): void {
    const socket = SignalSocket.owners.get(this);
    if (socket) socket.alive = true;
  }

  private static heardError(this: WebSocket, err: NodeJS.ErrnoException): void {
    SignalSocket.owners.get(this)?.onError(err);
  }

  private static heardClose(this: WebSocket, code: number): void {
    SignalSocket.owners.get(this)?.onClose(code);
  }

  /** Topics this socket is subscribed to. */
  get topicCount(): number {
    return this.topics.size;
  }

  /**
   * Sends a frame from the bus unless this receiver is too far behind (then drops the
   * receiver). Text and relay frames are judged apart: relay bytes queued here have their
   * own allowance (`RelayEndpoint.admit`), so a client with several relayed peers is not
   * mistaken for a stalled one, and signaling keeps its own allowance on top.
   */
  deliver(frame: Buffer, binary = false): boolean {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return false;
    if (binary) {
      if (this.relay === null) return false;
      if (!this.relay.admit()) {
        this.opts.relay?.recordClose('slow-consumer');
        this.close(CloseCodes.policyViolation, 'slow consumer (relay)');
        return false;
      }
      this.ws.send(frame, { binary: true }, this.relay.track(frame.length));
      return true;
    }
    // `bufferedAmount` counts bytes queued in `ws` and in Node's socket stream. Past the
    // cap the receiver cannot keep up; buffering more would let one stalled client hold
    // unbounded server memory.
    if (this.ws.bufferedAmount - (this.relay?.queuedBytes ?? 0) > this.opts.limits.maxBufferedBytes) {
      this.close(CloseCodes.policyViolation, 'slow consumer');
      return false;
    }
    // A text frame from shared bytes: `ws` does not copy or mask them on the server side.
    this.ws.send(frame, { binary: false });
    return true;
  }

  /** RelayOwner: a server text frame for this socket. */
  sendText(frame: Buffer): void {
    this.deliver(frame, false);
  }

  /** RelayOwner: a relay rule was broken by this socket. */
  closeForRelay(_reason: RelayCloseReason, code: number, text: string): void {
    this.close(code, text);
  }

  /**
   * One heartbeat tick from the hub: terminate if the previous ping went unanswered,
   * else send a new ping. A dead peer is thus cut within two intervals.
   */
  heartbeat(): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    if (!this.alive) {
      this.opts.metrics.heartbeatTimeouts++;
      this.detach();
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /**
   * Closes with `code` and a short `reason`, leaves every topic at once (not when the
   * handshake completes, which a stalled peer may never do), and terminates the socket
   * if the peer has not completed the close handshake after `closeGraceMs`.
   */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.sentCode = code;
    this.detach();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason.slice(0, MAX_REASON));
    this.killTimer = setTimeout(() => this.ws.terminate(), this.opts.limits.closeGraceMs);
    this.killTimer.unref();
  }

  /** Drops the connection without a close handshake (shutdown stragglers). */
  terminate(): void {
    this.detach();
    this.ws.terminate();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    // Relay frames are charged by bytes against the relay's own caps, not by count here:
    // a relayed transfer sends hundreds of 16 KiB chunks a second.
    if (isBinary) {
      const relay = this.relayEndpoint();
      if (relay === null) return this.close(CloseCodes.unsupportedData, 'binary frames are not supported');
      return relay.receive(toBuffer(data));
    }
    const bytes = toBuffer(data);
    // `ws` accepts frames up to the larger relay cap; text frames keep their own.
    if (bytes.length > this.opts.limits.maxFrameBytes) return this.close(CloseCodes.tooBig, 'text frame too large');
    // `ws` runs with skipUTF8Validation so this check can close with a reason string.
    if (!isUtf8(bytes)) return this.close(CloseCodes.invalidPayload, 'invalid UTF-8');
    const text = bytes.toString('utf8');
    this.opts.tap?.(text);
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.close(rejectionCode(text), parsed.error);
    // Mailbox watches and presence changes have their own buckets: one message per mailbox or
    // presence id is the protocol.
    const type = parsed.value.type;
    const watch = type === 'mailbox-watch' || type === 'mailbox-unwatch' || type === 'presence-change';
    if (!watch && !this.bucket.take()) return this.close(CloseCodes.rateLimited, 'rate limit exceeded');
    this.handle(parsed.value);
  }

  /** Answers a watch with the current state of `ids` (one `presence-state` frame), once known. */
  private reportPresence(presence: NonNullable<SignalSocketOptions['presence']>, ids: string[]): void {
    void presence.states(ids).then((states) => this.deliver(Buffer.from(JSON.stringify({ type: 'presence-state', states }), 'utf8')));
  }

  private handle(msg: ClientMessage): void {
    switch (msg.type) {
      case 'subscribe': {
        const fresh = new Set(msg.topics.filter((t) => !this.topics.has(t)));
        if (this.topics.size + fresh.size > this.opts.limits.maxTopicsPerSocket) {
          return this.close(CloseCodes.tooManyTopics, 'too many topics on this socket');
        }
        for (const topic of fresh) {
          this.topics.add(topic);
          this.opts.bus.subscribe('topic', topic, this);
        }
        return;
      }
      case 'unsubscribe':
        for (const topic of msg.topics) {
          if (this.topics.delete(topic)) this.opts.bus.unsubscribe('topic', topic, this);
        }
        return;
      case 'publish':
        this.opts.metrics.publishes++;
        this.opts.metrics.messagesRelayed += this.opts.bus.publish(msg.topic, msg);
        return;
      case 'ping':
        this.deliver(PONG);
        return;
      case 'challenge': {
        if (!this.opts.registrar) return this.close(CloseCodes.malformed, 'registration is not available');
        if (this.registered) return this.close(CloseCodes.malformed, 'this socket has registered already');
        // Past the address's budget the challenge goes unanswered, and the socket stays: Parley's
        // client challenges on every connection, and registering gates nothing else, so closing
        // here took signaling itself from every device behind a busy address (one NAT). The
        // device registers on its next connection; the socket's message rate bounds retries.
        if (!this.opts.registrar.admit(this.address)) {
          // Counted, since no close says so: these devices would be missing from /metrics.
          this.opts.metrics.registrationsDeferred++;
          return;
        }
        this.nonce = this.opts.registrar.challenge();
        this.deliver(Buffer.from(JSON.stringify({ type: 'challenge', nonce: this.nonce }), 'utf8'));
        return;
      }
      case 'presence':
      case 'presence-watch': {
        const presence = this.opts.presence;
        if (!presence) return this.close(CloseCodes.malformed, 'presence is not available');
        const ids = new Set(msg.ids);
        const update = msg.type === 'presence' ? presence.hold(this, ids) : presence.watch(this, ids);
        if (!update.ok) return this.close(CloseCodes.policyViolation, 'presence capacity reached');
        // A watch is answered with the state of every id in it, each a directory and store
        // lookup, so it is charged all of them; re-holding the same set costs nothing.
        if (!this.presenceIds().take(msg.type === 'presence-watch' ? ids.size : update.added)) return this.close(CloseCodes.rateLimited, 'presence ids change too fast');
        // The answer may need the store (last-seen) or another node (online): it is sent when
        // it arrives, and a change reported meanwhile is simply followed by the full state.
        if (msg.type === 'presence-watch') {
          this.reportPresence(presence, [...ids]);
        }
        return;
      }
      case 'presence-change': {
        const presence = this.opts.presence;
        if (!presence) return this.close(CloseCodes.malformed, 'presence is not available');
        // Every change costs a token, a release too: toggling is work for the server.
        if (!this.presenceIds().take(1)) return this.close(CloseCodes.rateLimited, 'presence ids change too fast');
        const changed = presence.change(this, msg.id, msg.change);
        if (!changed.ok) {
          return changed.full === 'socket'
            ? this.close(CloseCodes.tooManyTopics, `more than ${MAX_PRESENCE_IDS} presence ids on this socket`)
            : this.close(CloseCodes.policyViolation, 'presence capacity reached');
        }
        if (msg.change === 'watch') {
          this.reportPresence(presence, [msg.id]);
        }
        return;
      }
      case 'relay-bind':
        const relay = this.relayEndpoint();
        if (relay === null) return this.close(CloseCodes.malformed, 'the relay is not available');
        relay.bind();
        return;
      case 'mailbox-watch':
      case 'mailbox-unwatch': {
        const watches = this.mailboxWatches();
        if (watches === null) return this.close(CloseCodes.malformed, 'mailbox notices are not available');
        const refusal: WatchRefusal | null = msg.type === 'mailbox-watch' ? watches.watch(msg.id, msg.token) : watches.unwatch(msg.id);
        if (refusal) this.close(refusal.code, refusal.reason);
        return;
      }
      case 'register': {
        const nonce = this.nonce;
        this.nonce = null;
        if (!nonce || !this.opts.registrar) return this.close(CloseCodes.malformed, 'register without a challenge');
        this.registered = true;
        void this.opts.registrar.register(nonce, msg.key, msg.sig, Date.now()).then(
          (ok) => {
            if (!ok) return this.close(CloseCodes.unauthorized, 'registration signature does not verify');
            this.opts.metrics.registrations++;
            this.deviceKey = msg.key;
            this.deliver(Buffer.from(JSON.stringify({ type: 'registered', key: msg.key }), 'utf8'));
          },
          // The device store (PostgreSQL) unreachable is not the device's fault: 1013, try again.
          (err: unknown) =>
            err instanceof StoreUnavailableError
              ? this.close(CloseCodes.tryAgainLater, 'registration unavailable, try again')
              : this.close(CloseCodes.unauthorized, 'registration failed'),
        );
        return;
      }
    }
  }

  /** This socket's relay endpoint, made at its first use; null in a server without the relay. */
  private relayEndpoint(): RelayEndpoint | null {
    if (this.relay === null && this.opts.relay) this.relay = new RelayEndpoint(this.opts.relay, this);
    return this.relay;
  }

  /** This socket's mailbox watches, made at its first watch; null in a server without them. */
  private mailboxWatches(): MailboxWatches | null {
    if (this.watches === null && this.opts.mailboxWatch) this.watches = new MailboxWatches(this.opts.bus, this, this.opts.mailboxWatch, this.opts.mailboxHead);
    return this.watches;
  }

  private presenceIds(): TokenBucket {
    return (this.presenceBucket ??= new TokenBucket(this.opts.limits.presenceIdBurst, this.opts.limits.presenceIdsPerSecond));
  }

  private onError(err: NodeJS.ErrnoException): void {
    // `ws` emits 'error' for frames its parser rejects (oversized, bad opcode, …) and has
    // already started the close with the matching code. Record that code; never log the
    // message, and never rethrow: an unhandled 'error' event would kill the process.
    const code = err.code ?? '';
    if (code.startsWith('WS_ERR_')) this.sentCode ??= WS_ERROR_CLOSE_CODES[code] ?? PROTOCOL_ERROR;
    if (!this.closing) {
      this.closing = true;
      this.detach();
      this.killTimer = setTimeout(() => this.ws.terminate(), this.opts.limits.closeGraceMs);
      this.killTimer.unref();
    }
  }

  private onClose(code: number): void {
    clearTimeout(this.killTimer);
    this.closing = true;
    this.detach();
    this.opts.metrics.recordClose(this.sentCode ?? code);
    this.opts.onClosed(this);
  }

  private detach(): void {
    for (const topic of this.topics) this.opts.bus.unsubscribe('topic', topic, this);
    this.topics.clear();
    // Frames to this socket's address now get relay-gone rather than queue behind a close.
    this.relay?.release();
    this.watches?.release();
    // Idempotent: the ids this socket held go offline (watchers are told) at once, not
    // when a stalled peer finally completes the close handshake.
    this.opts.presence?.release(this);
  }
}
