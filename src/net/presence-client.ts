/**
 * Presence through the signaling server, by opaque ids only (core/wire/signaling): this
 * device says which ids it stands for, and which ids it wants to hear about, one id per
 * `presence-change` message. Both sets are re-sent after every reconnect; reports update a
 * local table.
 */
import { ObservableV2 } from 'lib0/observable';
import type { PresenceChange, PresenceState, ServerMessage } from '../core/wire/signaling.js';
import { MAX_PRESENCE_IDS } from '../core/wire/signaling-terms.js';
import type { Signaling } from './signaling-port.js';

export type PresenceEvents = { changed: () => void };

export class PresenceClient extends ObservableV2<PresenceEvents> {
  private own = new Set<string>();
  private watched = new Set<string>();
  private readonly states = new Map<string, PresenceState>();

  constructor(private readonly signaling: Signaling) {
    super();
    signaling.on('status', this.onStatus);
    signaling.on('control', this.onControl);
  }

  /** The ids this device is online as; replaces the previous set. */
  announce(ids: Iterable<string>): void {
    this.own = this.replace(this.own, ids, 'hold', 'release');
  }

  /** The ids to follow; replaces the previous set. */
  watch(ids: Iterable<string>): void {
    this.watched = this.replace(this.watched, ids, 'watch', 'unwatch');
    for (const id of this.states.keys()) if (!this.watched.has(id)) this.states.delete(id);
  }

  state(id: string): PresenceState | null {
    return this.states.get(id) ?? null;
  }

  override destroy(): void {
    this.signaling.off('status', this.onStatus);
    this.signaling.off('control', this.onControl);
    super.destroy();
  }

  /**
   * Sends only what changed, one id per message, so no frame lists all of this device's
   * conversations (docs/architecture.md §5.9). The socket still ties them together.
   */
  private replace(current: ReadonlySet<string>, ids: Iterable<string>, add: PresenceChange, remove: PresenceChange): Set<string> {
    const next = new Set([...new Set(ids)].slice(0, MAX_PRESENCE_IDS));
    for (const id of current) if (!next.has(id)) this.signaling.send({ type: 'presence-change', id, change: remove });
    for (const id of next) if (!current.has(id)) this.signaling.send({ type: 'presence-change', id, change: add });
    return next;
  }

  private readonly onStatus = (status: string): void => {
    if (status !== 'connected') return;
    // A new socket holds and watches nothing yet: say everything again, an id at a time.
    for (const id of this.own) this.signaling.send({ type: 'presence-change', id, change: 'hold' });
    for (const id of this.watched) this.signaling.send({ type: 'presence-change', id, change: 'watch' });
  };

  private readonly onControl = (message: ServerMessage): void => {
    if (message.type !== 'presence-state') return;
    // Only what this device watches: a server that reports other ids (it may send any) would
    // otherwise grow the table without bound.
    for (const s of message.states) if (this.watched.has(s.id)) this.states.set(s.id, s);
    this.emit('changed', []);
  };
}
