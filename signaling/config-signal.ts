/**
 * Settings of the WebSocket signaling endpoint (docs/architecture.md §6.3, §6.5): frames,
 * sockets, presence and device registration, with their defaults. Part of
 * {@link ParleyServerConfig} (`config.ts`).
 */
import { MAX_PRESENCE_IDS, SignalingLimits } from '../src/core/wire/signaling.js';

/** Limits and timings of the WebSocket signaling endpoint. */
export interface SignalConfig {
  /** Largest accepted frame; handed to `ws` as `maxPayload` (its default is 100 MiB). */
  readonly maxFrameBytes: number;
  /** Topics one socket may be subscribed to at once, across all its frames. */
  readonly maxTopicsPerSocket: number;
  /** Token bucket per socket: burst size, in messages. */
  readonly rateBurst: number;
  /** Token bucket per socket: steady refill, in messages per second. */
  readonly ratePerSecond: number;
  /** Open sockets allowed from one client address. */
  readonly maxSocketsPerIp: number;
  /** Open sockets allowed in total, so many addresses together cannot exhaust memory. */
  readonly maxSockets: number;
  /** A receiver whose send buffer exceeds this many bytes is dropped as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** Ping period; a socket that has not answered the previous ping is terminated. */
  readonly pingIntervalMs: number;
  /** How long a socket we closed may take to finish the close handshake before it is cut. */
  readonly closeGraceMs: number;
  /** Origins allowed to open `/signal`; `null` allows every Origin. */
  readonly allowedOrigins: readonly string[] | null;
  /** Take the client address from the last `X-Forwarded-For` hop (behind a reverse proxy). */
  readonly trustProxy: boolean;
  /**
   * Presence ids one socket may newly claim or watch in a burst, and per second after
   * that. Re-sending an unchanged set costs nothing; churning through fresh ids (each one
   * a row on disk once it goes offline) is what this bounds.
   */
  readonly presenceIdBurst: number;
  readonly presenceIdsPerSecond: number;
  /** Held plus watched presence ids across all sockets; past it a socket is refused (1008). */
  readonly maxPresenceEntries: number;
  /**
   * Device registrations (`challenge`) per client address: burst, then per second. Each is an
   * Ed25519 check and a durable row, a fresh key costs a client nothing, and one socket
   * registers once, so a reconnecting client is what this bounds; the burst lets every socket
   * an address may hold register at once (a server restart).
   */
  readonly registerBurst: number;
  readonly registersPerSecond: number;
  /**
   * `IPV6_SITE_FACTOR`: an IPv6 /48 (a site; its holder has 65,536 /64s) gets this many times
   * the per-address budget of sockets, registrations and stored push subscriptions, all its
   * /64s together. An IPv4 address is its own site, so behind a NAT nothing changes.
   */
  readonly ipv6SiteFactor: number;
}

/** The defaults of {@link SignalConfig}. */
export function signalDefaults(): SignalConfig {
  return {
    maxFrameBytes: SignalingLimits.maxFrameBytes,
    maxTopicsPerSocket: SignalingLimits.maxTopicsPerSocket,
    rateBurst: SignalingLimits.rateBurst,
    ratePerSecond: SignalingLimits.ratePerSecond,
    maxSocketsPerIp: 64,
    maxSockets: 10_000,
    maxBufferedBytes: 1024 * 1024,
    pingIntervalMs: 30_000,
    closeGraceMs: 2000,
    allowedOrigins: null,
    trustProxy: false,
    presenceIdBurst: 4 * MAX_PRESENCE_IDS,
    presenceIdsPerSecond: 100,
    maxPresenceEntries: 2_000_000,
    // Every socket an address may hold (64) at once, then 12 a minute.
    registerBurst: 64,
    registersPerSecond: 0.2,
    // Sixteen homes' worth per /48: 1,024 sockets, not 65,536 × 64.
    ipv6SiteFactor: 16,
  };
}
