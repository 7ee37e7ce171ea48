/**
 * Server configuration: one plain object built from defaults, the environment, and
 * per-call overrides. Everything the server does is parameterised here so tests and
 * benchmarks build servers with their own limits instead of patching globals.
 */
import { hostname } from 'node:os';
import { MailboxLimits } from '../src/core/wire/mailbox.js';
import { blobBytesFor, MailboxBlobLimits } from '../src/core/wire/mailbox-blobs.js';
import { MAX_PRESENCE_IDS, RELAY_HEADER_BYTES, SignalingLimits } from '../src/core/wire/signaling.js';
import { ConfigError } from './errors.js';
import { normalizeHost } from './http/host.js';
import { validateIceServers, type IceServer } from './http/ice-servers.js';
import { createStreamLogger, type Logger } from './logger.js';
import type { UploadGateLimits } from './http/upload-gate.js';
import type { MailboxRateLimits } from './mailbox/admission.js';
import type { MailboxWatchLimits } from './mailbox/notices.js';
import type { RelayLimits } from './relay/relay-hub.js';
import type { StunLimits } from './stun/responder.js';

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
}

/** The blind mailbox (docs/architecture.md §6, §7). Defaults come from the shared `MailboxLimits`. */
export interface MailboxConfig {
  /** Largest single sealed entry (POST body); larger uploads are cut with 413. */
  readonly maxEntryBytes: number;
  /**
   * Largest file members may send (`MAX_FILE_BYTES`, 200 MB), advertised by `/api/config`.
   * Files travel peer to peer, so this is a promise between members the server only states.
   */
  readonly maxFileBytes: number;
  /** Per-mailbox quota: stored bytes. */
  readonly maxMailboxBytes: number;
  /** Per-mailbox quota: stored entries. */
  readonly maxMailboxEntries: number;
  /** One writer may hold at most 1/this of each per-mailbox quota (docs/architecture.md §7.6); 1 turns it off. */
  readonly mailboxWriterShare: number;
  /** Entries older than this are never returned and are purged. */
  readonly mailboxTtlMs: number;
  /** How often expired entries are purged from disk. */
  readonly mailboxPurgeIntervalMs: number;
  /** A GET page stops adding entries past this many data bytes (at least one is returned). */
  readonly mailboxMaxPageBytes: number;
  /**
   * `MAILBOX_MAX_FILE_BYTES` (25 MB): the largest file whose sealed chunks the mailbox's blob
   * area takes, advertised by `/api/config`; larger files only travel peer to peer.
   */
  readonly mailboxMaxFileBytes: number;
  /** `MAILBOX_BLOB_MAX_BYTES`: per-mailbox quota of the blob area, apart from the entries'. */
  readonly mailboxBlobMaxBytes: number;
  /** `MAILBOX_BLOB_TTL_MS`: pieces older than this are never returned and are purged. */
  readonly mailboxBlobTtlMs: number;
  /** `MAILBOX_BLOB_MAX_TOTAL_BYTES`: blob bytes all mailboxes together may hold; past it, 507. */
  readonly mailboxBlobMaxTotalBytes: number;
}

/** Web Push wake-ups (docs/architecture.md §6, §7). */
export interface PushConfig {
  /** VAPID `sub` claim: a `mailto:` or `https:` contact for push services. */
  readonly vapidSubject: string;
  /** RFC 8030 TTL of each push, in seconds: how long the push service keeps it for an offline device. */
  readonly pushTtlSeconds: number;
  /**
   * Accept `http://` endpoints on loopback (localhost, 127.0.0.1, [::1]). Only for tests
   * with a local push service: in production it would let anyone make the server POST to
   * its own loopback services.
   */
  readonly pushAllowLoopbackHttp: boolean;
  /**
   * Hosts a push subscription's endpoint may name: `host` exactly, `*.domain` for its
   * subdomains, or `*` for any https host. The server POSTs to these, so an open list would
   * let anyone aim it at internal https services; the default names the push services of
   * Chrome, Firefox, Safari and Edge.
   */
  readonly pushEndpointHosts: readonly string[];
  /** Tries per push, the first included, for 429/5xx/network failures. */
  readonly pushMaxAttempts: number;
  /** Backoff before the first retry; doubles per retry, with jitter. */
  readonly pushRetryBaseMs: number;
  /** Longest wait before a retry; a `Retry-After` asking for more gives the push up. */
  readonly pushRetryMaxDelayMs: number;
  /** One push request (connect to response headers) is cut after this long. */
  readonly pushTimeoutMs: number;
  /** Push requests in flight at once. */
  readonly pushConcurrency: number;
  /** Pending (subscription, mailbox) deliveries kept in memory; more are dropped and counted. */
  readonly pushMaxQueue: number;
  /**
   * `POST`/`DELETE /api/push/subscription` per client address: burst, then per second. A
   * device posts when its number of conversations changes; each post may store 1,000 follows.
   */
  readonly pushSubscribeBurst: number;
  readonly pushSubscribesPerSecond: number;
  /** `PUSH_MAX_SUBSCRIPTIONS`: subscriptions stored in all; past it a new endpoint gets 507. */
  readonly pushMaxSubscriptions: number;
  /**
   * `PUSH_SUBSCRIPTION_TTL_MS`: a subscription neither posted again nor woken successfully for
   * this long is deleted (checked every `mailboxPurgeIntervalMs`); at least one day.
   */
  readonly pushSubscriptionTtlMs: number;
}

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

/** The HTTP side against strangers: slowloris, stalled uploads, disk (docs/architecture.md §6). */
export interface HttpConfig extends UploadGateLimits, MailboxRateLimits {
  /** A request must have sent all its headers within this long. */
  readonly httpHeadersTimeoutMs: number;
  /** A request must have been received whole (headers and body) within this long. */
  readonly httpRequestTimeoutMs: number;
  /** An upload that sends no body byte for this long is cut with 408. */
  readonly httpBodyIdleTimeoutMs: number;
  /** `MAILBOX_MAX_TOTAL_BYTES`: sealed bytes all mailboxes together may hold; past it appends get 507. */
  readonly mailboxMaxTotalBytes: number;
  /** `METRICS_TOKEN`: bearer token for `/metrics`; undefined turns `/metrics` off. */
  readonly metricsToken: string | undefined;
  /** `SERVE_SOURCEMAPS`: serve `*.map` files from the static directory. */
  readonly serveSourcemaps: boolean;
}

export interface ParleyServerConfig extends SignalConfig, MailboxConfig, MailboxWatchLimits, PushConfig, NetworkConfig, RelayLimits, ClusterConfig, HttpConfig {
  /** TCP port; 0 lets the OS pick a free one (read it back from `ParleyServer.port`). */
  readonly port: number;
  /** Bind address; `undefined` binds every interface (`::` with IPv6, else `0.0.0.0`), as Node does. */
  readonly host: string | undefined;
  /** Directory of the built PWA (`vite build` output). It may be missing; then `/` is a 404. */
  readonly staticDir: string;
  /** Directory for server state (SQLite database, `vapid.json`); created at start. */
  readonly dataDir: string;
  /** Returned to browsers by `GET /api/config`. */
  readonly iceServers: readonly IceServer[];
  /** On shutdown, sockets still open after this long are terminated. */
  readonly shutdownGraceMs: number;
  /** Last-seen times of presence ids are written to disk in batches at most this far apart. */
  readonly presenceFlushMs: number;
  /** Where log lines go. */
  readonly logger: Logger;
}

/** The push services browsers subscribe with (FCM for Chromium, Mozilla, Apple, WNS). */
export const DEFAULT_PUSH_ENDPOINT_HOSTS: readonly string[] = [
  'fcm.googleapis.com',
  'android.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

/** What callers pass: any subset, the rest comes from {@link defaultConfig}. */
export type ParleyServerInit = Partial<ParleyServerConfig>;

/** The defaults of docs/architecture.md §6; `logger` writes JSON lines to stderr. */
export function defaultConfig(): ParleyServerConfig {
  return {
    port: 8787,
    host: undefined,
    staticDir: 'dist',
    dataDir: './data',
    iceServers: [],
    shutdownGraceMs: 3000,
    logger: createStreamLogger(),
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
    presenceFlushMs: 2000,
    maxEntryBytes: MailboxLimits.maxEntryBytes,
    maxFileBytes: 200 * 1024 * 1024,
    maxMailboxBytes: MailboxLimits.maxMailboxBytes,
    maxMailboxEntries: MailboxLimits.maxMailboxEntries,
    mailboxWriterShare: MailboxLimits.writerShare,
    mailboxTtlMs: MailboxLimits.ttlMs,
    mailboxPurgeIntervalMs: 10 * 60 * 1000,
    mailboxMaxPageBytes: 16 * 1024 * 1024,
    mailboxMaxFileBytes: MailboxBlobLimits.maxFileBytes,
    mailboxBlobMaxBytes: MailboxBlobLimits.maxMailboxBlobBytes,
    mailboxBlobTtlMs: MailboxBlobLimits.ttlMs,
    mailboxBlobMaxTotalBytes: 8 * 1024 * 1024 * 1024,
    // A 25 MB file at once, then 1 MiB/s per address.
    mailboxBlobBurstBytes: 64 * 1024 * 1024,
    mailboxBlobBytesPerSecond: 1024 * 1024,
    // Many people may share one address (NAT), so bursts are generous; the steady rates
    // bound a stranger: 2 appends, 512 KiB and one new mailbox per 10 s, per address.
    mailboxAppendBurst: 120,
    mailboxAppendsPerSecond: 2,
    mailboxAppendBurstBytes: 32 * 1024 * 1024,
    mailboxAppendBytesPerSecond: 512 * 1024,
    mailboxCreateBurst: 20,
    mailboxCreatesPerSecond: 0.1,
    rateLimitMaxAddresses: 50_000,
    // Eight full-size entries in memory at once, at most four from one address.
    uploadMaxInFlightBytes: 64 * 1024 * 1024,
    uploadMaxPerAddress: 4,
    httpHeadersTimeoutMs: 20_000,
    // An 8 MiB entry over a 1 Mbit/s uplink takes about 70 s.
    httpRequestTimeoutMs: 120_000,
    httpBodyIdleTimeoutMs: 30_000,
    mailboxMaxTotalBytes: 4 * 1024 * 1024 * 1024,
    metricsToken: undefined,
    serveSourcemaps: false,
    maxMailboxWatchesPerSocket: 1000,
    // A device following 1,000 conversations re-watches them all on reconnect.
    mailboxWatchBurst: 2000,
    mailboxWatchesPerSecond: 100,
    maxMailboxWatches: 2_000_000,
    vapidSubject: 'mailto:admin@localhost',
    pushTtlSeconds: 24 * 60 * 60,
    pushAllowLoopbackHttp: false,
    pushEndpointHosts: DEFAULT_PUSH_ENDPOINT_HOSTS,
    pushMaxAttempts: 5,
    pushRetryBaseMs: 1000,
    pushRetryMaxDelayMs: 10 * 60 * 1000,
    pushTimeoutMs: 10_000,
    pushConcurrency: 8,
    pushMaxQueue: 10_000,
    // A device loading 50 conversations may post once per new one; behind a NAT, several do.
    pushSubscribeBurst: 120,
    pushSubscribesPerSecond: 0.1,
    // A device per person on a busy server, with room; each may follow 1,000 mailboxes.
    pushMaxSubscriptions: 100_000,
    // Parley posts its subscription each time the app starts, so only devices unused for two months go.
    pushSubscriptionTtlMs: 60 * 24 * 60 * 60 * 1000,
  };
}

/** Merges overrides over the defaults and validates the result. */
export function resolveConfig(init: ParleyServerInit = {}): ParleyServerConfig {
  const defined = Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined));
  const config: ParleyServerConfig = { ...defaultConfig(), ...defined };
  const positive: (keyof ParleyServerConfig)[] = [
    'maxFrameBytes', 'maxTopicsPerSocket', 'rateBurst', 'ratePerSecond', 'maxSocketsPerIp',
    'maxSockets', 'maxBufferedBytes', 'pingIntervalMs', 'closeGraceMs', 'shutdownGraceMs',
    'presenceIdBurst', 'presenceIdsPerSecond', 'maxPresenceEntries', 'presenceFlushMs',
    'mailboxTtlMs', 'mailboxPurgeIntervalMs', 'pushRetryBaseMs', 'pushRetryMaxDelayMs', 'pushTimeoutMs',
    'stunExcessBurstBytes', 'stunExcessBytesPerSecond', 'stunTotalExcessBytesPerSecond', 'stunMaxTrackedAddresses',
    'relayBytesPerSecond', 'relayBurstBytes', 'relayTotalBytesPerSecond', 'relayUnknownTargetBurst', 'relayUnknownTargetsPerSecond',
    'relayMaxBufferedBytes', 'relayMaxQueuedBytes',
    'maxMailboxWatchesPerSocket', 'mailboxWatchBurst', 'mailboxWatchesPerSecond', 'maxMailboxWatches',
    'mailboxAppendBurst', 'mailboxAppendsPerSecond', 'mailboxAppendBurstBytes', 'mailboxAppendBytesPerSecond', 'mailboxCreateBurst',
    'mailboxCreatesPerSecond', 'rateLimitMaxAddresses', 'uploadMaxInFlightBytes', 'uploadMaxPerAddress', 'httpHeadersTimeoutMs',
    'httpRequestTimeoutMs', 'httpBodyIdleTimeoutMs', 'mailboxMaxTotalBytes',
    'mailboxBlobTtlMs', 'mailboxBlobMaxTotalBytes', 'mailboxBlobBurstBytes', 'mailboxBlobBytesPerSecond',
    'pushSubscribeBurst', 'pushSubscribesPerSecond', 'registerBurst', 'registersPerSecond', 'pushSubscriptionTtlMs',
  ];
  for (const key of positive) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(`${key} must be a positive number`);
  }
  // Counts and byte sizes: whole numbers, so SQLite comparisons and quotas stay exact.
  const positiveInt: (keyof ParleyServerConfig)[] = [
    'maxEntryBytes', 'maxFileBytes', 'maxMailboxBytes', 'maxMailboxEntries', 'mailboxWriterShare', 'mailboxMaxPageBytes', 'mailboxMaxFileBytes', 'mailboxBlobMaxBytes', 'pushTtlSeconds', 'turnTtlSeconds',
    'pushMaxAttempts', 'pushConcurrency', 'pushMaxQueue', 'pushMaxSubscriptions',
  ];
  for (const key of positiveInt) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new ConfigError(`${key} must be a positive integer`);
  }
  validateCluster(config);
  // A value meant in seconds or minutes would purge every device's subscription at the next purge.
  if (config.pushSubscriptionTtlMs < 86_400_000) throw new ConfigError('pushSubscriptionTtlMs (PUSH_SUBSCRIPTION_TTL_MS) must be at least one day, 86400000 ms');
  if (config.maxEntryBytes > config.maxMailboxBytes) throw new ConfigError('maxEntryBytes must not exceed maxMailboxBytes');
  if (blobBytesFor(config.mailboxMaxFileBytes) > Math.min(config.mailboxBlobMaxBytes, config.mailboxBlobBurstBytes)) {
    throw new ConfigError('mailboxBlobMaxBytes and mailboxBlobBurstBytes must hold one file of mailboxMaxFileBytes');
  }
  validateVapidSubject(config.vapidSubject);
  const pushEndpointHosts = config.pushEndpointHosts.map(normalizeHostPattern);
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new ConfigError('port must be an integer from 0 to 65535');
  }
  if (config.stunPort !== null && (!Number.isInteger(config.stunPort) || config.stunPort < 0 || config.stunPort > 65535)) {
    throw new ConfigError('stunPort must be null (off) or an integer from 0 to 65535');
  }
  let publicHost: string | undefined;
  if (config.publicHost !== undefined) {
    publicHost = normalizeHost(config.publicHost) ?? undefined;
    if (publicHost === undefined) throw new ConfigError('PUBLIC_HOST must be a host name, an IPv4 address or an IPv6 address, without scheme or port');
  }
  validateTurn(config);
  validateHttp(config);
  if (!Number.isSafeInteger(config.relayMaxFrameBytes) || config.relayMaxFrameBytes < RELAY_HEADER_BYTES + 1 || config.relayMaxFrameBytes > MAX_RELAY_FRAME_BYTES) {
    throw new ConfigError(`relayMaxFrameBytes must be an integer from ${RELAY_HEADER_BYTES + 1} to ${MAX_RELAY_FRAME_BYTES}`);
  }
  // A burst smaller than one frame could never pass a full-size frame.
  if (config.relayBurstBytes < config.relayMaxFrameBytes || config.relayTotalBytesPerSecond < config.relayMaxFrameBytes) {
    throw new ConfigError('the relay byte rates must be at least one frame (relayMaxFrameBytes)');
  }
  return {
    ...config,
    publicHost,
    iceServers: validateIceServers(config.iceServers),
    allowedOrigins: config.allowedOrigins === null ? null : config.allowedOrigins.map(normalizeOrigin),
    pushEndpointHosts,
  };
}

/** Limits that together could never admit one full-size entry are a mistake, said at start. */
function validateHttp(c: ParleyServerConfig): void {
  if (c.mailboxAppendBurstBytes < c.maxEntryBytes || c.uploadMaxInFlightBytes < c.maxEntryBytes) {
    throw new ConfigError('mailboxAppendBurstBytes and uploadMaxInFlightBytes must be at least maxEntryBytes');
  }
  if (c.httpHeadersTimeoutMs >= c.httpRequestTimeoutMs) throw new ConfigError('httpHeadersTimeoutMs must be less than httpRequestTimeoutMs');
  if (c.metricsToken !== undefined && c.metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
}

/** `ws` holds a whole frame in memory before we see it; relay frames never need more. */
const MAX_RELAY_FRAME_BYTES = 1024 * 1024;

/** A TURN URL of RFC 7065: `turn:` or `turns:`, a host, optional port and transport. */
const TURN_URL = /^turns?:[^\s,?#/]+(\?transport=(udp|tcp))?$/i;
const MIN_TURN_SECRET = 16;
const MAX_TURN_URLS = 8;

/** TURN is all or nothing: URLs without a secret (or the reverse) is a mistake, said at start. */
function validateTurn(config: ParleyServerConfig): void {
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
function validateCluster({ databaseUrl, redisUrl, nodeId }: ClusterConfig): void {
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

/** `*`, `host` or `*.domain`, lower-cased; anything else (ports, paths, bare `*.`) is refused. */
function normalizeHostPattern(pattern: string): string {
  const p = pattern.trim().toLowerCase();
  if (p === '*') return p;
  const host = p.startsWith('*.') ? p.slice(2) : p;
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(host)) throw new ConfigError(`pushEndpointHosts: not a host or *.domain pattern: "${pattern}"`);
  return p;
}

/** RFC 8292 §2.1: the contact is a `mailto:` or `https:` URI; web-push throws at send time otherwise. */
function validateVapidSubject(subject: string): void {
  let url: URL;
  try {
    url = new URL(subject);
  } catch (cause) {
    throw new ConfigError('vapidSubject must be a mailto: or https: URL', { cause });
  }
  if (url.protocol !== 'mailto:' && url.protocol !== 'https:') throw new ConfigError('vapidSubject must be a mailto: or https: URL');
}

/** Canonical `scheme://host[:port]` form, so `https://A.example/` matches `https://a.example`. */
export function normalizeOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch (cause) {
    throw new ConfigError(`not a valid origin: ${origin}`, { cause });
  }
  if (url.origin === 'null') throw new ConfigError(`not a valid origin: ${origin}`);
  return url.origin;
}

export { configFromEnv } from './config-env.js';
