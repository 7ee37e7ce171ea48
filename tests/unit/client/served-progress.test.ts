/**
 * The sender's progress (docs/architecture.md §14.4, §14.5): shown at most every 100 ms while
 * chunks go out, a member holding the whole file reported at once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Disposables } from '../../../src/core/lifecycle.js';
import { ServedProgress } from '../../../src/client/files/served-progress.js';
import { Transfers } from '../../../src/client/files/transfers.js';

const CHUNK = 65_536;

describe('ServedProgress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(chunks: number): { progress: ServedProgress; transfers: Transfers; changed: string[]; moved: string[]; held: string[]; owned: Disposables } {
    const transfers = new Transfers();
    transfers.set('f', { root: 'f', name: 'f.bin', size: chunks * CHUNK, chunk: CHUNK, direction: 'send', state: 'done', done: 0, url: null });
    const changed: string[] = [];
    const moved: string[] = [];
    const held: string[] = [];
    const owned = new Disposables();
    const progress = new ServedProgress(transfers, owned, { changed: (root) => changed.push(root), progress: (root) => moved.push(root), held: (root, device) => held.push(`${root}:${device}`) });
    return { progress, transfers, changed, moved, held, owned };
  }

  it('many served chunks make one view change per 100 ms, showing the member furthest along', () => {
    const { progress, transfers, changed, moved } = setup(100);
    for (let i = 0; i < 40; i++) progress.served('f', 'bob', i);
    for (let i = 0; i < 10; i++) progress.served('f', 'carol', i);
    expect(changed).toEqual([]);
    vi.advanceTimersByTime(100);
    // Starting to move is a change of state: the card changes.
    expect(changed).toEqual(['f']);
    expect(transfers.get('f')).toMatchObject({ state: 'moving', done: 40 * CHUNK });
    progress.served('f', 'bob', 40);
    vi.advanceTimersByTime(99);
    expect(moved).toEqual([]);
    vi.advanceTimersByTime(1);
    // Further along in the same state: only the bar, never the list.
    expect(moved).toEqual(['f']);
    expect(changed).toEqual(['f']);
    expect(transfers.get('f')).toMatchObject({ state: 'moving', done: 41 * CHUNK });
  });

  it('a member served every chunk is held at once, and the view is done when nobody else fetches', () => {
    const { progress, transfers, held, changed } = setup(3);
    progress.served('f', 'bob', 0);
    vi.advanceTimersByTime(100);
    progress.served('f', 'bob', 1);
    expect(held).toEqual([]);
    progress.served('f', 'bob', 2);
    expect(held).toEqual(['f:bob']);
    expect(transfers.get('f')).toMatchObject({ state: 'done', done: 3 * CHUNK });
    // Moving, then done: both are changes of state.
    expect(changed).toEqual(['f', 'f']);
  });

  it('a pending view change is dropped with the owner', () => {
    const { progress, changed, owned } = setup(10);
    progress.served('f', 'bob', 0);
    owned.dispose();
    vi.advanceTimersByTime(1000);
    expect(changed).toEqual([]);
  });
});
