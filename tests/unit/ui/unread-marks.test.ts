/** The first unread message and the count of new ones, as the message list uses them. */
import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../../../src/core/ids.js';
import type { TimelineEntry } from '../../../src/core/timeline.js';
import { timelineEntry } from './timeline-entry.js';
import { UnreadMarks, indexOfEntry } from '../../../src/ui/components/unread-marks.js';

const ME = 'me' as DeviceId;
const THEM = 'them' as DeviceId;

const entry = (id: string, at: number, extra: Partial<TimelineEntry> = {}): TimelineEntry => timelineEntry(id, at, { author: THEM, ...extra });

const marks = (blocked: readonly string[] = []) => new UnreadMarks({ isMine: (d) => d === ME, isBlocked: (id) => blocked.includes(id) });

describe('UnreadMarks', () => {
  it('finds the first message from someone else after the read marker, past own, blocked and future-dated ones', () => {
    const shown = [entry('read', 10), entry('mine', 20, { author: ME }), entry('join', 21, { kind: 'join' }), entry('hidden', 22), entry('first', 30), entry('later', 40), entry('ahead', 50, { flag: 'future' })];
    const m = marks(['hidden']);
    expect(m.find(shown, 10, false)?.id).toBe('first');
    expect(m.first?.id).toBe('first');
    expect(m.settled).toBe(true);
    // Settled: it no longer moves, and says nothing changed.
    expect(m.find([entry('read', 10), entry('new first', 15), ...shown.slice(1)], 10, false)).toBeNull();
    expect(m.first?.id).toBe('first');
  });

  it('looks again while the history loads, then stays', () => {
    const m = marks();
    const newest = [entry('read', 10), entry('b', 30)];
    expect(m.find(newest, 10, true)?.id).toBe('b');
    expect(m.settled).toBe(false);
    // Older unread messages arrive from the stored history.
    const loaded = [entry('read', 10), entry('a', 20), entry('b', 30)];
    expect(m.find(loaded, 10, true)?.id).toBe('a');
    expect(m.find(loaded, 10, false)).toBeNull();
    expect(m.settled).toBe(true);
  });

  it('never read (marker 0) or all read: no first unread, and it settles once loaded', () => {
    const shown = [entry('a', 10), entry('b', 20)];
    const never = marks();
    expect(never.find(shown, 0, false)).toBeNull();
    expect(never.first).toBeNull();
    expect(never.settled).toBe(true);
    const all = marks();
    expect(all.find(shown, 20, false)).toBeNull();
    // Nothing shown yet: not settled, whatever the loading state says.
    const empty = marks();
    expect(empty.find([], 5, false)).toBeNull();
    expect(empty.settled).toBe(false);
  });

  it('counts messages from others newer than what the reader saw at the end, not own, deleted or blocked ones', () => {
    const m = marks(['blocked']);
    const shown = [entry('seen', 10), entry('n1', 20), entry('mine', 21, { author: ME }), entry('gone', 22, { deleted: true }), entry('blocked', 23), entry('n2', 24)];
    m.seen(10);
    expect(m.countNew(shown)).toBe(2);
    m.seen(24);
    expect(m.countNew(shown)).toBe(0);
  });

  it('the first unread starts the count of new messages at the read marker', () => {
    const m = marks();
    const shown = [entry('read', 10), entry('a', 20), entry('b', 30)];
    m.find(shown, 10, false);
    expect(m.countNew(shown)).toBe(2);
  });
});

describe('indexOfEntry', () => {
  it('finds entries in timeline order (sortAt, then id), backdated ones included', () => {
    const list = [entry('a', 10), entry('b', 20), entry('back', 5, { sortAt: 20, flag: 'backdated' }), entry('c', 30)];
    expect(list.map((e) => indexOfEntry(list, e))).toEqual([0, 1, 2, 3]);
    expect(indexOfEntry(list, entry('x', 25))).toBe(-1);
  });
});
