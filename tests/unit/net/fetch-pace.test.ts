import { describe, expect, it } from 'vitest';
import { LinkPace, PACE, paceWindow } from '../../../src/net/files/fetch-pace.js';

const MiB = 1024 * 1024;
const KiB = 1024;

describe('paceWindow', () => {
  it('is twice the bandwidth-delay product between the floor and the ceiling', () => {
    // 10 MiB/s over 100 ms is 1 MiB in flight; twice that.
    expect(paceWindow(10 * MiB, 100)).toBe(2 * MiB);
    expect(paceWindow(1 * MiB, 10)).toBe(PACE.floor);
    expect(paceWindow(100 * MiB, 100)).toBe(PACE.ceiling);
  });

  it('is the ceiling before anything is measured', () => {
    expect(paceWindow(0, 0)).toBe(PACE.ceiling);
    expect(paceWindow(5 * MiB, 0)).toBe(PACE.ceiling);
    expect(paceWindow(0, 50)).toBe(PACE.ceiling);
    expect(paceWindow(Number.NaN, 50)).toBe(PACE.ceiling);
  });
});

/**
 * A link whose holder serves `rate` bytes per second after a fixed round trip, driven the way
 * FileFetch drives it: asks in groups up to the window, chunks arrive in order.
 */
const simulate = (pace: LinkPace, opts: { capacity: number; rttMs: number; ms: number; chunk?: number; start?: number; tick?: (now: number) => void }) => {
  const chunk = opts.chunk ?? 64 * KiB;
  const serve = (chunk * 1000) / opts.capacity;
  let now = opts.start ?? 0;
  let next = 0;
  let holderFree = now;
  const queue: Array<{ index: number; at: number }> = [];
  const end = now + opts.ms;
  const windows: number[] = [];
  while (now < end) {
    opts.tick?.(now);
    const window = Math.max(1, Math.floor(pace.cap(pace.window, now) / chunk));
    if (pace.mayAsk(queue.length * chunk, now) && window - queue.length >= Math.max(1, window >> 2)) {
      const indices = Array.from({ length: window - queue.length }, () => next++);
      pace.asked(indices, queue.length * chunk, now);
      // The request reaches the holder after half the round trip; it serves in order.
      for (const index of indices) {
        holderFree = Math.max(holderFree, now + opts.rttMs / 2) + serve;
        queue.push({ index, at: holderFree + opts.rttMs / 2 });
      }
    }
    const head = queue[0];
    now = head ? Math.max(now, head.at) : now + 1;
    while (queue[0] && queue[0].at <= now) pace.arrived(queue.shift()!.index, chunk, now);
    windows.push(pace.window);
  }
  return { pace, now, windows, delivered: next - queue.length, chunk };
};

describe('LinkPace', () => {
  it('settles at about twice the bandwidth-delay product of the link', () => {
    // 8 MiB/s with a 100 ms round trip: the product is 0.8 MiB, the window about 1.6 MiB.
    const { pace } = simulate(new LinkPace(), { capacity: 8 * MiB, rttMs: 100, ms: 5_000 });
    expect(pace.roundTrip).toBeGreaterThanOrEqual(100);
    expect(pace.roundTrip).toBeLessThan(120);
    expect(pace.bytesPerSecond).toBeGreaterThan(7 * MiB);
    expect(pace.window).toBeGreaterThan(1.4 * MiB);
    expect(pace.window).toBeLessThan(2 * MiB);
  });

  it('keeps a fast link at full rate', () => {
    const { pace, delivered, chunk } = simulate(new LinkPace(), { capacity: 20 * MiB, rttMs: 50, ms: 10_000 });
    // Within a tenth of the link's capacity over ten seconds (the drain for a fresh round trip costs one).
    expect((delivered * chunk) / 10).toBeGreaterThan(0.9 * 20 * MiB);
    expect(pace.window).toBeGreaterThan(PACE.floor);
  });

  it('never goes below the floor, however slow the round trip or the rate', () => {
    const { windows } = simulate(new LinkPace(), { capacity: 0.5 * MiB, rttMs: 20, ms: 20_000 });
    expect(Math.min(...windows)).toBeGreaterThanOrEqual(PACE.floor);
    const slow = simulate(new LinkPace(), { capacity: 2 * MiB, rttMs: 2_000, ms: 30_000 });
    expect(Math.min(...slow.windows)).toBeGreaterThanOrEqual(PACE.floor);
  });

  it('a slow round trip does not spiral the window down: it grows to fill the pipe', () => {
    // 4 MiB/s over 500 ms: a window of 150 ms of the rate would starve it; this one fills it.
    const { pace, delivered, chunk } = simulate(new LinkPace(), { capacity: 4 * MiB, rttMs: 500, ms: 20_000 });
    expect(pace.window).toBe(PACE.ceiling);
    expect((delivered * chunk) / 20).toBeGreaterThan(0.85 * 4 * MiB);
  });

  it('grows back when the rate rises and re-learns a longer round trip', () => {
    const pace = new LinkPace();
    const slow = simulate(pace, { capacity: 1 * MiB, rttMs: 30, ms: 12_000 });
    expect(pace.window).toBe(PACE.floor);
    // Same link, now 16 MiB/s over 100 ms: the product is 1.6 MiB.
    simulate(pace, { capacity: 16 * MiB, rttMs: 100, ms: 25_000, start: slow.now + 500 });
    expect(pace.roundTrip).toBeGreaterThanOrEqual(100);
    expect(pace.window).toBeGreaterThan(2.5 * MiB);
  });

  it('measures a round trip only from a chunk asked with nothing ahead of it', () => {
    const pace = new LinkPace();
    pace.asked([0, 1], 0, 0);
    pace.asked([2], 2 * 64 * KiB, 5);
    pace.arrived(0, 64 * KiB, 40);
    pace.arrived(1, 64 * KiB, 45);
    pace.arrived(2, 64 * KiB, 400);
    expect(pace.roundTrip).toBe(40);
  });

  it('drains for a fresh round trip once per period, and gives up a drain that does not empty', () => {
    const pace = new LinkPace();
    pace.asked([0], 0, 0);
    pace.arrived(0, 64 * KiB, 30);
    expect(pace.mayAsk(MiB, 5_000)).toBe(true);
    expect(pace.mayAsk(MiB, PACE.rttMs + 30)).toBe(false);
    expect(pace.mayAsk(0, PACE.rttMs + 60)).toBe(true);
    expect(pace.mayAsk(MiB, PACE.rttMs + 100)).toBe(false);
    expect(pace.mayAsk(MiB, PACE.rttMs + 100 + PACE.drainMs)).toBe(true);
    expect(pace.mayAsk(MiB, PACE.rttMs + 200 + PACE.drainMs)).toBe(true);
  });

  it('measures again after a probe whose chunk never came back', () => {
    const pace = new LinkPace();
    pace.asked([0], 0, 0);
    // Chunk 0 is answered `none`; 1 and 2 come, asked behind it.
    pace.asked([1, 2], 64 * KiB, 10);
    pace.arrived(1, 64 * KiB, 60);
    expect(pace.roundTrip).toBe(0);
    expect(pace.mayAsk(MiB, PACE.rttMs + 10)).toBe(false);
    expect(pace.mayAsk(0, PACE.rttMs + 20)).toBe(true);
    pace.asked([3], 0, PACE.rttMs + 20);
    pace.arrived(3, 64 * KiB, PACE.rttMs + 70);
    expect(pace.roundTrip).toBe(50);
  });
});

/** A link's last sync frame, as the link keeps it, for a LinkPace to read. */
const heard = () => {
  const state = { at: -Infinity };
  return { state, at: () => state.at };
};

describe('LinkPace while texts go', () => {
  it('holds the window for talkMs after the last text, then gives the measured window back', () => {
    const text = heard();
    const pace = new LinkPace(text.at);
    expect(pace.cap(pace.window, 0)).toBe(PACE.ceiling);
    text.state.at = 1_000;
    expect(pace.cap(pace.window, 1_000)).toBe(PACE.talkWindow);
    expect(pace.cap(pace.window, 1_000 + PACE.talkMs - 1)).toBe(PACE.talkWindow);
    // Another text extends the hold.
    text.state.at = 1_500;
    expect(pace.cap(pace.window, 1_000 + PACE.talkMs)).toBe(PACE.talkWindow);
    expect(pace.cap(pace.window, 1_500 + PACE.talkMs)).toBe(PACE.ceiling);
  });

  it('holds to a rate, not to bytes in flight: a 100 ms link held during texts still moves about talkRate', () => {
    const text = heard();
    // Texts every 100 ms for the whole run, over a link that could do 20 MiB/s.
    const { pace, delivered, chunk } = simulate(new LinkPace(text.at), { capacity: 20 * MiB, rttMs: 100, ms: 10_000, tick: (now) => (text.state.at = now - (now % 100)) });
    expect(pace.roundTrip).toBeGreaterThanOrEqual(100);
    expect(pace.heldWindow).toBeGreaterThan(3 * chunk);
    // One chunk per round trip would be 640 KiB/s; the window in whole chunks rounds down.
    const rate = (delivered * chunk) / 10;
    expect(rate).toBeGreaterThan(0.8 * PACE.talkRate);
    expect(rate).toBeLessThan(1.05 * PACE.talkRate);
  });

  it('holds a link of a few ms to one 64 KiB chunk, as before', () => {
    const text = heard();
    const { pace, windows } = simulate(new LinkPace(text.at), { capacity: 20 * MiB, rttMs: 3, ms: 3_000, tick: (now) => (text.state.at = now) });
    expect(pace.roundTrip).toBeGreaterThan(0);
    expect(pace.roundTrip).toBeLessThan(10);
    expect(pace.heldWindow).toBe(PACE.talkWindow);
    expect(pace.cap(pace.window, 3_000)).toBe(64 * KiB);
    expect(windows.length).toBeGreaterThan(100);
  });

  /** `rtts` lone chunks, one after another from `at`: returns when the last came. */
  const lone = (pace: LinkPace, rtts: readonly number[], at: number): number => {
    for (const [i, rtt] of rtts.entries()) {
      pace.asked([10_000 + at + i], 0, at);
      pace.arrived(10_000 + at + i, 64 * KiB, (at += rtt));
    }
    return at;
  };

  it('sizes the held window from chunks asked alone, not from the first chunk of a larger ask', () => {
    const text = heard();
    const pace = new LinkPace(text.at);
    // Before the texts, 64 chunks asked at once: the first comes after the holder's read and
    // the bulk worker's batch of eight (traced: 65 ms under load).
    pace.asked(Array.from({ length: 64 }, (_, i) => i), 0, 0);
    pace.arrived(0, 64 * KiB, 65);
    expect(pace.roundTrip).toBe(65);
    text.state.at = 70;
    expect(pace.cap(pace.window, 70)).toBe(PACE.talkWindow);
    // Held: one chunk at a time, each a lone probe of the link's own round trip.
    lone(pace, [9, 9, 10, 9], 100);
    expect(pace.heldWindow).toBe(PACE.talkWindow);
  });

  it('grows past one chunk only after talkSamples lone round trips, from their shortest', () => {
    const pace = new LinkPace();
    // A stalled first sample (traced: 242 ms at load 14) would have asked seven chunks.
    let at = lone(pace, [242], 0);
    expect(pace.heldWindow).toBe(PACE.talkWindow);
    at = lone(pace, Array.from({ length: PACE.talkSamples - 2 }, () => 9), at);
    expect(pace.heldWindow).toBe(PACE.talkWindow);
    lone(pace, [9], at);
    expect(pace.heldWindow).toBe(PACE.talkWindow);
    // Across the internet: 100 ms is 2 MiB/s × 100 ms, whatever came later.
    const far = new LinkPace();
    at = lone(far, Array.from({ length: PACE.talkSamples - 1 }, () => 100), 0);
    expect(far.heldWindow).toBe(PACE.talkWindow);
    at = lone(far, [100, 400], at);
    expect(far.heldWindow).toBe(Math.round(PACE.talkRate / 10));
  });

  it('held before any lone round trip is measured, even with talkSamples 0: one chunk, not Infinity', () => {
    const pace = new LinkPace(undefined, { ...PACE, talkSamples: 0 });
    expect(pace.heldWindow).toBe(PACE.talkWindow);
  });

  it('takes no rate sample while held down, so the window after the texts is what the link can do', () => {
    const text = heard();
    // 20 MiB/s over 50 ms: measured, the window is the ceiling.
    const { pace, now } = simulate(new LinkPace(text.at), { capacity: 20 * MiB, rttMs: 50, ms: 3_000 });
    const rate = pace.bytesPerSecond;
    expect(rate).toBeGreaterThan(15 * MiB);
    // Texts for two seconds: a chunk at a time arrives, at the held window's pace.
    let at = now;
    let index = 1_000_000;
    for (; at < now + 2_000; at += 50) {
      text.state.at = at;
      // One chunk always ahead: the asks are part of a rate sample, not round-trip probes.
      pace.asked([index], 64 * KiB, at);
      pace.arrived(index++, 64 * KiB, at + 50);
    }
    // Without the rule the held chunks' 1.3 MiB/s would be the rate, and the window its floor.
    expect(pace.bytesPerSecond).toBe(rate);
    expect(pace.cap(pace.window, at + PACE.talkMs)).toBe(pace.window);
    expect(pace.window).toBeGreaterThan(PACE.floor);
  });
});
