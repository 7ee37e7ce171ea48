/**
 * The timeline fold (docs/architecture.md §3): ordering, relations, and the CRDT property that any
 * arrival order gives the same result.
 */
import { describe, expect, it } from 'vitest';
import type { UnsignedEvent } from '../../../src/core/events.js';
import type { DeviceId, EventId } from '../../../src/core/ids.js';
import { Timeline } from '../../../src/core/timeline.js';

const A = 'aliceDevice01' as DeviceId;
const B = 'bobDevice0001' as DeviceId;
const id = (s: string) => s.padEnd(12, '_') as EventId;
const message = (i: string, author: DeviceId, at: number, text: string): UnsignedEvent => ({ id: id(i), kind: 'message', author, at, text });

function seededShuffle<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const snapshot = (t: Timeline) =>
  t.entries.map((e) => ({ id: e.id, text: e.text, edited: e.edited, deleted: e.deleted, reactions: [...e.reactions].map(([k, v]) => [k, [...v].sort()]) }));

describe('timeline', () => {
  it('orders by time then id, whatever the arrival order', () => {
    const t = new Timeline();
    t.add([message('c', A, 30, 'third'), message('a', A, 10, 'first')]);
    t.add([message('b', B, 20, 'second'), message('d', B, 30, 'fourth')]);
    expect(t.entries.map((e) => e.text)).toEqual(['first', 'second', 'third', 'fourth']);
    expect(t.latestAt).toBe(30);
  });

  it('ignores duplicates (Yjs may deliver an event twice through different peers)', () => {
    const t = new Timeline();
    const e = message('a', A, 10, 'once');
    expect(t.add([e]).added).toBe(1);
    expect(t.add([e]).added).toBe(0);
    expect(t.size).toBe(1);
  });

  it('applies edits, deletes and reactions; only the author edits or deletes', () => {
    const t = new Timeline();
    t.add([message('m1', A, 10, 'helo')]);
    t.add([{ id: id('e1'), kind: 'edit', author: B, at: 11, target: id('m1'), text: 'hijacked' }]);
    expect(t.get(id('m1'))!.text).toBe('helo');
    t.add([{ id: id('e2'), kind: 'edit', author: A, at: 12, target: id('m1'), text: 'hello' }]);
    t.add([{ id: id('r1'), kind: 'reaction', author: B, at: 13, target: id('m1'), emoji: '👍', on: true }]);
    expect(t.get(id('m1'))).toMatchObject({ text: 'hello', edited: true });
    expect([...t.get(id('m1'))!.reactions.get('👍')!]).toEqual([B]);
    t.add([{ id: id('d1'), kind: 'delete', author: B, at: 14, target: id('m1') }]);
    expect(t.get(id('m1'))!.deleted).toBe(false);
    t.add([{ id: id('d2'), kind: 'delete', author: A, at: 15, target: id('m1') }]);
    expect(t.get(id('m1'))).toMatchObject({ deleted: true, text: '' });
  });

  it('converges to the same state for every arrival order (CRDT fold)', () => {
    const events: UnsignedEvent[] = [
      message('m1', A, 10, 'one'),
      message('m2', B, 11, 'two'),
      { id: id('e1'), kind: 'edit', author: A, at: 12, target: id('m1'), text: 'one (v2)' },
      { id: id('e2'), kind: 'edit', author: A, at: 13, target: id('m1'), text: 'one (v3)' },
      { id: id('r1'), kind: 'reaction', author: B, at: 14, target: id('m1'), emoji: '🎉', on: true },
      { id: id('r2'), kind: 'reaction', author: B, at: 15, target: id('m1'), emoji: '🎉', on: false },
      { id: id('r3'), kind: 'reaction', author: A, at: 16, target: id('m2'), emoji: '👍', on: true },
      { id: id('d1'), kind: 'delete', author: B, at: 17, target: id('m2') },
      message('m3', A, 18, 'three'),
    ];
    const reference = new Timeline();
    reference.add(events);
    for (let seed = 1; seed <= 50; seed++) {
      const t = new Timeline();
      for (const e of seededShuffle(events, seed)) t.add([e]);
      expect(snapshot(t)).toEqual(snapshot(reference));
    }
    expect(snapshot(reference)).toEqual([
      { id: id('m1'), text: 'one (v3)', edited: true, deleted: false, reactions: [] },
      { id: id('m2'), text: '', edited: false, deleted: true, reactions: [] },
      { id: id('m3'), text: 'three', edited: false, deleted: false, reactions: [] },
    ]);
  });

  it('sorts a large batch once and keeps later single inserts in order', () => {
    const t = new Timeline();
    const batch = Array.from({ length: 5000 }, (_, i) => message(`b${i}`, A, 5000 - i, `m${i}`));
    t.add(batch);
    t.add([message('late', B, 2500, 'middle')]);
    const ats = t.entries.map((e) => e.at);
    expect(ats).toEqual([...ats].sort((x, y) => x - y));
    expect(t.size).toBe(5001);
  });
  it('keeps reply targets, and a cached (cut) message is replaced by its real event', () => {
    const t = new Timeline();
    t.addProvisional([message('a', A, 10, 'the start of a long…')]);
    const reply: UnsignedEvent = { ...message('b', B, 20, 'an answer'), replyTo: id('a') } as UnsignedEvent;
    t.add([reply]);
    expect(t.get(id('b'))?.replyTo).toBe(id('a'));
    const change = t.add([message('a', A, 10, 'the start of a long message, in full')]);
    expect(change.updated).toBe(true);
    expect(t.get(id('a'))?.text).toBe('the start of a long message, in full');
    // Only once: a later, different text under the same id is equivocation — listed as
    // disputed, never picked silently (docs/architecture.md §3.5).
    expect(t.add([message('a', A, 10, 'something else')]).updated).toBe(true);
    expect([...(t.get(id('a'))?.disputed ?? [])].sort()).toEqual(['something else', 'the start of a long message, in full']);
    expect(t.size).toBe(2);
  });
});
