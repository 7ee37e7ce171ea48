/**
 * Who posted a push subscription, as the per-address bound counts it (docs/architecture.md
 * §6.5): the client's address as every per-address limit counts it (`limitKey`: an IPv6 /64,
 * an IPv4 address), stored as a keyed hash. The table then lists no addresses beside the
 * mailboxes each subscription follows; the key comes from the VAPID private key, which every
 * node of a cluster shares, so all nodes and restarts count an address under the same key.
 * Whoever also holds `vapid.json` can test a guessed address, which for IPv4 means any.
 */
import { createHash, createHmac } from 'node:crypto';

/** The stored key of a limit key. */
export type OwnerKeyOf = (limitKey: string) => string;

export function subscriptionOwnerKeys(vapidPrivateKey: string): OwnerKeyOf {
  const key = createHash('sha256').update('parley push subscription owner\0').update(vapidPrivateKey).digest();
  // 128 bits: collisions among real addresses are out of the question, and the index stays small.
  return (limitKey) => createHmac('sha256', key).update(limitKey).digest('base64url').slice(0, 22);
}
