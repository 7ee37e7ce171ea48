/**
 * Server configuration: one plain object built from defaults, the environment, and
 * per-call overrides. Everything the server does is parameterised here so tests and
 * benchmarks build servers with their own limits instead of patching globals. Each part's
 * settings, defaults and checks live in their own module (`config-signal.ts`,
 * `config-mailbox.ts`, `config-push.ts`, `config-network.ts`, `config-http.ts`); this one
 * puts them together and checks them in one fixed order.
 */
import { ConfigError } from './errors.js';
import { validateIceServers, type IceServer } from './http/ice-servers.js';
import { createStreamLogger, type Logger } from './logger.js';
import type { MailboxWatchLimits } from './mailbox/notices.js';
import type { RelayLimits } from './relay/relay-hub.js';
import { httpDefaults, validateHttp, type HttpConfig } from './config-http.js';
import { mailboxDefaults, validateMailboxSizes, type MailboxConfig } from './config-mailbox.js';
import { networkDefaults, publicHostOf, validateCluster, validateRelay, validateStunPort, validateTurn, type ClusterConfig, type NetworkConfig } from './config-network.js';
import { normalizeHostPattern, pushDefaults, validatePushTtl, validateVapidSubject, type PushConfig } from './config-push.js';
import { signalDefaults, type SignalConfig } from './config-signal.js';

export type { ClusterConfig, HttpConfig, MailboxConfig, NetworkConfig, PushConfig, SignalConfig };
export { DEFAULT_PUSH_ENDPOINT_HOSTS } from './config-push.js';

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
    presenceFlushMs: 2000,
    ...signalDefaults(),
    ...mailboxDefaults(),
    ...pushDefaults(),
    ...networkDefaults(),
    ...httpDefaults(),
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
    'pushMaxAttempts', 'pushConcurrency', 'pushMaxQueue', 'pushMaxSubscriptions', 'pushMaxSubscriptionsPerAddress', 'ipv6SiteFactor',
  ];
  for (const key of positiveInt) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new ConfigError(`${key} must be a positive integer`);
  }
  validateCluster(config);
  validatePushTtl(config);
  validateMailboxSizes(config);
  validateVapidSubject(config.vapidSubject);
  const pushEndpointHosts = config.pushEndpointHosts.map(normalizeHostPattern);
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new ConfigError('port must be an integer from 0 to 65535');
  }
  validateStunPort(config);
  const publicHost = publicHostOf(config);
  validateTurn(config);
  validateHttp(config);
  validateRelay(config);
  return {
    ...config,
    publicHost,
    iceServers: validateIceServers(config.iceServers),
    allowedOrigins: config.allowedOrigins === null ? null : config.allowedOrigins.map(normalizeOrigin),
    pushEndpointHosts,
  };
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
