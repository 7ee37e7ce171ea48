/**
 * Every event that crosses from one socket to another goes through this bus, by channel:
 * a namespace plus a key (docs/architecture.md §6).
 *
 * | namespace | key | carries |
 * |---|---|---|
 * | `topic` | y-webrtc topic | `publish` messages to every subscriber |
 * | `relay` | relay address (32 hex) | binary relay frames to the one socket holding it |
 * | `mailbox` | mailbox id (64 hex) | `mailbox-notice` frames to the sockets watching it |
 *
 * The in-memory bus here is the default; `bus-redis.ts` carries the same channels between
 * nodes (one Redis channel per bus channel, subscribed while a local socket is), without
 * socket handling noticing. There `send` counts only local deliveries; `sendCounted` also
 * learns how many other nodes took the frame (Redis answers PUBLISH with its receiver count),
 * which is how the relay knows to say `relay-gone`. `publish`'s `clients` count is the
 * delivering node's.
 *
 * Frames are serialised once and the same bytes go to every receiver: a publish costs one
 * `JSON.stringify` and one UTF-8 encoding however many subscribers the topic has.
 */

export type BusNamespace = 'topic' | 'relay' | 'mailbox';

/** Something that can receive frames: a signaling socket in practice. */
export interface BusSubscriber {
  /**
   * Called with a frame shared by all receivers, never to be modified: UTF-8 JSON text, or
   * a binary relay frame. Returns false when the frame was not sent (the subscriber is
   * closing, or was just dropped as too slow). Must not throw.
   */
  deliver(frame: Buffer, binary: boolean): boolean;
}

export interface SignalBus {
  /** Adds `sub` to a channel. Idempotent. */
  subscribe(ns: BusNamespace, key: string, sub: BusSubscriber): void;
  /** Removes `sub` from a channel; a channel with no subscribers is forgotten. Idempotent. */
  unsubscribe(ns: BusNamespace, key: string, sub: BusSubscriber): void;
  /**
   * y-webrtc publish: relays `message` plus `clients` (the subscriber count) to every
   * subscriber of `topic`, the sender included when subscribed. Returns frames sent.
   */
  publish(topic: string, message: Readonly<Record<string, unknown>>): number;
  /** Hands the same bytes to every subscriber of a channel. Returns how many took them (on this node). */
  send(ns: BusNamespace, key: string, frame: Buffer, binary: boolean): number;
  /**
   * Like {@link send}, then calls `reached` once with how many receivers took the frame on
   * any node: at once on one node, or when a local subscriber took it; after one Redis round
   * trip otherwise. Zero means nobody anywhere holds the channel (or Redis is unreachable).
   */
  sendCounted(ns: BusNamespace, key: string, frame: Buffer, binary: boolean, reached: (receivers: number) => void): void;
  /** Channels of a namespace with at least one subscriber. */
  channelCount(ns: BusNamespace): number;
  /** (channel, subscriber) pairs in a namespace, for metrics. */
  subscriptionCount(ns: BusNamespace): number;
}

class Namespace {
  readonly channels = new Map<string, Set<BusSubscriber>>();
  subscriptions = 0;
}

/** Single-process bus: per namespace, a map from key to its subscriber set. */
export class MemorySignalBus implements SignalBus {
  private readonly spaces: Record<BusNamespace, Namespace> = { topic: new Namespace(), relay: new Namespace(), mailbox: new Namespace() };

  /** Subscribers of one channel (0 when it has none). */
  channelSize(ns: BusNamespace, key: string): number {
    return this.spaces[ns].channels.get(key)?.size ?? 0;
  }

  channelCount(ns: BusNamespace): number {
    return this.spaces[ns].channels.size;
  }

  subscriptionCount(ns: BusNamespace): number {
    return this.spaces[ns].subscriptions;
  }

  subscribe(ns: BusNamespace, key: string, sub: BusSubscriber): void {
    const space = this.spaces[ns];
    let subs = space.channels.get(key);
    if (subs === undefined) {
      subs = new Set();
      space.channels.set(key, subs);
    }
    if (!subs.has(sub)) {
      subs.add(sub);
      space.subscriptions++;
    }
  }

  unsubscribe(ns: BusNamespace, key: string, sub: BusSubscriber): void {
    const space = this.spaces[ns];
    const subs = space.channels.get(key);
    if (subs === undefined || !subs.delete(sub)) return;
    space.subscriptions--;
    if (subs.size === 0) space.channels.delete(key);
  }

  publish(topic: string, message: Readonly<Record<string, unknown>>): number {
    const subs = this.spaces.topic.channels.get(topic);
    if (subs === undefined) return 0;
    // Forward the message as received (y-webrtc peers rely on their extra fields) with
    // `clients` set by the server, overriding any value the sender put there.
    return deliverAll(subs, Buffer.from(JSON.stringify({ ...message, clients: subs.size }), 'utf8'), false);
  }

  /**
   * A publish whose JSON (without `clients`) is already serialised, as it arrives from
   * another node: `clients` is spliced in as the last member rather than parsing again.
   */
  publishSerialized(topic: string, body: string): number {
    const subs = this.spaces.topic.channels.get(topic);
    if (subs === undefined) return 0;
    return deliverAll(subs, Buffer.from(`${body.slice(0, -1)},"clients":${subs.size}}`, 'utf8'), false);
  }

  send(ns: BusNamespace, key: string, frame: Buffer, binary: boolean): number {
    const subs = this.spaces[ns].channels.get(key);
    return subs === undefined ? 0 : deliverAll(subs, frame, binary);
  }

  sendCounted(ns: BusNamespace, key: string, frame: Buffer, binary: boolean, reached: (receivers: number) => void): void {
    reached(this.send(ns, key, frame, binary));
  }
}

function deliverAll(subs: ReadonlySet<BusSubscriber>, frame: Buffer, binary: boolean): number {
  // No snapshot needed: a delivery may drop only the subscriber being visited (a slow
  // consumer), and deleting the current element of a Set during for-of is well defined.
  let delivered = 0;
  for (const sub of subs) if (sub.deliver(frame, binary)) delivered++;
  return delivered;
}
