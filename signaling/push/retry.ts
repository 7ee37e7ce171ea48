/**
 * Retry policy for Web Push deliveries (docs/architecture.md §6: 404/410 delete the subscription,
 * 429/5xx are retried with backoff). Pure logic: the clock, the timer and the randomness
 * are injected, so tests step through a whole retry sequence without waiting.
 *
 * RFC 8030 §8.4 and §5: a 429 or 503 may carry `Retry-After` (delay-seconds or an
 * HTTP-date); the sender must not retry earlier than that.
 */

/** What a push service's status means for this delivery. */
export type PushVerdict = 'delivered' | 'gone' | 'retry' | 'reject';

/**
 * 2xx delivered; 404/410 the subscription is gone for good; 429, 5xx and network failures
 * (status 0) are worth another try; any other answer (400, 401, 403, 413…) will not
 * improve by repeating the same request.
 */
export function classifyPushStatus(status: number): PushVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 404 || status === 410) return 'gone';
  if (status === 0 || status === 429 || (status >= 500 && status < 600)) return 'retry';
  return 'reject';
}

/**
 * `Retry-After` as a delay in ms from `nowMs`, or null when absent or unparsable. A date in
 * the past means "now" (0).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // Only the shapes of RFC 9110 §5.6.7 HTTP-dates (they all name a weekday and end in GMT
  // or a 4-digit year), so Date.parse's leniency cannot turn junk into a delay.
  if (text.length > 40 || !/^[A-Z][a-z]{2}/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export interface RetryPolicy {
  /** Tries in total, the first included. */
  readonly maxAttempts: number;
  /** Backoff before the first retry; doubles for each further retry. */
  readonly baseDelayMs: number;
  /** Cap on any wait; a `Retry-After` asking for longer gives the delivery up. */
  readonly maxDelayMs: number;
}

/**
 * The wait before the next try after `attemptsMade` failed tries, or null to give up.
 * Backoff is exponential with "equal jitter" (half fixed, half random) so many pushes
 * failing together do not retry together; `Retry-After` is a floor on it.
 */
export function retryDelayMs(policy: RetryPolicy, attemptsMade: number, retryAfterMs: number | null, random: () => number): number | null {
  if (attemptsMade >= policy.maxAttempts) return null;
  if (retryAfterMs !== null && retryAfterMs > policy.maxDelayMs) return null;
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptsMade - 1));
  const jittered = backoff / 2 + random() * (backoff / 2);
  return Math.max(retryAfterMs ?? 0, Math.round(jittered));
}

/** Time source and timer; the real one uses `Date.now` and unref'd timeouts. */
export interface Scheduler {
  /** Wall clock, ms since epoch (HTTP-dates in `Retry-After` are wall-clock). */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. Never rejects. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      // Unref'd: a pending retry must not keep a stopping process alive.
      const timer = setTimeout(done, ms);
      timer.unref();
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** One try's outcome as the transport reports it. */
export interface AttemptResult {
  /** HTTP status, or 0 when no response arrived (connection refused, timeout, reset). */
  readonly status: number;
  /** The response's `Retry-After` header, if any. */
  readonly retryAfter?: string | undefined;
}

/** How a delivery ended. */
export interface DeliveryOutcome {
  readonly verdict: 'delivered' | 'gone' | 'reject' | 'exhausted' | 'aborted';
  /** Tries made (retries = attempts - 1). */
  readonly attempts: number;
  /** Status of the last try (0 for a network failure or when aborted before any). */
  readonly status: number;
}

/** Tries `attempt` until it is delivered, definitively refused, out of retries, or aborted. */
export async function deliverWithRetry(
  attempt: () => Promise<AttemptResult>,
  policy: RetryPolicy,
  scheduler: Scheduler,
  signal: AbortSignal,
  random: () => number = Math.random,
): Promise<DeliveryOutcome> {
  let status = 0;
  for (let attempts = 0; ; ) {
    if (signal.aborted) return { verdict: 'aborted', attempts, status };
    // A transport that throws is a network failure like any other, never an escape.
    const result = await attempt().catch((): AttemptResult => ({ status: 0 }));
    status = result.status;
    attempts++;
    const verdict = classifyPushStatus(status);
    if (verdict !== 'retry') return { verdict, attempts, status };
    const delay = retryDelayMs(policy, attempts, parseRetryAfter(result.retryAfter, scheduler.now()), random);
    if (delay === null) return { verdict: 'exhausted', attempts, status };
    await scheduler.sleep(delay, signal);
  }
}
