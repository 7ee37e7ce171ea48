/** Delivery states of own messages (docs/architecture.md §7.5): saving → waiting → sent. */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { DeliveryTracker } from '../../../src/client/delivery.js';
import type { EventId } from '../../../src/core/ids.js';

const E1 = 'event0000001' as EventId;
const E2 = 'event0000002' as EventId;

describe('delivery tracker', () => {
  it('is acknowledged only after commit, and sent once a peer state vector covers it', () => {
    const t = new DeliveryTracker();
    t.track(E1, 'saving', Y.createID(7, 10));
    expect(t.state(E1)).toBe('saving');
    expect(t.committed(E1)).toBe(false);
    expect(t.state(E1)).toBe('waiting');
    expect(t.acknowledge(new Map([[7, 10]]))).toEqual([]);
    expect(t.state(E1)).toBe('waiting');
    expect(t.acknowledge(new Map([[7, 11]]))).toEqual([E1]);
    expect(t.state(E1)).toBe('sent');
  });

  it('a peer ack that beats the disk commit still leaves the outbox entry to be removed', () => {
    const t = new DeliveryTracker();
    t.track(E2, 'saving', Y.createID(3, 0));
    expect(t.acknowledge(new Map([[3, 1]]))).toEqual([]);
    expect(t.committed(E2)).toBe(true);
  });

  it('failed writes stay failed and are never reported delivered', () => {
    const t = new DeliveryTracker();
    t.track(E1, 'saving', Y.createID(1, 0));
    t.failed(E1);
    expect(t.acknowledge(new Map([[1, 5]]))).toEqual([]);
    expect(t.state(E1)).toBe('failed');
  });
});
