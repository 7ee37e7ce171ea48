/**
 * The signaling wire protocol, shared by the server and every client.
 *
 * It is y-webrtc's protocol (subscribe, unsubscribe, publish, ping/pong: a publish reaches
 * every subscriber of its topic, the sender included, with `clients` set to the number of
 * subscribers), so a stock y-webrtc `WebrtcProvider` works against Parley's server. Parley's
 * own clients put only AES-GCM ciphertext in `data`; the server relays it without reading.
 */

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
  malformed: 4400,
  forbiddenOrigin: 4403,
  tooManyTopics: 4413,
  rateLimited: 4429,
  tooManySockets: 4430,
} as const;

export type ClientMessage =
  | { readonly type: 'subscribe'; readonly topics: readonly string[] }
  | { readonly type: 'unsubscribe'; readonly topics: readonly string[] }
  | { readonly type: 'publish'; readonly topic: string; readonly data: unknown; readonly [extra: string]: unknown }
  | { readonly type: 'ping' };

export type ServerMessage =
  | { readonly type: 'pong' }
  | { readonly type: 'publish'; readonly topic: string; readonly data: unknown; readonly clients: number };

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
  if (msg.type === 'publish' && isValidTopic(msg.topic)) {
    const clients = typeof msg.clients === 'number' ? msg.clients : 0;
    return { ok: true, value: { type: 'publish', topic: msg.topic, data: msg.data, clients } };
  }
  return fail('unknown message type');
}
