/**
 * The `/signal` endpoint as a whole: admits upgrades (Origin allow-list, sockets per
 * address and per IPv6 /48, total sockets), owns the set of live sockets and the single
 * heartbeat timer, and shuts everything down with 1001 on close. Per-frame rules live in
 * SignalSocket.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCodes } from '../../src/core/wire/signaling.js';
import type { SignalConfig } from '../config.js';
import { clientAddress, siteKey } from '../http/client-address.js';
import type { MailboxHead, MailboxWatchLimits } from '../mailbox/notices.js';
import type { SignalMetrics, SignalStats } from '../metrics.js';
import { SignalSocket, type SignalSocketOptions } from './socket.js';
import type { Registrar } from './registrar.js';
import type { PresenceRegistry } from '../presence/registry.js';
import type { RelayHub } from '../relay/relay-hub.js';
import type { SignalBus } from './bus.js';

export interface SignalHubOptions {
  /** Limits and timings. */
  readonly config: SignalConfig;
  /** Channels shared by all sockets of this hub (topics, relay addresses, mailboxes). */
  readonly bus: SignalBus;
  /** The blind relay, when the server runs it. */
  readonly relay?: RelayHub;
  /** Live mailbox notices, when the server has a mailbox. */
  readonly mailboxWatch?: MailboxWatchLimits;
  /** The newest seq of a mailbox, told to a new watcher. */
  readonly mailboxHead?: MailboxHead;
  /** Counters to update. */
  readonly metrics: SignalMetrics;
  /** Device registration, when the server has storage. */
  readonly registrar?: Registrar;
  /** Opaque-id presence, when the server keeps it. */
  readonly presence?: PresenceRegistry;
  /** Sees every client text frame (tests assert the server stays blind). */
  readonly tap?: (text: string) => void;
}

export interface SignalHub {
  /** Takes over an HTTP upgrade request that the server has routed to `/signal`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Current gauges. */
  stats(): SignalStats;
  /**
   * Stops admitting sockets, closes every open one with 1001 (going away), and
   * terminates those that have not finished closing after `graceMs`.
   */
  close(graceMs: number): Promise<void>;
}

const noop = (): void => {};

/** Refuses an upgrade before the WebSocket handshake, for when even a close frame is too much. */
export function refuseUpgrade(socket: Duplex, status: string): void {
  socket.on('error', noop);
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export function createSignalHub({ config, bus, relay, mailboxWatch, mailboxHead, metrics, registrar, presence, tap }: SignalHubOptions): SignalHub {
  const wss = new WebSocketServer({
    noServer: true,
    // Text frames are held to maxFrameBytes by SignalSocket; binary relay frames to theirs.
    maxPayload: Math.max(config.maxFrameBytes, relay?.limits.relayMaxFrameBytes ?? 0),
    // Compression would let a small frame inflate to a large one and costs CPU per
    // receiver; y-webrtc signaling frames are small JSON anyway.
    perMessageDeflate: false,
    // Checked in SignalSocket instead, so the close frame can carry a reason.
    skipUTF8Validation: true,
    clientTracking: false,
  });
  const sockets = new Set<SignalSocket>();
  /** Sockets upgraded only to be told why they are refused (4403, 4430). */
  const refused = new Set<WebSocket>();
  const perAddress = new Map<string, number>();
  /** Sockets per IPv6 /48, for keys that have one (an IPv4 address is its own site, counted above). */
  const perSite = new Map<string, number>();
  const maxSocketsPerSite = config.maxSocketsPerIp * config.ipv6SiteFactor;
  let accepting = true;
  let onDrained: (() => void) | undefined;

  // One timer for all sockets rather than one each: the cost of a tick grows with
  // sockets, but idle servers do not carry thousands of timers.
  const heartbeat = setInterval(() => {
    for (const s of sockets) s.heartbeat();
  }, config.pingIntervalMs);
  heartbeat.unref();

  const originAllowed = (req: IncomingMessage): boolean => {
    if (config.allowedOrigins === null) return true;
    const origin = req.headers.origin;
    // Origin protects users of *browsers* from other sites; browsers always send it on
    // WebSocket upgrades. Non-browser clients can put any value there, so refusing a
    // missing header would add no security and would lock out Node peers and benchmarks.
    if (origin === undefined) return true;
    try {
      return config.allowedOrigins.includes(new URL(origin).origin);
    } catch {
      return false;
    }
  };

  const refuse = (ws: WebSocket, code: number, reason: string): void => {
    metrics.recordClose(code);
    refused.add(ws);
    ws.on('error', noop);
    const kill = setTimeout(() => ws.terminate(), config.closeGraceMs);
    kill.unref();
    ws.once('close', () => {
      clearTimeout(kill);
      refused.delete(ws);
    });
    ws.close(code, reason);
  };

  const decrement = (counts: Map<string, number>, key: string): void => {
    const n = (counts.get(key) ?? 1) - 1;
    if (n <= 0) counts.delete(key);
    else counts.set(key, n);
  };
  const release = (address: string): void => {
    decrement(perAddress, address);
    const site = siteKey(address);
    if (site !== address) decrement(perSite, site);
  };

  // One options object for every socket, not one each: an idle socket's every object counts.
  const socketOptions: SignalSocketOptions = {
    bus,
    metrics,
    limits: config,
    ...(relay ? { relay } : {}),
    ...(mailboxWatch ? { mailboxWatch } : {}),
    ...(mailboxHead ? { mailboxHead } : {}),
    ...(registrar ? { registrar } : {}),
    ...(presence ? { presence } : {}),
    ...(tap ? { tap } : {}),
    onClosed: (s) => {
      sockets.delete(s);
      release(s.address);
      if (sockets.size === 0) onDrained?.();
    },
  };

  const accept = (ws: WebSocket, req: IncomingMessage): void => {
    if (!originAllowed(req)) return refuse(ws, CloseCodes.forbiddenOrigin, 'origin not allowed');
    const address = clientAddress(req, config.trustProxy);
    const count = perAddress.get(address) ?? 0;
    if (count >= config.maxSocketsPerIp) return refuse(ws, CloseCodes.tooManySockets, 'too many sockets from this address');
    // A /48 holder has 65,536 /64s, each with its own count above: their sum has a cap too.
    const site = siteKey(address);
    if (site !== address) {
      const inSite = perSite.get(site) ?? 0;
      if (inSite >= maxSocketsPerSite) return refuse(ws, CloseCodes.tooManySockets, 'too many sockets from this network');
      perSite.set(site, inSite + 1);
    }
    perAddress.set(address, count + 1);
    metrics.connections++;
    sockets.add(new SignalSocket(ws, socketOptions, address));
  };

  return {
    handleUpgrade(req, socket, head) {
      if (!accepting) return refuseUpgrade(socket, '503 Service Unavailable');
      // The global cap is checked before the handshake so a flood of connections costs
      // no WebSocket objects at all once the server is full.
      if (sockets.size + refused.size >= config.maxSockets) return refuseUpgrade(socket, '503 Service Unavailable');
      wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req));
    },

    stats() {
      return { sockets: sockets.size, topics: bus.channelCount('topic'), subscriptions: bus.subscriptionCount('topic') };
    },

    async close(graceMs) {
      accepting = false;
      clearInterval(heartbeat);
      for (const ws of refused) ws.terminate();
      for (const s of sockets) s.close(CloseCodes.goingAway, 'server shutting down');
      const drained = (ms: number): Promise<void> =>
        new Promise((resolve) => {
          if (sockets.size === 0) return resolve();
          const timer = setTimeout(resolve, ms);
          onDrained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      await drained(graceMs);
      for (const s of sockets) s.terminate();
      await drained(1000);
      onDrained = undefined;
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
