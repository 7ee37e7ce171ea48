/**
 * Settings of Web Push wake-ups (docs/architecture.md §6.3, §6.5, §7.4), with their defaults
 * and checks. Part of {@link ParleyServerConfig} (`config.ts`).
 */
import { ConfigError } from './errors.js';

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
   * `PUSH_MAX_SUBSCRIPTIONS_PER_ADDRESS`: subscriptions first posted from one client address
   * (an IPv6 /64) that may be stored at once. Past it a new endpoint from there gets 507
   * `push-address-full`, so no one address fills `pushMaxSubscriptions` for everyone.
   */
  readonly pushMaxSubscriptionsPerAddress: number;
  /**
   * `PUSH_SUBSCRIPTION_TTL_MS`: a subscription neither posted again nor woken successfully for
   * this long is deleted (checked every `mailboxPurgeIntervalMs`); at least one day.
   */
  readonly pushSubscriptionTtlMs: number;
}

/** The push services browsers subscribe with (FCM for Chromium, Mozilla, Apple, WNS). */
export const DEFAULT_PUSH_ENDPOINT_HOSTS: readonly string[] = [
  'fcm.googleapis.com',
  'android.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

/** The defaults of {@link PushConfig}. */
export function pushDefaults(): PushConfig {
  return {
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
    // A large office or a carrier's NAT behind one address, with room: it takes a hundred
    // addresses, not one, to fill the server's 100,000.
    pushMaxSubscriptionsPerAddress: 1000,
    // Parley posts its subscription each time the app starts, so only devices unused for two months go.
    pushSubscriptionTtlMs: 60 * 24 * 60 * 60 * 1000,
  };
}

/** A value meant in seconds or minutes would purge every device's subscription at the next purge. */
export function validatePushTtl(c: PushConfig): void {
  if (c.pushSubscriptionTtlMs < 86_400_000) throw new ConfigError('pushSubscriptionTtlMs (PUSH_SUBSCRIPTION_TTL_MS) must be at least one day, 86400000 ms');
}

/** RFC 8292 §2.1: the contact is a `mailto:` or `https:` URI; web-push throws at send time otherwise. */
export function validateVapidSubject(subject: string): void {
  let url: URL;
  try {
    url = new URL(subject);
  } catch (cause) {
    throw new ConfigError('vapidSubject must be a mailto: or https: URL', { cause });
  }
  if (url.protocol !== 'mailto:' && url.protocol !== 'https:') throw new ConfigError('vapidSubject must be a mailto: or https: URL');
}

/** `*`, `host` or `*.domain`, lower-cased; anything else (ports, paths, bare `*.`) is refused. */
export function normalizeHostPattern(pattern: string): string {
  const p = pattern.trim().toLowerCase();
  if (p === '*') return p;
  const host = p.startsWith('*.') ? p.slice(2) : p;
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(host)) throw new ConfigError(`pushEndpointHosts: not a host or *.domain pattern: "${pattern}"`);
  return p;
}
