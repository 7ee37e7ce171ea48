/**
 * Server configuration: one plain object built from defaults, the environment, and
 * per-call overrides. Everything the server does is parameterised here so tests and
 * benchmarks build servers with their own limits instead of patching globals.
 */
import { SignalingLimits } from '../src/core/wire/signaling.js';
import { ConfigError } from './errors.js';
import { parseIceServers, validateIceServers, type IceServer } from './ice-servers.js';
import { createStreamLogger, type Logger } from './logger.js';

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
}

export interface ParleyServerConfig extends SignalConfig {
  /** TCP port; 0 lets the OS pick a free one (read it back from `ParleyServer.port`). */
  readonly port: number;
  /** Bind address; `undefined` binds every interface (`::` with IPv6, else `0.0.0.0`), as Node does. */
  readonly host: string | undefined;
  /** Directory of the built PWA (`vite build` output). It may be missing; then `/` is a 404. */
  readonly staticDir: string;
  /** Directory for server state (mailbox, VAPID keys later); created at start. */
  readonly dataDir: string;
  /** Returned to browsers by `GET /api/config`. */
  readonly iceServers: readonly IceServer[];
  /** On shutdown, sockets still open after this long are terminated. */
  readonly shutdownGraceMs: number;
  /** Where log lines go. */
  readonly logger: Logger;
}

/** What callers pass: any subset, the rest comes from {@link defaultConfig}. */
export type ParleyServerInit = Partial<ParleyServerConfig>;

/** The defaults of ARCHITECTURE §6; `logger` writes JSON lines to stderr. */
export function defaultConfig(): ParleyServerConfig {
  return {
    port: 8787,
    host: undefined,
    staticDir: 'dist',
    dataDir: './data',
    iceServers: [],
    shutdownGraceMs: 3000,
    logger: createStreamLogger(),
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
  };
}

/** Merges overrides over the defaults and validates the result. */
export function resolveConfig(init: ParleyServerInit = {}): ParleyServerConfig {
  const defined = Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined));
  const config: ParleyServerConfig = { ...defaultConfig(), ...defined };
  const positive: (keyof SignalConfig | 'shutdownGraceMs')[] = [
    'maxFrameBytes', 'maxTopicsPerSocket', 'rateBurst', 'ratePerSecond', 'maxSocketsPerIp',
    'maxSockets', 'maxBufferedBytes', 'pingIntervalMs', 'closeGraceMs', 'shutdownGraceMs',
  ];
  for (const key of positive) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(`${key} must be a positive number`);
  }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new ConfigError('port must be an integer from 0 to 65535');
  }
  return {
    ...config,
    iceServers: validateIceServers(config.iceServers),
    allowedOrigins: config.allowedOrigins === null ? null : config.allowedOrigins.map(normalizeOrigin),
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
    pingIntervalMs: intFromEnv(env, 'PING_INTERVAL_MS'),
    shutdownGraceMs: intFromEnv(env, 'SHUTDOWN_GRACE_MS'),
    trustProxy: boolFromEnv(env, 'TRUST_PROXY'),
  };
}
