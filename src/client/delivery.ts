/**
 * Delivery state of this device's own messages, derived from the outbox (docs/architecture.md §7.5):
 * - `saving`: applied locally, the outbox commit is not done yet — not acknowledged;
 * - `waiting`: committed to disk (acknowledged), no peer has confirmed it yet;
 * - `sent`: a peer's state vector covers it, or it was never pending (history).
 * - `failed`: the outbox write failed, so it is not safe; the UI says so.
 */
import type * as Y from 'yjs';
import type { EventId } from '../core/ids.js';

export const DeliveryStates = ['saving', 'waiting', 'sent', 'failed'] as const;
export type DeliveryState = (typeof DeliveryStates)[number];

interface Pending {
  state: DeliveryState;
  /** Where the event sits in the doc, once known; acks are compared against it. */
  id: Y.ID | null;
}

export class DeliveryTracker {
  private readonly pending = new Map<EventId, Pending>();

  state(id: EventId): DeliveryState {
    return this.pending.get(id)?.state ?? 'sent';
  }

  get waitingCount(): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.state === 'waiting' || p.state === 'saving') n++;
    return n;
  }

  track(id: EventId, state: DeliveryState, itemId: Y.ID | null): void {
    this.pending.set(id, { state, id: itemId });
  }

  /** Outbox commit finished. Returns true if the event was already delivered meanwhile. */
  committed(id: EventId): boolean {
    const p = this.pending.get(id);
    if (!p) return true;
    if (p.state === 'saving') p.state = 'waiting';
    return false;
  }

  failed(id: EventId): void {
    const p = this.pending.get(id);
    if (p) p.state = 'failed';
  }

  /**
   * A peer holds everything below `stateVector`. Returns the events that became delivered
   * and whose outbox commit is done, so their entries can be removed.
   */
  acknowledge(stateVector: Map<number, number>): EventId[] {
    const done: EventId[] = [];
    for (const [eventId, p] of this.pending) {
      if (!p.id || p.state === 'failed') continue;
      if ((stateVector.get(p.id.client) ?? 0) > p.id.clock) {
        if (p.state === 'waiting') done.push(eventId);
        this.pending.delete(eventId);
      }
    }
    return done;
  }
}
