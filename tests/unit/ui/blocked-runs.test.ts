/** Runs of a blocked person's messages, interleaved with the timeline in its order. */
import { describe, expect, it } from 'vitest';
import { sameRows, withBlockedRuns } from '../../../src/ui/components/blocked-runs.js';
import type { EventId } from '../../../src/core/ids.js';
import { timelineEntry } from './timeline-entry.js';

const entry = timelineEntry;

describe('withBlockedRuns', () => {
  const shown = [entry('a', 10), entry('b', 20), entry('c', 30)];
  const blocked = [entry('x1', 11), entry('x2', 12), entry('gone', 13, { deleted: true }), entry('joined', 14, { kind: 'join' }), entry('x3', 25), entry('x4', 40)];

  it('shows each run as its first message, with the count of its messages', () => {
    const { list, runs } = withBlockedRuns(shown, blocked, new Set());
    expect(list.map((e) => e.id)).toEqual(['a', 'x1', 'b', 'x3', 'c', 'x4']);
    expect(runs.get('x1' as EventId)).toEqual({ first: 'x1', count: 2, open: false });
    expect(runs.get('x3' as EventId)?.count).toBe(1);
    expect(runs.has('a' as EventId)).toBe(false);
  });

  it('an open run lists all its messages; the others stay closed', () => {
    const { list, runs } = withBlockedRuns(shown, blocked, new Set(['x1' as EventId]));
    expect(list.map((e) => e.id)).toEqual(['a', 'x1', 'x2', 'b', 'x3', 'c', 'x4']);
    expect(runs.get('x2' as EventId)).toEqual({ first: 'x1', count: 2, open: true });
    expect(runs.get('x4' as EventId)?.open).toBe(false);
  });

  it('without blocked messages the list is a copy of the timeline', () => {
    const { list, runs } = withBlockedRuns(shown, [entry('gone', 5, { deleted: true })], new Set());
    expect(list).toEqual(shown);
    expect(list).not.toBe(shown);
    expect(runs.size).toBe(0);
  });
});

describe('sameRows', () => {
  const shown = [entry('a', 10), entry('b', 20)];
  const blocked = [entry('x1', 11), entry('x2', 12)];
  const rows = (entries = shown, open = new Set<EventId>()) => withBlockedRuns(entries, blocked, open);

  it('the same entries in the same runs are the same rows, whatever the array', () => {
    expect(sameRows(rows(), rows())).toBe(true);
  });

  it('a replaced entry (an edit, a reaction), one more entry or a run opened are not', () => {
    expect(sameRows(rows([shown[0]!, { ...shown[1]! }]), rows())).toBe(false);
    expect(sameRows(rows([...shown, entry('c', 30)]), rows())).toBe(false);
    expect(sameRows(rows(shown, new Set(['x1' as EventId])), rows())).toBe(false);
    expect(sameRows(rows(), withBlockedRuns(shown, [...blocked, entry('x3', 13)], new Set()))).toBe(false);
  });
});
