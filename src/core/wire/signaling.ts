/**
 * The signaling wire protocol, shared by the server and every client.
 *
 * It is y-webrtc's protocol (subscribe, unsubscribe, publish, ping/pong: a publish reaches
 * every subscriber of its topic, the sender included, with `clients` set to the number of
 * subscribers), so a stock y-webrtc `WebrtcProvider` works against Parley's server. Parley's
 * own clients put only AES-GCM ciphertext in `data`; the server relays it without reading.
 */
import { MAX_PRESENCE_IDS } from './signaling-terms.js';

export { MAX_PRESENCE_IDS, registrationText } from './signaling-terms.js';

export const SIGNAL_PATH = '/signal';

/** Caps the server enforces; clients stay under them. */
export const SignalingLimits = {
  /** Largest text frame; `ws` would otherwise accept 100 MiB. */
  maxFrameBytes: 64 * 1024,
  maxTopicLength: 128,
  maxTopicsPerSocket: 1000,
  /** Token bucket: burst size and steady refill per second, per socket. */
  rateBurst: 400,
  ratePerSecond: 200,
} as const;

/** Close codes sent to a misbehaving socket, so its owner can tell what went wrong. */
export const CloseCodes = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  tooBig: 1009,
  /** RFC 6455 "Try Again Later": the server is at capacity (the relay's node-wide bandwidth). */
  tryAgainLater: 1013,
  malformed: 4400,
  /** A registration signature did not verify. */
  unauthorized: 4401,
  forbiddenOrigin: 4403,
  tooManyTopics: 4413,
  rateLimited: 4429,
  tooManySockets: 4430,
} as const;

/**
 * Parley's registration extends the protocol without disturbing y-webrtc clients (they
 * never send `challenge` and ignore unknown server messages): a device asks for a nonce,
 * signs it with its Ed25519 device key, and the server records the public key. No
 * password, no e-mail; the server learns a public key and nothing else.
 */
export type ClientMessage =
  | { readonly type: 'subscribe'; readonly topics: readonly string[] }
  | { readonly type: 'unsubscribe'; readonly topics: readonly string[] }
  | { readonly type: 'publish'; readonly topic: string; readonly data: unknown; readonly [extra: string]: unknown }
  | { readonly type: 'ping' }
  | { readonly type: 'challenge' }
  | { readonly type: 'register'; readonly key: string; readonly sig: string }
  /** The opaque presence ids this socket stands for (replaces the previous set). */
  | { readonly type: 'presence'; readonly ids: readonly string[] }
  /** Presence ids to report on now and on every change (replaces the previous set). */
  | { readonly type: 'presence-watch'; readonly ids: readonly string[] }
  /** One presence id into or out of the held or watched set: what Parley sends, one id per message. */
  | { readonly type: 'presence-change'; readonly id: string; readonly change: PresenceChange }
  /** Asks for this socket's relay address (docs/protocol.md §1.2). */
  | { readonly type: 'relay-bind' }
  /** Follows one mailbox: `id` must be the hex SHA-256 of `token`. One mailbox per message. */
  | { readonly type: 'mailbox-watch'; readonly id: string; readonly token: string }
  | { readonly type: 'mailbox-unwatch'; readonly id: string };

/** A `presence-change`: hold or release an id this socket stands for, watch or unwatch one. */
export type PresenceChange = 'hold' | 'release' | 'watch' | 'unwatch';
const PRESENCE_CHANGES: readonly string[] = ['hold', 'release', 'watch', 'unwatch'] satisfies PresenceChange[];

/** Online state of one opaque presence id. */
export interface PresenceState {
  readonly id: string;
  readonly online: boolean;
  /** When it was last online, ms since epoch (the server's now while online); null if never seen. */
  readonly lastSeen: number | null;
}

export type ServerMessage =
  | { readonly type: 'pong' }
  | { readonly type: 'publish'; readonly topic: string; readonly data: unknown; readonly clients: number }
  | { readonly type: 'challenge'; readonly nonce: string }
  | { readonly type: 'registered'; readonly key: string }
  | { readonly type: 'presence-state'; readonly states: readonly PresenceState[] }
  /** This socket's relay address: other sockets send relay frames to it. */
  | {
      readonly type: 'relay-bound';
      readonly addr: string;
      /** The socket's relay byte budget (token bucket), so clients pace themselves under it. */
      readonly bytesPerSecond?: number;
      readonly burstBytes?: number;
    }
  /** A relay frame named an address that no socket holds (any more). */
  | { readonly type: 'relay-gone'; readonly addr: string }
  /** Entry `seq` was appended to mailbox `id`, which this socket follows. */
  | { readonly type: 'mailbox-notice'; readonly id: string; readonly seq: number };

/** A relay address: 16 random bytes as 32 lowercase hex characters, chosen by the server. */
export const RELAY_ADDR = /^[0-9a-f]{32}$/;
/** Mailbox ids are hex SHA-256 of the bearer token (see wire/mailbox). */
const MAILBOX_ID = /^[0-9a-f]{64}$/;
const MAILBOX_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Binary relay frames (docs/protocol.md §1.2): `[RELAY_FRAME_TAG][16-byte address][payload]`.
 * Client to server the address is the destination; server to client, the source.
 */
export const RELAY_FRAME_TAG = 0x01;
export const RELAY_ADDR_BYTES = 16;
export const RELAY_HEADER_BYTES = 1 + RELAY_ADDR_BYTES;

export interface RelayFrame {
  /** Destination (client → server) or source (server → client), 32 hex characters. */
  readonly addr: string;
  readonly payload: Uint8Array;
}

const hexByte = (b: number): string => (b < 16 ? '0' : '') + b.toString(16);

/** Encodes a relay frame; throws on an address that is not 32 hex characters. */
export function encodeRelayFrame(addr: string, payload: Uint8Array): Uint8Array {
  if (!RELAY_ADDR.test(addr)) throw new TypeError('relay address must be 32 lowercase hex characters');
  const out = new Uint8Array(RELAY_HEADER_BYTES + payload.length);
  out[0] = RELAY_FRAME_TAG;
  for (let i = 0; i < RELAY_ADDR_BYTES; i++) out[1 + i] = parseInt(addr.slice(2 * i, 2 * i + 2), 16);
  out.set(payload, RELAY_HEADER_BYTES);
  return out;
}

/** Decodes a relay frame; null for a wrong tag or a short header. Never throws. */
export function decodeRelayFrame(bytes: Uint8Array): RelayFrame | null {
  if (bytes.length < RELAY_HEADER_BYTES || bytes[0] !== RELAY_FRAME_TAG) return null;
  let addr = '';
  for (let i = 1; i < RELAY_HEADER_BYTES; i++) addr += hexByte(bytes[i]!);
  return { addr, payload: bytes.subarray(RELAY_HEADER_BYTES) };
}

/**
 * Presence ids are derived by clients from secrets the server never sees (one per
 * conversation and identity), so the server can tell "id X is online" but not who X is,
 * and a stranger cannot compute anyone's id to ask.
 */
export const PRESENCE_ID = /^[0-9a-f]{32}$/;

const KEY = /^[A-Za-z0-9_-]{43}$/;
const SIG = /^[A-Za-z0-9_-]{86}$/;
const NONCE = /^[A-Za-z0-9_-]{43}$/;

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const fail = (error: string): ParseResult<never> => ({ ok: false, error });

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export const isValidTopic = (t: unknown): t is string =>
  typeof t === 'string' && t.length > 0 && t.length <= SignalingLimits.maxTopicLength;

function parseTopics(x: unknown): ParseResult<readonly string[]> {
  if (!Array.isArray(x)) return fail('topics must be an array');
  if (x.length > SignalingLimits.maxTopicsPerSocket) return fail('too many topics in one frame');
  for (const t of x) if (!isValidTopic(t)) return fail('each topic must be a non-empty string of at most 128 characters');
  return { ok: true, value: x as string[] };
}

/** Parses one text frame from a client. Never throws. */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return fail('frame is not valid JSON');
  }
  if (!isObject(msg)) return fail('frame must be a JSON object');
  switch (msg.type) {
    case 'subscribe':
    case 'unsubscribe': {
      const topics = parseTopics(msg.topics);
      return topics.ok ? { ok: true, value: { type: msg.type, topics: topics.value } } : topics;
    }
    case 'publish':
      if (!isValidTopic(msg.topic)) return fail('publish needs a topic string of at most 128 characters');
      if (!('data' in msg)) return fail('publish needs data');
      return { ok: true, value: msg as ClientMessage };
    case 'ping':
      return { ok: true, value: { type: 'ping' } };
    case 'challenge':
      return { ok: true, value: { type: 'challenge' } };
    case 'presence':
    case 'presence-watch': {
      if (!Array.isArray(msg.ids) || msg.ids.length > MAX_PRESENCE_IDS) return fail(`ids must be an array of at most ${MAX_PRESENCE_IDS}`);
      if (!msg.ids.every((id) => typeof id === 'string' && PRESENCE_ID.test(id))) return fail('each presence id must be 32 hex characters');
      return { ok: true, value: { type: msg.type, ids: msg.ids as string[] } };
    }
    case 'presence-change':
      if (typeof msg.id !== 'string' || !PRESENCE_ID.test(msg.id)) return fail('presence-change needs a 32-hex presence id');
      if (typeof msg.change !== 'string' || !PRESENCE_CHANGES.includes(msg.change)) return fail('presence-change needs change: hold, release, watch or unwatch');
      return { ok: true, value: { type: 'presence-change', id: msg.id, change: msg.change as PresenceChange } };
    case 'relay-bind':
      return { ok: true, value: { type: 'relay-bind' } };
    case 'mailbox-watch':
      if (typeof msg.id !== 'string' || !MAILBOX_ID.test(msg.id)) return fail('mailbox-watch needs a 64-hex mailbox id');
      if (typeof msg.token !== 'string' || !MAILBOX_TOKEN.test(msg.token)) return fail('mailbox-watch needs a 32-byte base64url token');
      return { ok: true, value: { type: 'mailbox-watch', id: msg.id, token: msg.token } };
    case 'mailbox-unwatch':
      if (typeof msg.id !== 'string' || !MAILBOX_ID.test(msg.id)) return fail('mailbox-unwatch needs a 64-hex mailbox id');
      return { ok: true, value: { type: 'mailbox-unwatch', id: msg.id } };
    case 'register':
      if (typeof msg.key !== 'string' || !KEY.test(msg.key)) return fail('register needs a 32-byte base64url key');
      if (typeof msg.sig !== 'string' || !SIG.test(msg.sig)) return fail('register needs a 64-byte base64url signature');
      return { ok: true, value: { type: 'register', key: msg.key, sig: msg.sig } };
    default:
      return fail('unknown message type');
  }
}

/** Parses one text frame from the server. Never throws. */
export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return fail('frame is not valid JSON');
  }
  if (!isObject(msg)) return fail('frame must be a JSON object');
  if (msg.type === 'pong') return { ok: true, value: { type: 'pong' } };
  if (msg.type === 'challenge' && typeof msg.nonce === 'string' && NONCE.test(msg.nonce)) return { ok: true, value: { type: 'challenge', nonce: msg.nonce } };
  if (msg.type === 'registered' && typeof msg.key === 'string' && KEY.test(msg.key)) return { ok: true, value: { type: 'registered', key: msg.key } };
  if (msg.type === 'presence-state' && Array.isArray(msg.states)) {
    const states = (msg.states as unknown[]).filter(
      (s): s is PresenceState =>
        typeof s === 'object' && s !== null && PRESENCE_ID.test(String((s as PresenceState).id)) && typeof (s as PresenceState).online === 'boolean' &&
        ((s as PresenceState).lastSeen === null || typeof (s as PresenceState).lastSeen === 'number'),
    );
    return { ok: true, value: { type: 'presence-state', states } };
  }
  if (msg.type === 'relay-bound' && typeof msg.addr === 'string' && RELAY_ADDR.test(msg.addr)) {
    const positive = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
    return {
      ok: true,
      value: { type: 'relay-bound', addr: msg.addr, ...(positive(msg.bytesPerSecond) ? { bytesPerSecond: msg.bytesPerSecond } : {}), ...(positive(msg.burstBytes) ? { burstBytes: msg.burstBytes } : {}) },
    };
  }
  if (msg.type === 'relay-gone' && typeof msg.addr === 'string' && RELAY_ADDR.test(msg.addr)) {
    return { ok: true, value: { type: 'relay-gone', addr: msg.addr } };
  }
  if (msg.type === 'mailbox-notice' && typeof msg.id === 'string' && MAILBOX_ID.test(msg.id) && typeof msg.seq === 'number' && Number.isSafeInteger(msg.seq) && msg.seq > 0) {
    return { ok: true, value: { type: 'mailbox-notice', id: msg.id, seq: msg.seq } };
  }
  if (msg.type === 'publish' && isValidTopic(msg.topic)) {
    const clients = typeof msg.clients === 'number' ? msg.clients : 0;
    return { ok: true, value: { type: 'publish', topic: msg.topic, data: msg.data, clients } };
  }
  return fail('unknown message type');
}
