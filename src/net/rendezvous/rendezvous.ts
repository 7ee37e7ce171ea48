/**
 * Rendezvous on conversation topics (docs/architecture.md §5, docs/protocol.md §4): each topic
 * carries sealed `announce`, `signal` and `relay` messages. This part seals and opens them in
 * order (one chain each way, so an offer is never overtaken by its own candidates), announces
 * on every (re)connection, and re-announces topics that still have no peer, in case an
 * announce was lost. What to do with a message is the mesh's business.
 */
import { ObservableV2 } from 'lib0/observable';
import type { SessionId, Topic } from '../../core/ids.js';
import { Disposables } from '../../core/lifecycle.js';
import { errorField, type Logger } from '../../core/logger.js';
import type { SignalingPort, SignalingStatus } from '../signaling-port.js';
import { openRendezvous, sealRendezvous, type RendezvousMessage } from './rendezvous-message.js';

export interface RendezvousOptions {
  readonly port: SignalingPort;
  readonly session: SessionId;
  readonly logger: Logger;
  /** How often topics without peers announce again. */
  readonly reannounceMs: number;
  /** Whether a topic still wants peers (only those re-announce). */
  readonly lonely: (topic: Topic) => boolean;
}

export type RendezvousEvents = {
  /** A well-formed message from another session, addressed to everyone or to this one. */
  message: (topic: Topic, message: RendezvousMessage) => void;
};

export class Rendezvous extends ObservableV2<RendezvousEvents> {
  private readonly keys = new Map<Topic, CryptoKey>();
  private readonly owned = new Disposables();
  private sendChain: Promise<void> = Promise.resolve();
  private receiveChain: Promise<void> = Promise.resolve();

  constructor(private readonly options: RendezvousOptions) {
    super();
  }

  start(): void {
    this.owned.listenTo(this.options.port).on('message', this.onPortMessage);
    this.owned.listenTo(this.options.port).on('status', this.onStatus);
    this.owned.interval(() => {
      for (const topic of this.keys.keys()) if (this.options.lonely(topic)) this.announce(topic);
    }, this.options.reannounceMs);
  }

  /** Starts listening on a topic and announces there. */
  open(topic: Topic, signalingKey: CryptoKey): void {
    if (this.keys.has(topic)) return;
    this.keys.set(topic, signalingKey);
    this.options.port.subscribe(topic);
    this.announce(topic);
  }

  close(topic: Topic): void {
    if (!this.keys.delete(topic)) return;
    this.options.port.unsubscribe(topic);
  }

  has(topic: Topic): boolean {
    return this.keys.has(topic);
  }

  /** "I am here", to everyone on the topic or (a reply) to one session. */
  announce(topic: Topic, to?: SessionId): void {
    this.send(topic, to === undefined ? { t: 'announce', from: this.options.session } : { t: 'announce', from: this.options.session, to });
  }

  send(topic: Topic, message: RendezvousMessage): void {
    const key = this.keys.get(topic);
    if (!key) return;
    this.sendChain = this.sendChain
      .then(async () => {
        const sealed = await sealRendezvous(key, topic, message);
        if (!this.owned.isDisposed) this.options.port.publish(topic, sealed);
      })
      .catch((error) => this.options.logger.error('rendezvous publish failed', { error: errorField(error) }));
  }

  override destroy(): void {
    for (const topic of [...this.keys.keys()]) this.close(topic);
    this.owned.dispose();
    super.destroy();
  }

  private readonly onStatus = (status: SignalingStatus): void => {
    if (status === 'connected') for (const topic of this.keys.keys()) this.announce(topic);
  };

  private readonly onPortMessage = (topic: string, data: unknown): void => {
    const key = this.keys.get(topic as Topic);
    if (!key) return;
    this.receiveChain = this.receiveChain
      .then(async () => {
        const message = await openRendezvous(key, topic, data);
        if (!message || message.from === this.options.session || this.owned.isDisposed) return;
        if ('to' in message && message.to !== undefined && message.to !== this.options.session) return;
        this.emit('message', [topic as Topic, message]);
      })
      .catch((error) => this.options.logger.error('rendezvous message failed', { error: errorField(error) }));
  };
}
