/**
 * The push retry policy (docs/architecture.md §6.3: 404/410 delete, 429/5xx retried with backoff;
 * RFC 8030 §5 and RFC 9110 §10.2.3 for Retry-After). Pure logic with an injected clock,
 * scheduler and randomness: a whole retry sequence runs without waiting.
 */
import { describe, expect, it } from 'vitest';
import { classifyPushStatus, deliverWithRetry, parseRetryAfter, retryDelayMs, type AttemptResult, type RetryPolicy, type Scheduler } from '../../../signaling/push/retry.js';

const POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };
const NOW = Date.parse('2026-03-01T12:00:00Z');

/** A virtual clock: `sleep` advances it and records the wait, resolving at once. */
class ManualScheduler implements Scheduler {
  readonly sleeps: number[] = [];
  time = NOW;
  onSleep?: () => void;

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    this.onSleep?.();
  }
}

/** A transport that answers from a script and records when each try happened. */
function scripted(replies: readonly (AttemptResult | Error)[], clock: ManualScheduler): { attempt: () => Promise<AttemptResult>; times: number[] } {
  const times: number[] = [];
  let i = 0;
  return {
    times,
    attempt: async () => {
      times.push(clock.time);
      const reply = replies[Math.min(i++, replies.length - 1)]!;
      if (reply instanceof Error) throw reply;
      return reply;
    },
  };
}

describe('classifyPushStatus', () => {
  it.each([
    [201, 'delivered'],
    [200, 'delivered'],
    [202, 'delivered'],
    [404, 'gone'],
    [410, 'gone'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [0, 'retry'],
    [400, 'reject'],
    [401, 'reject'],
    [403, 'reject'],
    [413, 'reject'],
    [301, 'reject'],
  ] as const)('%i → %s', (status, verdict) => {
    expect(classifyPushStatus(status)).toBe(verdict);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads an HTTP-date relative to the injected clock, a past one as 0', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sunday, 01-Mar-26 12:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it.each([[undefined], [''], ['soon'], ['-5'], ['1.5'], ['12 monkeys'], ['2026-03-01T12:00:30Z'], ['99999999999']])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeNull();
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base with equal jitter (half fixed, half random)', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(POLICY, n, null, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(POLICY, n, null, () => 0.999999))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never waits longer than maxDelayMs', () => {
    const policy = { ...POLICY, maxAttempts: 30 };
    expect(retryDelayMs(policy, 20, null, () => 0.999999)).toBe(60_000);
  });

  it('treats Retry-After as a floor', () => {
    expect(retryDelayMs(POLICY, 1, 5000, () => 0)).toBe(5000);
    expect(retryDelayMs(POLICY, 4, 10, () => 0)).toBe(4000);
  });

  it('gives up when Retry-After asks for more than maxDelayMs, or attempts are used up', () => {
    expect(retryDelayMs(POLICY, 1, 60_001, () => 0)).toBeNull();
    expect(retryDelayMs(POLICY, 5, null, () => 0)).toBeNull();
  });
});

describe('deliverWithRetry', () => {
  const never = new AbortController().signal;

  it('retries 429 no earlier than its Retry-After and 5xx with backoff, then reports delivered', async () => {
    const clock = new ManualScheduler();
    const { attempt, times } = scripted([{ status: 429, retryAfter: '3' }, { status: 500 }, { status: 503, retryAfter: 'Sun, 01 Mar 2026 12:00:10 GMT' }, { status: 201 }], clock);
    const outcome = await deliverWithRetry(attempt, POLICY, clock, never, () => 0);
    expect(outcome).toEqual({ verdict: 'delivered', attempts: 4, status: 201 });
    // 3 s asked; then 1 s backoff (2nd retry, no jitter); then until 12:00:10, i.e. 6 s.
    expect(clock.sleeps).toEqual([3000, 1000, 6000]);
    expect(times.map((t) => t - NOW)).toEqual([0, 3000, 4000, 10_000]);
  });

  it('stops after maxAttempts tries of a failing service', async () => {
    const clock = new ManualScheduler();
    const { attempt, times } = scripted([{ status: 500 }], clock);
    expect(await deliverWithRetry(attempt, POLICY, clock, never, () => 0)).toEqual({ verdict: 'exhausted', attempts: 5, status: 500 });
    expect(times).toHaveLength(5);
    expect(clock.sleeps).toEqual([500, 1000, 2000, 4000]);
  });

  it('gives up at once when Retry-After exceeds the longest wait', async () => {
    const clock = new ManualScheduler();
    const { attempt } = scripted([{ status: 429, retryAfter: '3600' }], clock);
    expect(await deliverWithRetry(attempt, POLICY, clock, never)).toEqual({ verdict: 'exhausted', attempts: 1, status: 429 });
    expect(clock.sleeps).toEqual([]);
  });

  it.each([
    [410, 'gone'],
    [404, 'gone'],
    [400, 'reject'],
    [403, 'reject'],
  ] as const)('does not retry %i (%s)', async (status, verdict) => {
    const clock = new ManualScheduler();
    const { attempt } = scripted([{ status }], clock);
    expect(await deliverWithRetry(attempt, POLICY, clock, never)).toEqual({ verdict, attempts: 1, status });
    expect(clock.sleeps).toEqual([]);
  });

  it('treats a throwing transport as a network failure (status 0) and retries it', async () => {
    const clock = new ManualScheduler();
    const { attempt } = scripted([new Error('ECONNRESET'), { status: 201 }], clock);
    expect(await deliverWithRetry(attempt, POLICY, clock, never, () => 0)).toEqual({ verdict: 'delivered', attempts: 2, status: 201 });
  });

  it('stops when aborted during a wait, without another try', async () => {
    const clock = new ManualScheduler();
    const stop = new AbortController();
    clock.onSleep = () => stop.abort();
    const { attempt, times } = scripted([{ status: 503 }], clock);
    expect(await deliverWithRetry(attempt, POLICY, clock, stop.signal)).toEqual({ verdict: 'aborted', attempts: 1, status: 503 });
    expect(times).toHaveLength(1);
  });
});
