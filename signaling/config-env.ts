/**
 * The documented environment variables, read into a {@link ParleyServerInit}. Unset or
 * blank variables are left out so the defaults apply; malformed ones throw
 * {@link ConfigError} rather than being ignored.
 */
import { defaultConfig, type ParleyServerInit } from './config.js';
import { ConfigError } from './errors.js';
import { parseIceServers } from './http/ice-servers.js';

type Env = Readonly<Record<string, string | undefined>>;

function intFromEnv(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

function boolFromEnv(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** `RELAY_BYTES_PER_SECOND` sets the per-socket rate and burst (one second's worth); the total is its own. */
function relayRatesFromEnv(env: Env): Pick<ParleyServerInit, 'relayBytesPerSecond' | 'relayBurstBytes' | 'relayTotalBytesPerSecond'> {
  const perSocket = intFromEnv(env, 'RELAY_BYTES_PER_SECOND');
  return { relayBytesPerSecond: perSocket, relayBurstBytes: perSocket, relayTotalBytesPerSecond: intFromEnv(env, 'RELAY_TOTAL_BYTES_PER_SECOND') };
}

/**
 * Per-address rates of the mailbox and of device registration. Each variable sets a steady rate; its burst is a minute's
 * worth (bytes: 64 s), never less than the default burst.
 */
function addressRatesFromEnv(env: Env): ParleyServerInit {
  const appends = intFromEnv(env, 'MAILBOX_APPENDS_PER_SECOND');
  const bytes = intFromEnv(env, 'MAILBOX_APPEND_BYTES_PER_SECOND');
  const creates = intFromEnv(env, 'MAILBOX_NEW_PER_MINUTE');
  const registrations = intFromEnv(env, 'REGISTRATIONS_PER_MINUTE');
  const d = defaultConfig();
  return {
    ...(appends === undefined ? {} : { mailboxAppendsPerSecond: appends, mailboxAppendBurst: Math.max(d.mailboxAppendBurst, 60 * appends) }),
    ...(bytes === undefined ? {} : { mailboxAppendBytesPerSecond: bytes, mailboxAppendBurstBytes: Math.max(d.mailboxAppendBurstBytes, 64 * bytes) }),
    ...(creates === undefined ? {} : { mailboxCreatesPerSecond: creates / 60, mailboxCreateBurst: Math.max(d.mailboxCreateBurst, creates) }),
    ...(registrations === undefined ? {} : { registersPerSecond: registrations / 60, registerBurst: Math.max(d.registerBurst, registrations) }),
  };
}

/** `STUN_PORT`: unset keeps the default, 0 turns STUN off. */
function stunPortFromEnv(env: Env): number | null | undefined {
  const port = intFromEnv(env, 'STUN_PORT');
  return port === 0 ? null : port;
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s.trim() === '' ? undefined : s.trim());

/**
 * Reads the documented environment variables. Unset or blank variables are left out so
 * the defaults apply; malformed ones throw {@link ConfigError} rather than being ignored.
 */
export function configFromEnv(env: Env): ParleyServerInit {
  const origins = nonEmpty(env.ALLOWED_ORIGINS);
  return {
    port: intFromEnv(env, 'PORT'),
    host: nonEmpty(env.HOST),
    staticDir: nonEmpty(env.STATIC_DIR),
    dataDir: nonEmpty(env.DATA_DIR),
    iceServers: parseIceServers(env.ICE_SERVERS),
    allowedOrigins: origins === undefined ? undefined : origins.split(',').map((o) => o.trim()).filter((o) => o !== ''),
    maxSocketsPerIp: intFromEnv(env, 'MAX_SOCKETS_PER_IP'),
    maxSockets: intFromEnv(env, 'MAX_SOCKETS'),
    ipv6SiteFactor: intFromEnv(env, 'IPV6_SITE_FACTOR'),
    pingIntervalMs: intFromEnv(env, 'PING_INTERVAL_MS'),
    shutdownGraceMs: intFromEnv(env, 'SHUTDOWN_GRACE_MS'),
    trustProxy: boolFromEnv(env, 'TRUST_PROXY'),
    stunPort: stunPortFromEnv(env),
    publicHost: nonEmpty(env.PUBLIC_HOST),
    turnUrls: nonEmpty(env.TURN_URLS)
      ?.split(',')
      .map((u) => u.trim())
      .filter((u) => u !== ''),
    turnSecret: nonEmpty(env.TURN_SECRET),
    turnTtlSeconds: intFromEnv(env, 'TURN_TTL_SECONDS'),
    mailboxMaxTotalBytes: intFromEnv(env, 'MAILBOX_MAX_TOTAL_BYTES'),
    ...addressRatesFromEnv(env),
    uploadMaxPerAddress: intFromEnv(env, 'UPLOADS_PER_ADDRESS'),
    uploadMaxInFlightBytes: intFromEnv(env, 'UPLOAD_MAX_INFLIGHT_BYTES'),
    metricsToken: nonEmpty(env.METRICS_TOKEN),
    serveSourcemaps: boolFromEnv(env, 'SERVE_SOURCEMAPS'),
    relayMaxFrameBytes: intFromEnv(env, 'RELAY_MAX_FRAME_BYTES'),
    ...relayRatesFromEnv(env),
    mailboxTtlMs: intFromEnv(env, 'MAILBOX_TTL_MS'),
    mailboxPurgeIntervalMs: intFromEnv(env, 'MAILBOX_PURGE_INTERVAL_MS'),
    maxEntryBytes: intFromEnv(env, 'MAILBOX_MAX_ENTRY_BYTES'),
    maxFileBytes: intFromEnv(env, 'MAX_FILE_BYTES'),
    mailboxMaxFileBytes: intFromEnv(env, 'MAILBOX_MAX_FILE_BYTES'),
    mailboxBlobMaxBytes: intFromEnv(env, 'MAILBOX_BLOB_MAX_BYTES'),
    mailboxBlobTtlMs: intFromEnv(env, 'MAILBOX_BLOB_TTL_MS'),
    mailboxBlobMaxTotalBytes: intFromEnv(env, 'MAILBOX_BLOB_MAX_TOTAL_BYTES'),
    maxMailboxBytes: intFromEnv(env, 'MAILBOX_MAX_BYTES'),
    maxMailboxEntries: intFromEnv(env, 'MAILBOX_MAX_ENTRIES'),
    mailboxWriterShare: intFromEnv(env, 'MAILBOX_WRITER_SHARE'),
    vapidSubject: nonEmpty(env.VAPID_SUBJECT),
    pushTtlSeconds: intFromEnv(env, 'PUSH_TTL_SECONDS'),
    pushAllowLoopbackHttp: boolFromEnv(env, 'PUSH_ALLOW_LOOPBACK_HTTP'),
    pushMaxSubscriptions: intFromEnv(env, 'PUSH_MAX_SUBSCRIPTIONS'),
    pushMaxSubscriptionsPerAddress: intFromEnv(env, 'PUSH_MAX_SUBSCRIPTIONS_PER_ADDRESS'),
    pushSubscriptionTtlMs: intFromEnv(env, 'PUSH_SUBSCRIPTION_TTL_MS'),
    databaseUrl: nonEmpty(env.DATABASE_URL),
    redisUrl: nonEmpty(env.REDIS_URL),
    nodeId: nonEmpty(env.NODE_ID),
    pushEndpointHosts: nonEmpty(env.PUSH_ENDPOINT_HOSTS)
      ?.split(',')
      .map((h) => h.trim())
      .filter((h) => h !== ''),
  };
}
