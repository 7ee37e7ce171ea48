/**
 * Settings of how browsers and nodes reach each other (docs/architecture.md §6.7, §6.9): the
 * STUN responder, TURN, the blind relay, and the cluster backends, with their defaults and
 * checks. Part of {@link ParleyServerConfig} (`config.ts`).
 */
import { hostname } from 'node:os';
import { RELAY_HEADER_BYTES } from '../src/core/wire/signaling.js';
import { ConfigError } from './errors.js';
import { normalizeHost } from './http/host.js';
import type { RelayLimits } from './relay/relay-hub.js';
import type { StunLimits } from './stun/responder.js';

/** How browsers reach each other: the built-in STUN responder (docs/architecture.md §6). */
export interface NetworkConfig extends StunLimits {
  /**
   * UDP port of the STUN responder; `null` turns it off, 0 picks a free port (tests).
   * From the environment, `STUN_PORT=0` means off.
   */
  readonly stunPort: number | null;
  /**
   * The host name browsers use for this server (`PUBLIC_HOST`), in URL form. Unset: the
   * `Host` of each `/api/config` request.
   */
  readonly publicHost: string | undefined;
  /** `TURN_URLS`: coturn `turn:`/`turns:` URLs; empty = no TURN. */
  readonly turnUrls: readonly string[];
  /** `TURN_SECRET`: coturn's `static-auth-secret`; required with `turnUrls`, never sent anywhere. */
  readonly turnSecret: string | undefined;
  /** `TURN_TTL_SECONDS`: lifetime of each issued TURN credential. */
  readonly turnTtlSeconds: number;
}

/** Several nodes acting as one (docs/architecture.md §6, scale-out); all off by default. */
export interface ClusterConfig {
  /**
   * `DATABASE_URL`: PostgreSQL (`postgres://…`) for the mailbox, push subscriptions, devices
   * and presence last-seen, shared by every node. `null`: SQLite in `dataDir`.
   */
  readonly databaseUrl: string | null;
  /**
   * `REDIS_URL`: Redis (`redis://…`) carrying every cross-socket event between nodes.
   * `null`: in-memory pub/sub, one node.
   */
  readonly redisUrl: string | null;
  /** `NODE_ID`: names this node in logs, metrics and Redis (default: host name and pid). */
  readonly nodeId: string;
}

/** The defaults of {@link NetworkConfig}, the relay and the cluster. */
export function networkDefaults(): NetworkConfig & RelayLimits & ClusterConfig {
  return {
    stunPort: 3478,
    publicHost: undefined,
    // 1 KiB/s beyond what a source sent is ~85 answers a second to one address: a whole
    // office behind one NAT keeping its STUN bindings alive, and worthless as a reflector.
    stunExcessBurstBytes: 4096,
    stunExcessBytesPerSecond: 1024,
    stunTotalExcessBytesPerSecond: 256 * 1024,
    stunMaxTrackedAddresses: 16_384,
    turnUrls: [],
    turnSecret: undefined,
    turnTtlSeconds: 24 * 60 * 60,
    databaseUrl: null,
    redisUrl: null,
    nodeId: defaultNodeId(),
    // A 16 KiB peer chunk plus the relay link's sealing and the 17-byte header, with room.
    relayMaxFrameBytes: 20 * 1024,
    relayBytesPerSecond: 4 * 1024 * 1024,
    relayBurstBytes: 4 * 1024 * 1024,
    relayTotalBytesPerSecond: 64 * 1024 * 1024,
    relayUnknownTargetBurst: 64,
    relayUnknownTargetsPerSecond: 8,
    // 16 relayed links at a full 256 KiB credit window each.
    relayMaxBufferedBytes: 4 * 1024 * 1024,
    relayMaxQueuedBytes: 64 * 1024 * 1024,
  };
}

export function validateStunPort({ stunPort }: NetworkConfig): void {
  if (stunPort !== null && (!Number.isInteger(stunPort) || stunPort < 0 || stunPort > 65535)) {
    throw new ConfigError('stunPort must be null (off) or an integer from 0 to 65535');
  }
}

/** `PUBLIC_HOST` in URL form, or undefined when unset. */
export function publicHostOf({ publicHost }: NetworkConfig): string | undefined {
  if (publicHost === undefined) return undefined;
  const host = normalizeHost(publicHost) ?? undefined;
  if (host === undefined) throw new ConfigError('PUBLIC_HOST must be a host name, an IPv4 address or an IPv6 address, without scheme or port');
  return host;
}

/** `ws` holds a whole frame in memory before we see it; relay frames never need more. */
const MAX_RELAY_FRAME_BYTES = 1024 * 1024;

export function validateRelay(c: RelayLimits): void {
  if (!Number.isSafeInteger(c.relayMaxFrameBytes) || c.relayMaxFrameBytes < RELAY_HEADER_BYTES + 1 || c.relayMaxFrameBytes > MAX_RELAY_FRAME_BYTES) {
    throw new ConfigError(`relayMaxFrameBytes must be an integer from ${RELAY_HEADER_BYTES + 1} to ${MAX_RELAY_FRAME_BYTES}`);
  }
  // A burst smaller than one frame could never pass a full-size frame.
  if (c.relayBurstBytes < c.relayMaxFrameBytes || c.relayTotalBytesPerSecond < c.relayMaxFrameBytes) {
    throw new ConfigError('the relay byte rates must be at least one frame (relayMaxFrameBytes)');
  }
}

/** A TURN URL of RFC 7065: `turn:` or `turns:`, a host, optional port and transport. */
const TURN_URL = /^turns?:[^\s,?#/]+(\?transport=(udp|tcp))?$/i;
const MIN_TURN_SECRET = 16;
const MAX_TURN_URLS = 8;

/** TURN is all or nothing: URLs without a secret (or the reverse) is a mistake, said at start. */
export function validateTurn(config: NetworkConfig): void {
  const { turnUrls, turnSecret } = config;
  if (turnUrls.length === 0 && turnSecret === undefined) return;
  if (turnUrls.length === 0) throw new ConfigError('TURN_SECRET is set but TURN_URLS is empty');
  if (turnSecret === undefined) throw new ConfigError('TURN_URLS is set but TURN_SECRET is missing (coturn static-auth-secret)');
  if (turnSecret.length < MIN_TURN_SECRET) throw new ConfigError(`TURN_SECRET must be at least ${MIN_TURN_SECRET} characters`);
  if (turnUrls.length > MAX_TURN_URLS) throw new ConfigError(`TURN_URLS may list at most ${MAX_TURN_URLS} URLs`);
  for (const url of turnUrls) if (!TURN_URL.test(url)) throw new ConfigError(`TURN_URLS: not a turn: or turns: URL: "${url}"`);
}

/** `<host>-<pid>`, cut to the characters NODE_ID allows. */
function defaultNodeId(): string {
  return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
}

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** URLs must name their scheme; NODE_ID is a short token (it appears in logs and Redis keys). */
export function validateCluster({ databaseUrl, redisUrl, nodeId }: ClusterConfig): void {
  const scheme = (url: string): string => {
    try {
      return new URL(url).protocol;
    } catch {
      return '';
    }
  };
  if (databaseUrl !== null && !['postgres:', 'postgresql:'].includes(scheme(databaseUrl))) throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  if (redisUrl !== null && !['redis:', 'rediss:'].includes(scheme(redisUrl))) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  if (!NODE_ID.test(nodeId)) throw new ConfigError('NODE_ID must be 1 to 64 letters, digits, dots, dashes or underscores');
}
