/**
 * TypingState (docs/architecture.md §5.6): typing travels as awareness and expires on its
 * own. Two real Awareness instances exchange real awareness updates; the clock and the
 * timers are faked, so expiry is checked in logical time, and destroy() is checked to
 * release every timer.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { TYPING_TTL_MS, TypingState } from '../../../src/client/conversation/typing.js';
import type { DeviceId } from '../../../src/core/ids.js';

const ALICE = 'alice-device' as DeviceId;
const BOB = 'bob-device' as DeviceId;

/** Copies `from`'s own awareness state to `to`, as the data channel does. */
function relay(from: TypingState, to: TypingState): void {
  applyAwarenessUpdate(to.awareness, encodeAwarenessUpdate(from.awareness, [from.awareness.clientID]), 'peer');
}

describe('TypingState', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows typing to the other side, clears it by itself after the TTL, and ignores its own state', async () => {
    const alice = new TypingState(ALICE, 'Alice', Date.now);
    const bob = new TypingState(BOB, 'Bob', Date.now);
    alice.set(true);
    relay(alice, bob);
    expect(bob.typingDevices()).toEqual([ALICE]);
    expect(alice.typingDevices()).toEqual([]);
    // Just before the TTL Alice is still typing; at the TTL she clears it herself.
    await vi.advanceTimersByTimeAsync(TYPING_TTL_MS - 1);
    relay(alice, bob);
    expect(bob.typingDevices()).toEqual([ALICE]);
    await vi.advanceTimersByTimeAsync(1);
    expect((alice.awareness.getLocalState() as { typingAt: number }).typingAt).toBe(0);
    relay(alice, bob);
    expect(bob.typingDevices()).toEqual([]);
    alice.destroy();
    bob.destroy();
  });

  it('a typing state whose clearing never arrives expires on the reader side', () => {
    const alice = new TypingState(ALICE, 'Alice', Date.now);
    const bob = new TypingState(BOB, 'Bob', Date.now);
    alice.set(true);
    relay(alice, bob);
    const now = Date.now();
    expect(bob.typingDevices(now + TYPING_TTL_MS - 1)).toEqual([ALICE]);
    expect(bob.typingDevices(now + TYPING_TTL_MS)).toEqual([]);
    alice.destroy();
    bob.destroy();
  });

  it('destroy() releases the expiry timer and the awareness interval', () => {
    const alice = new TypingState(ALICE, 'Alice', Date.now);
    alice.onChange(() => undefined);
    alice.set(true);
    // The Awareness's outdated-state check and the typing expiry.
    expect(vi.getTimerCount()).toBe(2);
    alice.destroy();
    expect(vi.getTimerCount()).toBe(0);
  });
});
