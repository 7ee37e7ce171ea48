/**
 * Sets up relay links (docs/architecture.md §5): makes this side's offer (its relay address
 * and a fresh ephemeral X25519 key) once per link attempt, takes the remote's, derives the
 * link's secrets and opens the transport through the mux. Either side may offer first; the
 * other answers with its own offer, and both end up with the same two keys.
 */
import type { SessionId } from '../../core/ids.js';
import type { SignalingPort } from '../signaling-port.js';
import { createRelayKeyPair, deriveRelaySecrets, type RelayKeyPair } from './relay-handshake.js';
import { RelayMux } from './relay-mux.js';
import type { RelayTransport } from './relay-transport.js';

/** What one side sends through the rendezvous. */
export interface RelayOffer {
  readonly addr: string;
  readonly key: string;
}

interface Attempt {
  /** Our offer (null: this socket has no relay address). */
  readonly ours: Promise<{ readonly offer: RelayOffer; readonly pair: RelayKeyPair } | null>;
  /** The remote key a transport was made for; later copies of its offer are ignored. */
  theirKey: string | null;
}

export class RelayDialer {
  readonly mux: RelayMux;
  /** Attempts by remote (the mesh's key for a device's session). */
  private readonly attempts = new Map<string, Attempt>();

  constructor(
    port: SignalingPort,
    private readonly session: SessionId,
    private readonly options: { window?: number; openTimeoutMs?: number } = {},
  ) {
    this.mux = new RelayMux(port);
  }

  start(): this {
    this.mux.start();
    return this;
  }

  /** Whether this socket can relay now. */
  get available(): boolean {
    return this.mux.address !== null;
  }

  /** Sends our offer to `remote` through `send`, once per attempt. */
  offer(remote: string, send: (offer: RelayOffer) => void): void {
    this.attempt(remote, send);
  }

  /**
   * Takes the remote's offer, answering with ours if not sent yet. Resolves with the new
   * transport (not started), or null: a copy of an offer already taken, no relay address
   * here, or a key that is not a usable X25519 public key.
   */
  async accept(remote: string, session: SessionId, theirs: RelayOffer, send: (offer: RelayOffer) => void): Promise<RelayTransport | null> {
    const attempt = this.attempt(remote, send);
    if (attempt.theirKey === theirs.key) return null;
    const ours = await attempt.ours;
    if (!ours || this.attempts.get(remote) !== attempt || attempt.theirKey === theirs.key) return null;
    attempt.theirKey = theirs.key;
    let secrets;
    try {
      secrets = await deriveRelaySecrets({ session: this.session, ...ours.offer }, ours.pair.privateKey, { session, ...theirs });
    } catch {
      return null;
    }
    if (this.attempts.get(remote) !== attempt) return null;
    return this.mux.open(theirs.addr, secrets, this.options);
  }

  /** The link to `remote` ended: the next one negotiates afresh. */
  forget(remote: string): void {
    this.attempts.delete(remote);
  }

  destroy(): void {
    this.attempts.clear();
    this.mux.destroy();
  }

  private attempt(remote: string, send: (offer: RelayOffer) => void): Attempt {
    let attempt = this.attempts.get(remote);
    if (attempt) return attempt;
    const addr = this.mux.address;
    const ours = addr
      ? createRelayKeyPair().then((pair) => {
          const offer = { addr, key: pair.publicKey };
          if (this.attempts.get(remote) === attempt) send(offer);
          return { offer, pair };
        })
      : Promise.resolve(null);
    attempt = { ours, theirKey: null };
    this.attempts.set(remote, attempt);
    return attempt;
  }
}
