/**
 * The server's relay as a link's fallback path (docs/architecture.md §5.4). A link starts on
 * whichever path opens first; when no direct path opened within the fallback delay, or ICE
 * failed, this side offers the relay through the rendezvous, and whichever side hears an offer
 * first answers with its own (relay/relay-dialer.ts). A link that opened in time is never
 * offered the relay. Apart from the mesh so the mesh reads as composition, and so the rules of
 * when a link goes through the server sit in one place.
 *
 * The relay's code (the dialer, its mux, the handshake and the transport) loads the first time
 * a link needs it (docs/architecture.md §11, "Loaded on first use"): most links open direct,
 * and no record reaches this side before it has sent its own offer, which the dialer makes.
 */
import type { SessionId } from '../core/ids.js';
import { errorField, silentLogger, type Logger } from '../core/logger.js';
import type { LinkEntry, RelayOptions } from './mesh-types.js';
import type { RelayDialer, RelayOffer } from './relay/relay-dialer.js';
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
  /** Where a relay that could not load is reported. */
  readonly logger?: Logger;
}

export class RelayFallback {
  /** The dialer, once a link needed the relay. */
  private dialer: Promise<RelayDialer> | null = null;
  private readonly fallbackMs: number;
  private destroyed = false;

  constructor(private readonly options: RelayFallbackOptions) {
    this.fallbackMs = options.relay.fallbackMs ?? 1_500;
  }

  start(): void {
    // The dialer starts when first loaded (`loadDialer`).
  }

  destroy(): void {
    this.destroyed = true;
    void this.dialer?.then((dialer) => dialer.destroy(), () => undefined);
  }

  /** Whether this socket can relay now: the server gave it a relay address. */
  private get available(): boolean {
    return this.options.port.relayAddress !== null;
  }

  /** Not called once destroyed: `destroy` ends the dialer made or being made. */
  private loadDialer(): Promise<RelayDialer> {
    this.dialer ??= import('./relay/relay-dialer.js').then(({ RelayDialer }) => {
      const { relay } = this.options;
      return new RelayDialer(this.options.port, this.options.session, relay.window ? { window: relay.window } : {}).start();
    });
    return this.dialer;
  }

  /** The relay's code did not load: the link goes on without it (direct, or closed when that fails). */
  private failed(entry: LinkEntry, error: unknown): void {
    this.dialer = null;
    (this.options.logger ?? silentLogger).error('the relay could not load', { error: errorField(error) });
    if (!entry.link.isOpen && entry.direct.isClosed) entry.link.close('connection-failed');
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
      if (this.available) this.offer(entry);
      else link.close(reason);
    });
  }

  /** The remote's relay offer for a link: answered with ours, and the relay path added. */
  async accept(entry: LinkEntry, offer: RelayOffer): Promise<void> {
    if (entry.link.isClosed || this.destroyed) return;
    let dialer: RelayDialer;
    try {
      dialer = await this.loadDialer();
    } catch (error) {
      return this.failed(entry, error);
    }
    if (entry.link.isClosed || this.destroyed) return;
    const transport = await dialer.accept(entry.key, entry.remote, offer, (ours) => this.options.send(entry, ours));
    if (!transport) return;
    if (entry.link.isClosed || !this.options.current(entry)) return transport.close();
    entry.link.addPath(transport);
    transport.start();
  }

  /** A link to this remote ended: the next one negotiates afresh. */
  forget(key: string): void {
    void this.dialer?.then((dialer) => dialer.forget(key), () => undefined);
  }

  /** Offers the relay to a link's remote, when this socket can relay. */
  private offer(entry: LinkEntry): void {
    if (!this.available || entry.link.isClosed || this.destroyed) return;
    this.loadDialer().then(
      (dialer) => {
        if (!entry.link.isClosed && !this.destroyed) dialer.offer(entry.key, (offer) => this.options.send(entry, offer));
      },
      (error: unknown) => this.failed(entry, error),
    );
  }
}
