/**
 * Routes relay frames from the signaling socket to relay links (docs/protocol.md §3). One
 * socket carries every relay link of a session; each record starts with its link's tag, so
 * records of a link that ended (or of someone else's guess) find no link and are dropped. A
 * few records for an unknown tag are held for a moment: the remote may finish its half of the
 * handshake, and send its first records, before this side has made the link they belong to.
 * When the socket's relay address goes away (disconnect, reconnect) or the server reports a
 * remote address gone, the links through it fail.
 */
import { toHex } from '../../core/bytes.js';
import { Disposables } from '../../core/lifecycle.js';
import type { SignalingPort } from '../signaling-port.js';
import { RELAY_TAG_BYTES, type RelaySecrets } from './relay-handshake.js';
import { RelayPacer } from './relay-pacer.js';
import { RelayTransport } from './relay-transport.js';

/** Records held for links not made yet: at most this many, for at most this long. */
const MAX_EARLY = 64;
const EARLY_MS = 10_000;

export class RelayMux {
  private readonly links = new Map<string, RelayTransport>();
  private early: Array<{ readonly tag: string; readonly from: string; readonly record: Uint8Array; readonly at: number }> = [];
  private readonly owned = new Disposables();
  private boundAddr: string | null = null;
  private readonly pacer: RelayPacer;

  constructor(private readonly port: SignalingPort) {
    this.pacer = new RelayPacer(port);
  }

  start(): this {
    this.boundAddr = this.port.relayAddress;
    const events = this.owned.listenTo(this.port);
    events.on('relay', (from, payload) => {
      if (payload.length < RELAY_TAG_BYTES) return;
      const tag = toHex(payload.subarray(0, RELAY_TAG_BYTES));
      const link = this.links.get(tag);
      if (link) return link.receive(from, payload);
      const now = Date.now();
      this.early = this.early.filter((e) => now - e.at < EARLY_MS).slice(-(MAX_EARLY - 1));
      this.early.push({ tag, from, record: payload.slice(), at: now });
    });
    events.on('relay-gone', (addr) => {
      for (const link of [...this.links.values()]) if (link.remoteAddr === addr) link.fail('connection-failed');
    });
    events.on('relay-address', (addr) => {
      // Links are bound to the address they were made with; a new socket means new links.
      if (addr === this.boundAddr) return;
      this.boundAddr = addr;
      this.pacer.reset();
      for (const link of [...this.links.values()]) link.fail('connection-failed');
    });
    return this;
  }

  /** This socket's relay address now, or null. */
  get address(): string | null {
    return this.port.relayAddress;
  }

  /** Number of live relay links (tests). */
  get size(): number {
    return this.links.size;
  }

  /** Makes a relay link to `remoteAddr` with derived secrets; call `start()` on it to open. */
  open(remoteAddr: string, secrets: RelaySecrets, options: { window?: number; openTimeoutMs?: number } = {}): RelayTransport {
    const key = toHex(secrets.tag);
    this.links.get(key)?.fail('closed-locally');
    const link = new RelayTransport({ send: (record) => this.pacer.send(remoteAddr, record), remoteAddr, secrets, ...options });
    this.links.set(key, link);
    link.once('close', () => {
      if (this.links.get(key) === link) this.links.delete(key);
    });
    const early = this.early.filter((e) => e.tag === key);
    if (early.length > 0) {
      this.early = this.early.filter((e) => e.tag !== key);
      for (const e of early) link.receive(e.from, e.record);
    }
    return link;
  }

  destroy(): void {
    this.early = [];
    for (const link of [...this.links.values()]) link.close();
    this.pacer.destroy();
    this.owned.dispose();
  }
}
