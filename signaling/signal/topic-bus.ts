/**
 * Topic registry behind a small interface, so a Redis-backed bus (docs/architecture.md §6,
 * scale-out) can replace the in-memory one without touching socket handling.
 *
 * The bus serialises each publish once and hands the same bytes to every receiver: a
 * publish costs one `JSON.stringify` and one UTF-8 encoding however many subscribers the
 * topic has (`ws` would otherwise encode a string again for every socket).
 */

/** Something that can receive relayed frames; a signaling socket in practice. */
export interface TopicSubscriber {
  /**
   * Called with the UTF-8 bytes of a JSON text frame, shared by all receivers and never
   * to be modified. Returns false when the frame was not sent (the subscriber is
   * closing, or was just dropped as too slow). Must not throw.
   */
  deliver(frame: Buffer): boolean;
}

export interface TopicBus {
  /** Adds `sub` to `topic`. Idempotent. */
  subscribe(topic: string, sub: TopicSubscriber): void;
  /** Removes `sub` from `topic`; a topic with no subscribers is forgotten. Idempotent. */
  unsubscribe(topic: string, sub: TopicSubscriber): void;
  /**
   * Relays `message` plus `clients` (the subscriber count) to every subscriber of
   * `topic`, the sender included when subscribed. Returns the number of frames sent.
   */
  publish(topic: string, message: Readonly<Record<string, unknown>>): number;
  /** Topics with at least one subscriber. */
  readonly topicCount: number;
  /** Total (topic, subscriber) pairs, for metrics. */
  readonly subscriptionCount: number;
}

/** Single-process bus: a map from topic to its subscriber set. */
export class MemoryTopicBus implements TopicBus {
  private readonly topics = new Map<string, Set<TopicSubscriber>>();
  private subscriptions = 0;

  get topicCount(): number {
    return this.topics.size;
  }

  get subscriptionCount(): number {
    return this.subscriptions;
  }

  subscribe(topic: string, sub: TopicSubscriber): void {
    let subs = this.topics.get(topic);
    if (subs === undefined) {
      subs = new Set();
      this.topics.set(topic, subs);
    }
    if (!subs.has(sub)) {
      subs.add(sub);
      this.subscriptions++;
    }
  }

  unsubscribe(topic: string, sub: TopicSubscriber): void {
    const subs = this.topics.get(topic);
    if (subs === undefined || !subs.delete(sub)) return;
    this.subscriptions--;
    if (subs.size === 0) this.topics.delete(topic);
  }

  publish(topic: string, message: Readonly<Record<string, unknown>>): number {
    const subs = this.topics.get(topic);
    if (subs === undefined) return 0;
    // Forward the message as received (y-webrtc peers rely on their extra fields) with
    // `clients` set by the server, overriding any value the sender put there.
    const frame = Buffer.from(JSON.stringify({ ...message, clients: subs.size }), 'utf8');
    // No snapshot needed: a delivery may drop only the subscriber being visited (a slow
    // consumer), and deleting the current element of a Set during for-of is well defined.
    let delivered = 0;
    for (const sub of subs) if (sub.deliver(frame)) delivered++;
    return delivered;
  }
}
