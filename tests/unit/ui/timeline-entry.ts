/** A timeline entry for the UI's unit tests: a message by "d" at `at`, unless `extra` says otherwise. */
import type { DeviceId, EventId } from '../../../src/core/ids.js';
import type { TimelineEntry } from '../../../src/core/timeline.js';

export const timelineEntry = (id: string, at: number, extra: Partial<TimelineEntry> = {}): TimelineEntry => ({
  id: id as EventId,
  kind: 'message',
  author: 'd' as DeviceId,
  at,
  sortAt: at,
  flag: null,
  text: id,
  edited: false,
  deleted: false,
  reactions: new Map(),
  disputed: null,
  ...extra,
});
