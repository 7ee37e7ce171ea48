/**
 * Presence through the signaling server, by opaque ids only (core/wire/signaling): this
 * device says which ids it stands for, and which ids it wants to hear about. Both sets are
 * re-sent after every reconnect; reports update a local table.
 */
import { ObservableV2 } from 'lib0/observable';
import type { PresenceState, ServerMessage } from '../core/wire/signaling.js';
import { MAX_PRESENCE_IDS } from '../core/wire/signaling.js';
import type { SignalingClient } from './signaling-client.js';

export type PresenceEvents = { changed: () => void };

export class PresenceClient extends ObservableV2<PresenceEvents> {
  private own: string[] = [];
  private watched: string[] = [];
  private readonly states = new Map<string, PresenceState>();

  constructor(private readonly signaling: SignalingClient) {
    super();
    signaling.on('status', this.onStatus);
    signaling.on('control', this.onControl);
  }

  /** The ids this device is online as; replaces the previous set. */
  announce(ids: Iterable<string>): void {
    const next = [...new Set(ids)].sort().slice(0, MAX_PRESENCE_IDS);
    if (next.join() === this.own.join()) return;
    this.own = next;
    this.signaling.send({ type: 'presence', ids: this.own });
  }

  /** The ids to follow; replaces the previous set. */
  watch(ids: Iterable<string>): void {
    const next = [...new Set(ids)].sort().slice(0, MAX_PRESENCE_IDS);
    if (next.join() === this.watched.join()) return;
    this.watched = next;
    this.signaling.send({ type: 'presence-watch', ids: this.watched });
  }

  state(id: string): PresenceState | null {
    return this.states.get(id) ?? null;
  }

  override destroy(): void {
    this.signaling.off('status', this.onStatus);
    this.signaling.off('control', this.onControl);
    super.destroy();
  }

  private readonly onStatus = (status: string): void => {
    if (status !== 'connected') return;
    if (this.own.length > 0) this.signaling.send({ type: 'presence', ids: this.own });
    if (this.watched.length > 0) this.signaling.send({ type: 'presence-watch', ids: this.watched });
  };

  private readonly onControl = (message: ServerMessage): void => {
    if (message.type !== 'presence-state') return;
    for (const s of message.states) this.states.set(s.id, s);
    this.emit('changed', []);
  };
}
