/**
 * {@link SignalBus} for a cluster (docs/architecture.md §6, scale-out): local subscribers
 * are served from memory as on one node, and every channel also has a Redis channel
 * (`parley:t:<topic>`, `parley:r:<relay address>`, `parley:m:<mailbox id>`), which a node
 * listens on only while it has a local subscriber. The sending node delivers locally at
 * once and ignores its own copy from Redis, so each subscriber anywhere gets a frame once.
 *
 * A topic publish crosses Redis as JSON without `clients`; each node adds its own local
 * subscriber count (no Parley or y-webrtc client reads `clients`; on a cluster it counts the
 * delivering node's subscribers only). A relay frame crosses Redis only when no local
 * socket holds its address (addresses are unique, so a local delivery is the only one).
 */
import type { RedisFanout } from '../redis.js';
import { MemorySignalBus, type BusNamespace, type BusSubscriber, type SignalBus } from './bus.js';

const PREFIX: Readonly<Record<BusNamespace, string>> = { topic: 'parley:t:', relay: 'parley:r:', mailbox: 'parley:m:' };

export class RedisSignalBus implements SignalBus {
  /** Frames delivered to local subscribers because of a send or publish on another node. */
  remoteDelivered = 0;
  private readonly local = new MemorySignalBus();

  constructor(private readonly fanout: RedisFanout) {}

  channelCount(ns: BusNamespace): number {
    return this.local.channelCount(ns);
  }

  subscriptionCount(ns: BusNamespace): number {
    return this.local.subscriptionCount(ns);
  }

  subscribe(ns: BusNamespace, key: string, sub: BusSubscriber): void {
    if (this.local.channelSize(ns, key) === 0) {
      this.fanout.join(PREFIX[ns] + key, (payload) => {
        this.remoteDelivered +=
          ns === 'topic' ? this.local.publishSerialized(key, payload.toString('utf8')) : this.local.send(ns, key, payload, ns === 'relay');
      });
    }
    this.local.subscribe(ns, key, sub);
  }

  unsubscribe(ns: BusNamespace, key: string, sub: BusSubscriber): void {
    const before = this.local.channelSize(ns, key);
    this.local.unsubscribe(ns, key, sub);
    if (before > 0 && this.local.channelSize(ns, key) === 0) this.fanout.leave(PREFIX[ns] + key);
  }

  publish(topic: string, message: Readonly<Record<string, unknown>>): number {
    // `clients` is the server's to set; whatever the sender put there is dropped.
    const { clients: _ignored, ...rest } = message;
    const body = JSON.stringify(rest);
    this.fanout.publish(PREFIX.topic + topic, Buffer.from(body, 'utf8'));
    return this.local.publishSerialized(topic, body);
  }

  send(ns: BusNamespace, key: string, frame: Buffer, binary: boolean): number {
    const delivered = this.local.send(ns, key, frame, binary);
    if (ns !== 'relay' || delivered === 0) this.fanout.publish(PREFIX[ns] + key, frame);
    return delivered;
  }

  sendCounted(ns: BusNamespace, key: string, frame: Buffer, binary: boolean, reached: (receivers: number) => void): void {
    const delivered = this.local.send(ns, key, frame, binary);
    if (ns === 'relay' && delivered > 0) return reached(delivered);
    // PUBLISH answers with the subscribed connections that got it: one per node listening,
    // this node's own included when it listens too (its copy is dropped as its own).
    const self = this.local.channelSize(ns, key) > 0 ? 1 : 0;
    void this.fanout.publishCounted(PREFIX[ns] + key, frame).then((n) => reached(delivered + Math.max(0, (n ?? 0) - self)));
  }
}
