/**
 * The server's relay as a link's fallback path (docs/architecture.md §5.4). A link starts on
 * whichever path opens first; when no direct path opened within the fallback delay, or ICE
 * failed, this side offers the relay through the rendezvous, and whichever side hears an offer
 * first answers with its own (relay/relay-dialer.ts). A link that opened in time is never
 * offered the relay. Apart from the mesh so the mesh reads as composition, and so the rules of
 * when a link goes through the server sit in one place.
 */
import type { SessionId } from '../core/ids.js';
import type { LinkEntry, RelayOptions } from './mesh-types.js';
import { RelayDialer, type RelayOffer } from './relay/relay-dialer.js';
import type { SignalingPort } from './signaling-port.js';

export type { RelayOffer } from './relay/relay-dialer.js';

export interface RelayFallbackOptions {
  readonly port: SignalingPort;
  readonly session: SessionId;
  readonly relay: RelayOptions;
  /** Sends this side's relay offer for a link through the rendezvous. */
  readonly send: (entry: LinkEntry, offer: RelayOffer) => void;
  /** Whether `entry` is still the mesh's link to its remote (a transport made late is closed). */
  readonly current: (entry: LinkEntry) => boolean;
}

export class RelayFallback {
  private readonly dialer: RelayDialer;
  private readonly fallbackMs: number;

  constructor(private readonly options: RelayFallbackOptions) {
    const { relay } = options;
    this.dialer = new RelayDialer(options.port, options.session, relay.window ? { window: relay.window } : {});
    this.fallbackMs = relay.fallbackMs ?? 1_500;
  }

  start(): void {
    this.dialer.start();
  }

  destroy(): void {
    this.dialer.destroy();
  }

  /**
   * Watches a new link: offers the relay when no path opened within the fallback delay, or at
   * once when the direct path fails first; closes the link when its direct path failed and
   * this socket cannot relay.
   */
  watch(entry: LinkEntry): void {
    const { link, direct, owned } = entry;
    const cancel = owned.timeout(() => this.offer(entry), this.fallbackMs);
    // A path opened in time: no relay is offered for it. (Offered anyway, every link kept an
    // idle relay path beside its data channel for life; a relay that opened first stays
    // until the upgrade retires it.)
    owned.listenTo(link).on('open', cancel);
    owned.listenTo(direct).on('close', (reason) => {
      if (link.isOpen) return;
      cancel();
      if (this.dialer.available) this.offer(entry);
      else link.close(reason);
    });
  }

  /** The remote's relay offer for a link: answered with ours, and the relay path added. */
  async accept(entry: LinkEntry, offer: RelayOffer): Promise<void> {
    if (entry.link.isClosed) return;
    const transport = await this.dialer.accept(entry.key, entry.remote, offer, (ours) => this.options.send(entry, ours));
    if (!transport) return;
    if (entry.link.isClosed || !this.options.current(entry)) return transport.close();
    entry.link.addPath(transport);
    transport.start();
  }

  /** A link to this remote ended: the next one negotiates afresh. */
  forget(key: string): void {
    this.dialer.forget(key);
  }

  /** Offers the relay to a link's remote, when this socket can relay. */
  private offer(entry: LinkEntry): void {
    if (!this.dialer.available || entry.link.isClosed) return;
    this.dialer.offer(entry.key, (offer) => this.options.send(entry, offer));
  }
}
