/** Penalties and reconnect delays grow per offence or loss, and are forgotten (docs/architecture.md §5.7). */
import { describe, expect, it } from 'vitest';
import { Penalties } from '../../../src/net/penalties.js';
import { Reconnects } from '../../../src/net/reconnects.js';

describe('penalties', () => {
  it('ignore an offender for longer per offence, then forget it', () => {
    let now = 0;
    const p = new Penalties(() => now);
    p.penalize('mallory');
    expect(p.isPenalized('mallory')).toBe(true);
    now += 2_000;
    expect(p.isPenalized('mallory')).toBe(false);
    p.penalize('mallory');
    now += 2_000;
    // The second offence costs more than the first (1–2 s, then 2–4 s).
    p.penalize('mallory');
    now += 3_000;
    expect(p.isPenalized('mallory')).toBe(true);
    now += 60 * 60_000;
    p.prune();
    expect(p.size).toBe(0);
  });
});

describe('reconnect delays', () => {
  it('grow per loss, reset when a link opens, and are forgotten', () => {
    let now = 0;
    const r = new Reconnects(() => now);
    const first = r.next('bob');
    expect(first).toBeLessThanOrEqual(1_000);
    const later = [r.next('bob'), r.next('bob'), r.next('bob')];
    expect(later[2]).toBeGreaterThan(first);
    r.opened('bob');
    expect(r.next('bob')).toBeLessThanOrEqual(1_000);
    now += 10 * 60_000;
    r.prune();
    expect(r.size).toBe(0);
  });
});
