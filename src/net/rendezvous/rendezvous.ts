/**
 * Rendezvous on conversation topics (docs/architecture.md §5, docs/protocol.md §4): each topic
 * carries sealed, device-signed `announce`, `signal` and `relay` messages. This part seals and
 * opens them in order (one chain each way, so an offer is never overtaken by its own
 * candidates), refuses stale and replayed ones, announces on every (re)connection, and
 * re-announces topics that still have no peer, in case an announce was lost. What to do with a
 * message is the mesh's business.
 */
import { ObservableV2 } from 'lib0/observable';
import { deviceIdOf } from '../../core/identity/keys.js';
import type { PeerIdentity } from '../../core/identity/handshake.js';
import type { DeviceId, SessionId, Topic } from '../../core/ids.js';
import { Disposables } from '../../core/lifecycle.js';
import { errorField, type Logger } from '../../core/logger.js';
import type { SignalingPort, SignalingStatus } from '../signaling-port.js';
import { openRendezvous, sealRendezvous, type RendezvousMessage, type RendezvousSigner } from './rendezvous-message.js';

/**
 * Messages sent further than this from the receiver's clock (either way) are refused; nonces
 * are remembered at least this long, so a replay is refused at any time. Ten minutes leaves
 * room for badly set device clocks.
 */
const MAX_SKEW_MS = 10 * 60_000;
/** A topic flood cannot grow the nonce memory beyond this; the oldest are forgotten first. */
const MAX_NONCES = 20_000;

export interface RendezvousOptions {
  readonly port: SignalingPort;
  readonly session: SessionId;
  readonly logger: Logger;
  /** How often topics without peers announce again. */
  readonly reannounceMs: number;
  /** Whether a topic still wants peers (only those re-announce). */
  readonly lonely: (topic: Topic) => boolean;
  /** Signs outgoing messages with this device's key and checks incoming signatures. */
  readonly signer: RendezvousSigner;
  readonly now?: () => number;
}

export type RendezvousEvents = {
  /**
   * A fresh, verified message from another session, addressed to everyone or to this one;
   * `sender` is the device that signed it.
   */
  message: (topic: Topic, message: RendezvousMessage, sender: PeerIdentity) => void;
};

export class Rendezvous extends ObservableV2<RendezvousEvents> {
  private readonly keys = new Map<Topic, CryptoKey>();
  private readonly owned = new Disposables();
  private sendChain: Promise<void> = Promise.resolve();
  private receiveChain: Promise<void> = Promise.resolve();
  /** `device nonce` → when it may be forgotten. Insertion order is age order. */
  private readonly nonces = new Map<string, number>();
  /** This device, as learned from the certificate it signs with. */
  private device: DeviceId | null = null;
  private readonly now: () => number;

  constructor(private readonly options: RendezvousOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  /** Nonces remembered for replay checks (tests assert the memory stays bounded). */
  get nonceCount(): number {
    return this.nonces.size;
  }

  start(): void {
    this.owned.listenTo(this.options.port).on('message', this.onPortMessage);
    this.owned.listenTo(this.options.port).on('status', this.onStatus);
    this.owned.interval(() => {
      this.forgetNonces();
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

  /** "I am here", to everyone on the topic or (a reply) to one session of one device. */
  announce(topic: Topic, to?: { readonly session: SessionId; readonly device: DeviceId }): void {
    const from = this.options.session;
    this.send(topic, to === undefined ? { t: 'announce', from } : { t: 'announce', from, to: to.session, toDevice: to.device });
  }

  send(topic: Topic, message: RendezvousMessage): void {
    const key = this.keys.get(topic);
    if (!key) return;
    this.sendChain = this.sendChain
      .then(async () => {
        const sealed = await sealRendezvous(key, topic, message, this.learning(), this.now());
        // Null before this device has an account: there is nobody to sign as yet.
        if (sealed && !this.owned.isDisposed) this.options.port.publish(topic, sealed);
      })
      .catch((error) => this.options.logger.error('rendezvous publish failed', { error: errorField(error) }));
  }

  override destroy(): void {
    for (const topic of [...this.keys.keys()]) this.close(topic);
    this.owned.dispose();
    super.destroy();
  }

  /** The signer, noting which device it signs as (addressed messages must name it). */
  private learning(): RendezvousSigner {
    const signer = this.options.signer;
    return {
      signRendezvous: async (body) => {
        const signed = await signer.signRendezvous(body);
        if (signed) this.device = deviceIdOf(signed.cert.device);
        return signed;
      },
      verifyRendezvous: (body, cert, sig) => signer.verifyRendezvous(body, cert, sig),
    };
  }

  /** False for a message sent too long ago (or ahead), or a nonce this device already used. */
  private fresh(device: DeviceId, nonce: string, at: number): boolean {
    const now = this.now();
    if (Math.abs(now - at) > MAX_SKEW_MS) return false;
    const id = `${device} ${nonce}`;
    if (this.nonces.has(id)) return false;
    this.nonces.set(id, now + 2 * MAX_SKEW_MS);
    if (this.nonces.size > MAX_NONCES) this.nonces.delete(this.nonces.keys().next().value!);
    return true;
  }

  private forgetNonces(): void {
    const now = this.now();
    for (const [id, until] of this.nonces) {
      if (until > now) break;
      this.nonces.delete(id);
    }
  }

  private readonly onStatus = (status: SignalingStatus): void => {
    if (status === 'connected') for (const topic of this.keys.keys()) this.announce(topic);
  };

  private readonly onPortMessage = (topic: string, data: unknown): void => {
    const key = this.keys.get(topic as Topic);
    if (!key) return;
    this.receiveChain = this.receiveChain
      .then(async () => {
        const opened = await openRendezvous(key, topic, data, this.options.signer);
        if (!opened || this.owned.isDisposed) return;
        const { message, sender } = opened;
        // Our own publishes come back from the server; nobody else may use our session id.
        if (message.from === this.options.session) return;
        if (message.to !== undefined && (message.to !== this.options.session || message.toDevice !== this.device)) return;
        if (!this.fresh(sender.device, opened.nonce, opened.at)) return;
        this.emit('message', [topic as Topic, message, sender]);
      })
      .catch((error) => this.options.logger.error('rendezvous message failed', { error: errorField(error) }));
  };
}

