/**
 * The local send path of one conversation (docs/architecture.md §7).
 *
 * The event goes to the outbox (strict durability) and, in parallel, is signed and applied
 * to the doc, so peers and the screen see it at once. It is *acknowledged* — shown as saved
 * — only when the outbox commit completes. Keeping the fsync out of the send→render path
 * does not weaken the guarantee: an event whose commit never completed was never shown as
 * saved. On start-up, outbox entries the doc lacks are signed again for their new placement
 * and applied.
 */
import { createEvent, nextTimestamp, type EventDraft } from '../../core/events.js';
import type { DeviceId, EventId, Topic } from '../../core/ids.js';
import { errorField, type Logger } from '../../core/logger.js';
import { replayOutbox } from '../../core/policy/outbox-replay.js';
import { LOCAL_ORIGIN, type SyncedDoc } from '../../core/synced-doc.js';
import type { OutboxStore } from '../../store/types.js';
import { DeliveryTracker, type DeliveryState } from '../delivery.js';
import { ClientError } from '../errors.js';

export interface SendPipelineParts {
  readonly conversation: Topic;
  readonly device: DeviceId;
  readonly outbox: OutboxStore;
  readonly synced: SyncedDoc;
  readonly now: () => number;
  /** The newest timestamp in the timeline: a new event never sorts before it. */
  readonly latestAt: () => number;
  /** Delivery states changed. */
  readonly changed: () => void;
  /** A failure the user should hear about (the promise of the send rejects too). */
  readonly failed: (error: Error) => void;
  readonly logger: Logger;
}

export class SendPipeline {
  readonly delivery = new DeliveryTracker();
  /** Set while this device may no longer write here (removed, or the device revoked). */
  private closedBy: Error | null = null;

  constructor(private readonly parts: SendPipelineParts) {}

  state(id: EventId): DeliveryState {
    return this.delivery.state(id);
  }

  /**
   * Refuses every later write with `error`: a device that was removed must not pretend to
   * send messages nobody will receive.
   */
  close(error: Error): void {
    this.closedBy = error;
  }

  /** Signs, applies and durably records one event; resolves once it is acknowledged. */
  async append(draft: EventDraft): Promise<EventId> {
    if (this.closedBy) throw this.closedBy;
    const p = this.parts;
    const event = createEvent(draft, p.device, nextTimestamp(p.now(), p.latestAt()));
    this.delivery.track(event.id, 'saving', null);
    // The outbox write starts first and runs while the event is signed and applied.
    const saved = p.outbox.add({ id: event.id, conversation: p.conversation, event, createdAt: p.now() });
    const { ids } = await p.synced.writer.appendEvents([event], LOCAL_ORIGIN);
    this.delivery.track(event.id, 'saving', ids[0] ?? null);
    p.changed();
    try {
      await saved;
    } catch (cause) {
      this.delivery.failed(event.id);
      p.changed();
      const error = new ClientError('storage-failed', { cause, detail: { what: 'message' } });
      p.failed(error);
      throw error;
    }
    if (this.delivery.committed(event.id)) await this.retire([event.id]);
    p.changed();
    return event.id;
  }

  /** Re-applies outbox entries the stored document lacks (a crash between the two writes). */
  async replay(): Promise<void> {
    const p = this.parts;
    const entries = await p.outbox.list(p.conversation);
    // The same replay as the service worker's Background Sync (core/policy/outbox-replay.ts).
    const located = await replayOutbox(p.synced, p.device, entries, LOCAL_ORIGIN);
    for (const entry of entries) this.delivery.track(entry.id, 'waiting', located.get(entry.id) ?? null);
  }

  /** A peer or the mailbox holds everything below this state vector. */
  acknowledge(stateVector: Map<number, number>): void {
    void this.retire(this.delivery.acknowledge(stateVector));
  }

  private async retire(ids: EventId[]): Promise<void> {
    if (ids.length === 0) return;
    this.parts.changed();
    try {
      await this.parts.outbox.remove(ids);
    } catch (error) {
      // Harmless: a stale entry is re-checked against the doc on the next start.
      this.parts.logger.warn('outbox cleanup failed', { error: errorField(error) });
    }
  }
}
