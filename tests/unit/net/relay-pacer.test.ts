/** Relay pacing under the socket's relay budget (docs/protocol.md §1.1), with fake time. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RELAY_HEADER_BYTES } from '../../../src/core/wire/signaling.js';
import { DEFAULT_RELAY_BUDGET, RelayPacer } from '../../../src/net/relay/relay-pacer.js';
import type { RelayBudget, SignalingPort } from '../../../src/net/signaling-port.js';

afterEach(() => vi.useRealTimers());

function port(budget: RelayBudget | null): SignalingPort & { sent: number[] } {
  const sent: number[] = [];
  return { relayAddress: '0'.repeat(32), relayBudget: budget, sendRelay: (_to: string, record: Uint8Array) => (sent.push(record.length + RELAY_HEADER_BYTES), true), sent } as unknown as SignalingPort & { sent: number[] };
}

describe('relay pacer', () => {
  it('keeps to 90% of the stated rate after half the stated burst, in order', async () => {
    vi.useFakeTimers();
    const p = port({ bytesPerSecond: 100_000, burstBytes: 20_000 });
    const pacer = new RelayPacer(p, () => Date.now());
    const record = new Uint8Array(4_000 - RELAY_HEADER_BYTES);
    for (let i = 0; i < 50; i++) pacer.send('1'.repeat(32), record);
    // Half the burst (10,000 bytes) goes at once: two frames.
    expect(p.sent.length).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    const afterOneSecond = p.sent.reduce((a, b) => a + b, 0);
    // 10,000 + 90,000 bytes in the first second, give or take one frame.
    expect(afterOneSecond).toBeLessThanOrEqual(100_000);
    expect(afterOneSecond).toBeGreaterThanOrEqual(96_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(p.sent.length).toBe(50);
    expect(pacer.queued).toBe(0);
    pacer.destroy();
  });

  it('uses a default budget under the server default when none was stated, and stops when the socket is gone', () => {
    vi.useFakeTimers();
    const p = port(null);
    const pacer = new RelayPacer(p, () => Date.now());
    const record = new Uint8Array(16 * 1024);
    let n = 0;
    while (pacer.send('1'.repeat(32), record) && pacer.queued === 0) n++;
    expect(n * (record.length + RELAY_HEADER_BYTES)).toBeLessThanOrEqual(DEFAULT_RELAY_BUDGET.burstBytes);
    pacer.destroy();
    expect(vi.getTimerCount()).toBe(0);
    expect(new RelayPacer({ ...p, relayAddress: null } as unknown as SignalingPort).send('1'.repeat(32), record)).toBe(false);
  });
});
