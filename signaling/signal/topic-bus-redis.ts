/**
 * {@link TopicBus} for a cluster (docs/architecture.md §6, scale-out): local subscribers are
 * served from memory as on one node, and every publish also goes to Redis channel
 * `parley:t:<topic>`, which a node listens on only while it has a local subscriber to that
 * topic. The publishing node delivers locally at once and ignores its own copy from Redis,
 * so each subscriber anywhere gets a publish exactly once.
 *
 * The message crosses Redis as JSON without `clients`; each node adds its own local
 * subscriber count, by splicing it into the serialised text rather than parsing again (no
 * Parley or y-webrtc client reads `clients`; on a cluster it counts the delivering node's
 * subscribers only).
 */
import type { RedisFanout } from '../redis.js';
import type { TopicBus, TopicSubscriber } from './topic-bus.js';

const CHANNEL_PREFIX = 'parley:t:';

/** `{…}` plus `"clients":n` as the last member; `body` is a non-empty JSON object. */
function withClients(body: string, clients: number): Buffer {
  return Buffer.from(`${body.slice(0, -1)},"clients":${clients}}`, 'utf8');
}

export class RedisTopicBus implements TopicBus {
  private readonly topics = new Map<string, Set<TopicSubscriber>>();
  private subscriptions = 0;
  /** Frames delivered to local subscribers because of a publish on another node. */
  remoteDelivered = 0;

  constructor(private readonly fanout: RedisFanout) {}

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
      this.fanout.join(CHANNEL_PREFIX + topic, (payload) => {
        this.remoteDelivered += this.deliver(topic, payload.toString('utf8'));
      });
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
    if (subs.size > 0) return;
    this.topics.delete(topic);
    this.fanout.leave(CHANNEL_PREFIX + topic);
  }

  publish(topic: string, message: Readonly<Record<string, unknown>>): number {
    // `clients` is the server's to set; whatever the sender put there is dropped.
    const { clients: _ignored, ...rest } = message;
    const body = JSON.stringify(rest);
    this.fanout.publish(CHANNEL_PREFIX + topic, Buffer.from(body, 'utf8'));
    return this.deliver(topic, body);
  }

  private deliver(topic: string, body: string): number {
    const subs = this.topics.get(topic);
    if (subs === undefined) return 0;
    const frame = withClients(body, subs.size);
    let delivered = 0;
    for (const sub of subs) if (sub.deliver(frame)) delivered++;
    return delivered;
  }
}
