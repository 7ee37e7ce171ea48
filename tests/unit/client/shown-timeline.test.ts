/**
 * ShownTimeline's refold (docs/architecture.md §5.6, "A late joiner's history"): a history
 * that brings membership records and events in one transaction is refolded whole by the
 * membership change, and the log's observer then hands the same events to `add`. Those are
 * not folded a second time; events that arrive afterwards still are.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ShownTimeline } from '../../../src/client/conversation/shown-timeline.js';
import type { MembershipView } from '../../../src/client/conversation/membership-view.js';
import { createEvent, type UnsignedEvent } from '../../../src/core/events.js';
import type { DeviceId } from '../../../src/core/ids.js';
import { Timeline } from '../../../src/core/timeline.js';

const ALICE = 'aliceDeviceAAAAAAAAAAA' as DeviceId;

function scene() {
  const log: UnsignedEvent[] = [];
  let members = 'alice';
  // Only what ShownTimeline asks of the membership (events here carry no placement).
  const membership = { whoIsShown: () => members, shows: () => true, state: { removed: new Set() } } as unknown as MembershipView;
  const calls = { changed: 0, previews: [] as string[] };
  const shown = new ShownTimeline({
    membership,
    readAll: () => [...log],
    identityOf: () => null,
    isBlocked: () => false,
    historyFrom: () => null,
    changed: () => calls.changed++,
    preview: (entry) => calls.previews.push(entry.text),
  });
  const say = (text: string, at: number): UnsignedEvent => createEvent({ kind: 'message', text }, ALICE, at);
  return { log, shown, calls, say, setMembers: (m: string) => (members = m) };
}

afterEach(() => vi.restoreAllMocks());

describe('ShownTimeline after a refold', () => {
  it('does not fold the events the refold just read a second time, and folds later ones', () => {
    const { log, shown, calls, say, setMembers } = scene();
    shown.refilterIfMembershipChanged();
    log.push(say('before', 1));
    shown.add([log[0]!]);

    // One transaction: membership changes and 3 events arrive; membership's handler runs first.
    const history = [say('h1', 2), say('h2', 3), say('h3', 4)];
    log.push(...history);
    setMembers('alice,bob');
    shown.refilterIfMembershipChanged();
    expect(shown.timeline.entries.map((e) => e.text)).toEqual(['before', 'h1', 'h2', 'h3']);
    const changedAfterRefold = calls.changed;
    const folds = vi.spyOn(Timeline.prototype, 'add');
    shown.add(history);
    expect(folds).not.toHaveBeenCalled();
    expect(calls.changed).toBe(changedAfterRefold);

    // The next transaction's events are folded as usual.
    const later = say('later', 5);
    log.push(later);
    shown.add([later]);
    expect(folds).toHaveBeenCalledTimes(1);
    expect(shown.timeline.entries.map((e) => e.text)).toEqual(['before', 'h1', 'h2', 'h3', 'later']);
    expect(calls.previews.at(-1)).toBe('later');
  });

  it('folds an event the refold did not read, even in the same add as refolded ones', () => {
    const { log, shown, say, setMembers } = scene();
    shown.refilterIfMembershipChanged();
    const first = say('one', 1);
    log.push(first);
    setMembers('alice,bob');
    shown.refilterIfMembershipChanged();
    const other = say('two', 2);
    log.push(other);
    shown.add([first, other]);
    expect(shown.timeline.entries.map((e) => e.text)).toEqual(['one', 'two']);
  });
});
