/**
 * Re-applying unsent outbox entries to a document (docs/architecture.md §7), shared by the
 * page on start-up and the service worker's Background Sync: the document itself says
 * which entries it lacks (the timeline is derived and may be filtered), and those are
 * signed again for their new placement.
 */
import type * as Y from 'yjs';
import type { UnsignedEvent } from '../events.js';
import type { DeviceId } from '../ids.js';
import type { SyncedDoc } from '../synced-doc.js';

export interface ReplayEntry {
  readonly id: string;
  readonly event: UnsignedEvent;
}

/** Appends the entries the doc lacks; resolves with where every entry now sits. */
export async function replayOutbox(synced: SyncedDoc, device: DeviceId, entries: readonly ReplayEntry[], origin: unknown): Promise<Map<string, Y.ID>> {
  if (entries.length === 0) return new Map();
  const ids = new Set(entries.map((e) => e.id));
  const stored = synced.log.locate(device, ids);
  const missing = entries.filter((e) => !stored.has(e.id)).map((e) => e.event);
  if (missing.length === 0) return stored;
  await synced.writer.appendEvents(missing, origin);
  return synced.log.locate(device, ids);
}
