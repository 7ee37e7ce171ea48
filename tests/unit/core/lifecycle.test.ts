import { ObservableV2 } from 'lib0/observable';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Disposables } from '../../../src/core/lifecycle.js';

describe('Disposables', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('releases listeners, timeouts and intervals on dispose, newest first, once', () => {
    const d = new Disposables();
    const source = new ObservableV2<{ ping: (n: number) => void }>();
    const seen: number[] = [];
    d.listen(source, 'ping', (n) => seen.push(n));
    const fired: string[] = [];
    d.timeout(() => fired.push('timeout'), 100);
    d.interval(() => fired.push('tick'), 50);
    const order: string[] = [];
    d.add(() => order.push('first'));
    d.add(() => order.push('second'));
    source.emit('ping', [1]);
    expect(vi.getTimerCount()).toBe(2);
    d.dispose();
    d.dispose();
    expect(order).toEqual(['second', 'first']);
    expect(vi.getTimerCount()).toBe(0);
    expect(d.size).toBe(0);
    source.emit('ping', [2]);
    vi.advanceTimersByTime(500);
    expect(seen).toEqual([1]);
    expect(fired).toEqual([]);
  });

  it('forgets a timeout once it fired, and releases late registrations at once', () => {
    const d = new Disposables();
    let fired = 0;
    d.timeout(() => fired++, 10);
    expect(d.size).toBe(1);
    vi.advanceTimersByTime(10);
    expect(fired).toBe(1);
    expect(d.size).toBe(0);
    d.dispose();
    let released = false;
    d.add(() => (released = true));
    expect(released).toBe(true);
    expect(d.isDisposed).toBe(true);
  });
});
