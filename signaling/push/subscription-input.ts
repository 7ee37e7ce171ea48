/**
 * Validation of `POST/DELETE /api/push/subscription` bodies (src/core/wire/push.ts). Pure:
 * JSON in, a checked value or a refusal out. Everything a hostile client could use to make
 * the server misbehave later is refused here, before it is stored:
 * - endpoints: `https:` only (the server POSTs to them), to a host on the configured list of
 *   push services (else anyone could aim the server at internal https services), bounded
 *   length, printable ASCII, no credentials or fragment; `http:` only on loopback and only
 *   when configured (tests);
 * - keys: p256dh must be a valid uncompressed P-256 point and auth exactly 16 bytes, so
 *   encryption can never fail at send time;
 * - mailboxes: at most MAX_MAILBOXES_PER_SUBSCRIPTION, each proven by its token.
 */
import { createHash, ECDH } from 'node:crypto';
import { MAILBOX_ID_PATTERN, mailboxIdOf } from '../../src/core/wire/mailbox.js';

/** Longest accepted endpoint URL; real ones (FCM, Mozilla, Apple, WNS) are well under 1 KiB. */
export const MAX_ENDPOINT_LENGTH = 2048;
/** Mailboxes one subscription may follow. */
export const MAX_MAILBOXES_PER_SUBSCRIPTION = 1000;

/** A subscription as stored and used for sending. */
export interface PushSubscriptionRecord {
  /** The endpoint URL exactly as the browser gave it. */
  readonly endpoint: string;
  /** SHA-256 hex of the endpoint's UTF-8 bytes: the value of `X-Parley-Exclude`. */
  readonly endpointHash: string;
  /** Uncompressed P-256 public key, base64url without padding. */
  readonly p256dh: string;
  /** 16-byte auth secret, base64url without padding. */
  readonly auth: string;
}

/** A checked `POST /api/push/subscription` body. */
export interface SubscriptionRequest {
  readonly subscription: PushSubscriptionRecord;
  /** Distinct mailbox ids, each proven by its token. */
  readonly mailboxes: readonly string[];
}

/** A checked value, or the status and reason to refuse with. */
export type InputResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: 400 | 403; readonly detail: string };

export interface EndpointPolicy {
  /** Accept `http://localhost|127.0.0.1|[::1]` endpoints (local test push services). */
  readonly allowLoopbackHttp: boolean;
  /** `https:` hosts accepted: `host`, `*.domain` (its subdomains) or `*` (any). */
  readonly allowedHosts: readonly string[];
}

/** Whether `hostname` (lower-case, as URL gives it) matches one of the patterns. */
export function hostAllowed(hostname: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => p === '*' || p === hostname || (p.startsWith('*.') && hostname.endsWith(p.slice(1))));
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);
const PRINTABLE = /^[\x21-\x7e]+$/;
const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;

const bad = (detail: string): InputResult<never> => ({ ok: false, status: 400, detail });
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** SHA-256 hex of an endpoint, as clients compute it for `X-Parley-Exclude`. */
export function endpointHash(endpoint: string): string {
  return createHash('sha256').update(endpoint, 'utf8').digest('hex');
}

/** Checks an endpoint URL against the rules above. */
export function parseEndpoint(value: unknown, policy: EndpointPolicy): InputResult<string> {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ENDPOINT_LENGTH) return bad(`endpoint must be a URL of at most ${MAX_ENDPOINT_LENGTH} characters`);
  // The WHATWG parser silently drops tabs and newlines; refuse them instead of storing a
  // string that means something other than what it looks like.
  if (!PRINTABLE.test(value)) return bad('endpoint must be printable ASCII without spaces');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return bad('endpoint is not a valid URL');
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return bad('endpoint must not carry credentials or a fragment');
  if (url.protocol === 'https:') {
    return hostAllowed(url.hostname, policy.allowedHosts) ? { ok: true, value } : bad(`endpoint host ${url.hostname} is not a push service this server sends to`);
  }
  if (url.protocol === 'http:' && policy.allowLoopbackHttp && LOOPBACK_HOSTS.has(url.hostname)) return { ok: true, value };
  return bad('endpoint must be an https: URL');
}

/** base64url (padding tolerated) decoding to exactly `length` bytes, normalised unpadded. */
function keyBytes(value: unknown, length: number): Buffer | null {
  if (typeof value !== 'string' || value.length > 128 || !B64URL.test(value)) return null;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.length === length ? bytes : null;
}

function validP256Point(bytes: Buffer): boolean {
  if (bytes[0] !== 0x04) return false;
  try {
    ECDH.convertKey(bytes, 'prime256v1');
    return true;
  } catch {
    return false;
  }
}

function parseSubscription(value: unknown, policy: EndpointPolicy): InputResult<PushSubscriptionRecord> {
  if (!isObject(value)) return bad('subscription must be an object');
  const endpoint = parseEndpoint(value.endpoint, policy);
  if (!endpoint.ok) return endpoint;
  if (!isObject(value.keys)) return bad('subscription.keys must be an object');
  const p256dh = keyBytes(value.keys.p256dh, 65);
  if (p256dh === null || !validP256Point(p256dh)) return bad('keys.p256dh must be an uncompressed P-256 public key (65 bytes, base64url)');
  const auth = keyBytes(value.keys.auth, 16);
  if (auth === null) return bad('keys.auth must be 16 bytes, base64url');
  return {
    ok: true,
    value: { endpoint: endpoint.value, endpointHash: endpointHash(endpoint.value), p256dh: p256dh.toString('base64url'), auth: auth.toString('base64url') },
  };
}

/** `{ subscription, mailboxes: [{ id, token }] }`: 400 for any malformed part, 403 for a token that does not open its id. */
export function parseSubscriptionRequest(body: unknown, policy: EndpointPolicy): InputResult<SubscriptionRequest> {
  if (!isObject(body)) return bad('the body must be a JSON object');
  const subscription = parseSubscription(body.subscription, policy);
  if (!subscription.ok) return subscription;
  const list = body.mailboxes;
  if (!Array.isArray(list) || list.length > MAX_MAILBOXES_PER_SUBSCRIPTION) return bad(`mailboxes must be an array of at most ${MAX_MAILBOXES_PER_SUBSCRIPTION}`);
  // Shape first, then tokens: a malformed request is a 400 whatever its tokens say.
  for (const m of list) {
    if (!isObject(m) || typeof m.id !== 'string' || !MAILBOX_ID_PATTERN.test(m.id) || typeof m.token !== 'string' || m.token.length > 64) {
      return bad('each mailbox must be { id: 64 lower-case hex, token: string }');
    }
  }
  const mailboxes = new Set<string>();
  for (const m of list as { id: string; token: string }[]) {
    if (mailboxIdOf(m.token) !== m.id) return { ok: false, status: 403, detail: 'a token does not open its mailbox' };
    mailboxes.add(m.id);
  }
  return { ok: true, value: { subscription: subscription.value, mailboxes: [...mailboxes] } };
}

/** `{ endpoint }` for DELETE. Any https endpoint shape is accepted: unknown ones are a no-op. */
export function parseUnsubscribeRequest(body: unknown, policy: EndpointPolicy): InputResult<string> {
  if (!isObject(body)) return bad('the body must be a JSON object');
  // Any host: a subscription stored before the operator narrowed the list can still go.
  return parseEndpoint(body.endpoint, { ...policy, allowedHosts: ['*'] });
}
