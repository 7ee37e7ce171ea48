import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../../../../src/core/ids.js';
import { addTurn } from '../../../../src/core/membership/add-order.js';

const devices = Array.from({ length: 6 }, (_, i) => `device-${i}` as DeviceId);

describe('who adds a joiner', () => {
  it('the devices present take distinct turns 0..n-1, the same whoever computes them', () => {
    const joiner = 'joiner-a' as DeviceId;
    const turns = devices.map((me) => addTurn(me, devices, joiner));
    expect([...turns].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // The order does not depend on the order the presence list comes in, or on duplicates.
    const shuffled = [...devices].reverse().concat(devices);
    expect(devices.map((me) => addTurn(me, shuffled, joiner))).toEqual(turns);
  });

  it('a device missing from its own presence list still gets the place it would have', () => {
    const joiner = 'joiner-b' as DeviceId;
    for (const me of devices) expect(addTurn(me, devices.filter((d) => d !== me), joiner)).toBe(addTurn(me, devices, joiner));
  });

  it('the first turn moves between devices from one joiner to the next', () => {
    const first = new Set<DeviceId>();
    for (let j = 0; j < 40; j++) first.add(devices.find((me) => addTurn(me, devices, `joiner-${j}` as DeviceId) === 0)!);
    expect(first.size).toBeGreaterThan(2);
  });
});
