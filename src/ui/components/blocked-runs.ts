/**
 * Messages from people the user blocked, as the message list shows them: each run of them
 * (no other entry between) is one collapsed line, "3 messages from a blocked person", that
 * opens on request. The client keeps them apart from the timeline (ShownTimeline.blocked);
 * this interleaves the two in timeline order.
 */
import type { EventId } from '../../core/ids.js';
import { compareEntries, type TimelineEntry } from '../../core/timeline.js';

export interface BlockedRun {
  /** The run's first message: it stands for the run (and keys whether it is open). */
  readonly first: EventId;
  readonly count: number;
  readonly open: boolean;
}

export interface WithBlocked {
  /** The list's rows: every entry, and of each run its first message, or all when open. */
  readonly list: TimelineEntry[];
  /** The run each blocked message in `list` belongs to. */
  readonly runs: ReadonlyMap<EventId, BlockedRun>;
}

const before = (a: TimelineEntry, b: TimelineEntry): boolean => compareEntries(a, b) < 0;

export function withBlockedRuns(entries: readonly TimelineEntry[], blocked: readonly TimelineEntry[], open: ReadonlySet<EventId>): WithBlocked {
  const hidden = blocked.filter((e) => e.kind === 'message' && !e.deleted);
  if (hidden.length === 0) return { list: entries.slice(), runs: new Map() };
  const list: TimelineEntry[] = [];
  const runs = new Map<EventId, BlockedRun>();
  let h = 0;
  const takeRun = (until: TimelineEntry | undefined): void => {
    const run: TimelineEntry[] = [];
    while (h < hidden.length && (!until || before(hidden[h]!, until))) run.push(hidden[h++]!);
    if (run.length === 0) return;
    const info: BlockedRun = { first: run[0]!.id, count: run.length, open: open.has(run[0]!.id) };
    for (const e of info.open ? run : run.slice(0, 1)) {
      list.push(e);
      runs.set(e.id, info);
    }
  };
  for (const entry of entries) {
    takeRun(entry);
    list.push(entry);
  }
  takeRun(undefined);
  return { list, runs };
}

/** True when `a` and `b` have the same rows, the same entries, in the same runs. */
export function sameRows(a: WithBlocked, b: WithBlocked): boolean {
  if (a.list.length !== b.list.length || a.runs.size !== b.runs.size) return false;
  for (let i = 0; i < a.list.length; i++) if (a.list[i] !== b.list[i]) return false;
  for (const [id, run] of a.runs) {
    const other = b.runs.get(id);
    if (!other || other.first !== run.first || other.count !== run.count || other.open !== run.open) return false;
  }
  return true;
}
