/** Token bucket logic with a stepped clock (pure logic, so a fake clock is fine here). */
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../signaling/rate-limit.js';

describe('TokenBucket', () => {
  it('allows a burst, then refills at the steady rate, never above the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(5, 10, () => now);
    for (let i = 0; i < 5; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 100; // 10/s → one token
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 60_000; // long idle: capped at the burst
    for (let i = 0; i < 5; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('takes nothing when it refuses', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 1, () => now);
    expect(bucket.take(2)).toBe(true);
    expect(bucket.take()).toBe(false);
    expect(bucket.take()).toBe(false);
    now += 1000;
    expect(bucket.take()).toBe(true);
  });
});
