/**
 * Push subscriptions and which mailboxes each follows, behind a small interface (implementations:
 * `subscription-sqlite.ts`, `subscription-postgres.ts`). A subscription holds what sending needs
 * (endpoint, p256dh, auth) and nothing about its owner; follows link it to opaque mailbox ids.
 */
import type { PushSubscriptionRecord } from './subscription-input.js';

/** A stored subscription with its row id. */
export interface StoredPushSubscription extends PushSubscriptionRecord {
  /** Row id, stable while the endpoint stays registered. */
  readonly id: number;
}

/** A `push_subscriptions` row, as both SQL stores select it for `followers`. */
export interface SubscriptionRow {
  readonly id: number;
  readonly endpoint: string;
  readonly endpoint_hash: string;
  readonly p256dh: string;
  readonly auth: string;
}

/** The subscription a selected row holds. */
export function subscriptionOf(row: SubscriptionRow): StoredPushSubscription {
  return { id: row.id, endpoint: row.endpoint, endpointHash: row.endpoint_hash, p256dh: row.p256dh, auth: row.auth };
}

/** An opaque key a poster is counted under, and how many subscriptions it first posted may be stored at once. */
export interface OwnerCap {
  readonly key: string;
  readonly max: number;
}

/** What a new endpoint is held to; an endpoint already stored posts whatever they say. */
export interface SubscriptionCaps {
  /** Subscriptions stored in all. */
  readonly maxSubscriptions: number;
  /**
   * The poster's address (docs/architecture.md §6.5). A subscription stays counted under the
   * address that first posted it, whoever posts it later: were it moved to the last poster,
   * two addresses could pass it back and forth and store without bound.
   */
  readonly owner?: OwnerCap;
  /** The poster's IPv6 /48, when it has one: all its /64s together, counted the same way. */
  readonly site?: OwnerCap;
}

/** What `upsert` did: stored, or refused a new endpoint at the server's cap or its poster's. */
export type UpsertOutcome = 'stored' | 'full' | 'owner-full';

export interface PushSubscriptionStore {
  /**
   * Registers the subscription (keyed by endpoint) and makes `mailboxes` the exact set it
   * follows, replacing the previous set, in one transaction; `now` is its last use. Refused,
   * with nothing changed, when the endpoint is new and `caps.maxSubscriptions` are stored
   * already (`full`), or `caps.owner.max` under its owner key or `caps.site.max` under its
   * site key (`owner-full`); in PostgreSQL,
   * posts from several nodes at once may pass a cap by those in flight.
   */
  upsert(subscription: PushSubscriptionRecord, mailboxes: readonly string[], now: number, caps?: SubscriptionCaps): Promise<UpsertOutcome>;
  /**
   * Marks subscription `id` used at `now` (a push to it was delivered), writing only when its
   * last use is before `staleBefore`: a busy subscription costs no write per push.
   */
  markUsed(id: number, now: number, staleBefore: number): Promise<void>;
  /** Forgets every subscription last used before `before` (posted or woken); resolves with how many. */
  purgeUnused(before: number): Promise<number>;
  /** Forgets the subscription with this endpoint hash; false when there was none. */
  removeByEndpointHash(endpointHash: string): Promise<boolean>;
  /** Forgets the subscription with this id (its push service said 404/410). */
  removeById(id: number): Promise<boolean>;
  /** Every subscription following `mailbox`. */
  followers(mailbox: string): Promise<StoredPushSubscription[]>;
  /** Stored subscriptions, for metrics and tests. */
  count(): Promise<number>;
  /**
   * Claims the wake-up announcing `seq` of `mailbox` to subscription `id`: true for exactly
   * one caller across every node sharing the store, and only if no claim for this pair
   * announced `seq` or a later entry already. A node sends a push only after claiming it,
   * so two nodes that both learn of one append never both send it.
   */
  claim(id: number, mailbox: string, seq: number): Promise<boolean>;
}
