/**
 * ICE server list handed to browsers by `GET /api/config`. It comes from the `ICE_SERVERS`
 * environment variable, so it is validated at start-up: a typo there would otherwise show
 * up much later as peers that silently fail to connect across NATs.
 */
import { ConfigError } from '../errors.js';

/** One entry of `RTCConfiguration.iceServers`. */
export interface IceServer {
  /** One or more `stun:`, `stuns:`, `turn:` or `turns:` URLs. */
  readonly urls: string | readonly string[];
  /** TURN user name (for coturn `use-auth-secret`, a time-limited one). */
  readonly username?: string;
  /** TURN password or HMAC credential. */
  readonly credential?: string;
}

const ICE_SCHEMES = /^(stun|stuns|turn|turns):/i;
/** A generous bound: the list is copied into every browser's RTCPeerConnection config. */
const MAX_ICE_SERVERS = 16;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function checkUrl(url: unknown, at: string): string {
  if (typeof url !== 'string' || !ICE_SCHEMES.test(url)) {
    throw new ConfigError(`${at}: each url must be a string starting with stun:, stuns:, turn: or turns:`);
  }
  return url;
}

function parseEntry(entry: unknown, index: number): IceServer {
  const at = `ICE_SERVERS[${index}]`;
  if (!isRecord(entry)) throw new ConfigError(`${at} must be an object with "urls"`);
  const { urls, username, credential } = entry;
  const checked = Array.isArray(urls) ? urls.map((u) => checkUrl(u, at)) : checkUrl(urls, at);
  if (Array.isArray(checked) && checked.length === 0) throw new ConfigError(`${at}: urls must not be empty`);
  if (username !== undefined && typeof username !== 'string') throw new ConfigError(`${at}: username must be a string`);
  if (credential !== undefined && typeof credential !== 'string') throw new ConfigError(`${at}: credential must be a string`);
  // Rebuild the object so unknown keys from the environment never reach browsers.
  return {
    urls: checked,
    ...(username === undefined ? {} : { username }),
    ...(credential === undefined ? {} : { credential }),
  };
}

/** Parses and validates the `ICE_SERVERS` JSON text; `undefined` or blank gives `[]`. */
export function parseIceServers(text: string | undefined): readonly IceServer[] {
  if (text === undefined || text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError('ICE_SERVERS must be a JSON array', { cause });
  }
  return validateIceServers(value);
}

/** Validates an already-parsed list (for configs built in code rather than from env). */
export function validateIceServers(value: unknown): readonly IceServer[] {
  if (!Array.isArray(value)) throw new ConfigError('ICE_SERVERS must be a JSON array');
  if (value.length > MAX_ICE_SERVERS) throw new ConfigError(`ICE_SERVERS may list at most ${MAX_ICE_SERVERS} servers`);
  return value.map(parseEntry);
}
