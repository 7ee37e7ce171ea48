/**
 * `/api/push/*` exactly as `src/core/wire/push.ts` specifies:
 *   GET    /api/push/vapid         → 200 { publicKey }
 *   POST   /api/push/subscription  → 201 { mailboxes }   (400 malformed, 403 bad token, 413 too big,
 *                                                         429 rate, 507 server-wide or per-address
 *                                                         cap on a new endpoint)
 *   DELETE /api/push/subscription  → 204                 (also when it was not registered)
 * Bodies are JSON read with a hard cap; validation lives in `subscription-input.ts`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PUSH_PATH } from '../../src/core/wire/push.js';
import { BodyAbortedError, BodyTooLargeError, readBody, refuseTooLarge } from '../http/body.js';
import { clientAddress, siteKey } from '../http/client-address.js';
import { respondApiError, respondJson, type Route } from '../http/router.js';
import type { KeyedBuckets } from '../rate-limit.js';
import type { OwnerKeyOf } from './owner.js';
import { endpointHash, parseSubscriptionRequest, parseUnsubscribeRequest, type EndpointPolicy } from './subscription-input.js';
import type { PushSubscriptionStore } from './subscription-store.js';

/** 1,000 mailboxes of ~140 bytes of JSON each plus the subscription fit comfortably. */
export const MAX_SUBSCRIPTION_BODY_BYTES = 256 * 1024;

export interface PushRoutesOptions {
  /** The VAPID public key browsers pass to `pushManager.subscribe`. */
  readonly vapidPublicKey: string;
  readonly subscriptions: PushSubscriptionStore;
  readonly endpointPolicy: EndpointPolicy;
  /**
   * Subscription requests per client address. Anyone can mint mailbox tokens and endpoint
   * URLs, so without it one address could store subscriptions and their 1,000 follows each
   * as fast as the disk commits them.
   */
  readonly requests: KeyedBuckets;
  /** Take the client address from `X-Forwarded-For` (behind the operator's proxy). */
  readonly trustProxy: boolean;
  /** Subscriptions stored in all; a new endpoint past it gets 507 and nothing is stored. */
  readonly maxSubscriptions: number;
  /**
   * Subscriptions first posted from one address (its limit key) that may be stored at once;
   * a new endpoint past it gets 507 `push-address-full`. Without it one address could post
   * endpoints until `maxSubscriptions` were reached, and every new device then got 507.
   */
  readonly maxPerAddress: number;
  /** An IPv6 /48 holds this many times `maxPerAddress`, all its /64s together. */
  readonly siteFactor: number;
  /** The stored key of an address (push/owner.ts). */
  readonly ownerKey: OwnerKeyOf;
  /** Wall clock, ms since epoch. */
  readonly now?: () => number;
}

/** The error code of a 507: the server-wide cap on subscriptions (`PUSH_MAX_SUBSCRIPTIONS`) is reached. */
export const PUSH_SUBSCRIPTIONS_FULL = 'push-subscriptions-full';
/** The error code of a 507: the client's address holds `PUSH_MAX_SUBSCRIPTIONS_PER_ADDRESS` already. */
export const PUSH_ADDRESS_FULL = 'push-address-full';

const VAPID_PATH = `${PUSH_PATH}/vapid`;
const SUBSCRIPTION_PATH = `${PUSH_PATH}/subscription`;

/** Reads and parses a JSON body; answers the refusal itself and returns undefined on failure. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<{ value: unknown } | undefined> {
  let body: Buffer;
  try {
    body = await readBody(req, MAX_SUBSCRIPTION_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) refuseTooLarge(req, res, err.limit, 'subscription');
    else if (!(err instanceof BodyAbortedError)) throw err;
    return undefined;
  }
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    // Never echo the parser's message: V8 quotes part of the input in it.
    respondApiError(req, res, 400, 'bad-request', 'the body must be JSON');
    return undefined;
  }
}

export function pushRoutes({ vapidPublicKey, subscriptions, endpointPolicy, requests, trustProxy, maxSubscriptions, maxPerAddress, siteFactor, ownerKey, now = Date.now }: PushRoutesOptions): Route[] {
  const vapid: Route = (req, res, ctx) => {
    if (ctx.url.pathname !== VAPID_PATH) return false;
    if (req.method === 'GET' || req.method === 'HEAD') respondJson(req, res, 200, { publicKey: vapidPublicKey });
    else respondApiError(req, res, 405, 'method-not-allowed', 'use GET', { Allow: 'GET, HEAD' });
    return true;
  };

  const subscription: Route = async (req, res, ctx) => {
    if (ctx.url.pathname !== SUBSCRIPTION_PATH) return false;
    if (req.method !== 'POST' && req.method !== 'DELETE') {
      respondApiError(req, res, 405, 'method-not-allowed', 'use POST or DELETE', { Allow: 'POST, DELETE', Connection: 'close' });
      return true;
    }
    // Before a byte of the body is read, so a refused request costs neither memory nor a write.
    const address = clientAddress(req, trustProxy);
    if (!requests.take(address)) {
      const retryAfter = String(requests.retryAfterSeconds(address));
      respondApiError(req, res, 429, 'rate-limited', 'too many push subscription requests from this address', { 'Retry-After': retryAfter, Connection: 'close' });
      return true;
    }
    const body = await readJson(req, res);
    if (body === undefined) return true;
    if (req.method === 'POST') {
      const parsed = parseSubscriptionRequest(body.value, endpointPolicy);
      if (!parsed.ok) {
        respondApiError(req, res, parsed.status, parsed.status === 403 ? 'forbidden' : 'bad-request', parsed.detail);
        return true;
      }
      const site = siteKey(address);
      const caps = {
        maxSubscriptions,
        owner: { key: ownerKey(address), max: maxPerAddress },
        ...(site === address ? {} : { site: { key: ownerKey(site), max: maxPerAddress * siteFactor } }),
      };
      const outcome = await subscriptions.upsert(parsed.value.subscription, parsed.value.mailboxes, now(), caps);
      if (outcome === 'full') {
        respondApiError(req, res, 507, PUSH_SUBSCRIPTIONS_FULL, 'the server holds as many push subscriptions as it may; try again later');
        return true;
      }
      if (outcome === 'owner-full') {
        respondApiError(req, res, 507, PUSH_ADDRESS_FULL, 'this address (or its network) holds as many push subscriptions as it may');
        return true;
      }
      respondJson(req, res, 201, { mailboxes: parsed.value.mailboxes.length });
      return true;
    }
    const endpoint = parseUnsubscribeRequest(body.value, endpointPolicy);
    if (!endpoint.ok) {
      respondApiError(req, res, endpoint.status, 'bad-request', endpoint.detail);
      return true;
    }
    await subscriptions.removeByEndpointHash(endpointHash(endpoint.value));
    // 204 whether or not it was registered: the answer must not reveal which endpoints are.
    res.writeHead(204, { 'Cache-Control': 'no-store' });
    res.end();
    return true;
  };

  return [vapid, subscription];
}
