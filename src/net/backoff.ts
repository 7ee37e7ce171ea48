/**
 * Exponential backoff with "equal jitter" (AWS architecture blog, "Exponential Backoff And
 * Jitter"): many clients that lost the same server spread their retries instead of
 * stampeding it when it returns, and no retry comes sooner than half the ceiling.
 */
export interface BackoffOptions {
  /** First delay ceiling in ms. */
  readonly baseMs: number;
  /** Largest delay ceiling in ms. */
  readonly maxMs: number;
  /** Source of randomness in [0, 1); injectable for deterministic tests. */
  readonly random?: () => number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Delay before the next attempt; grows until `reset()`. */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const random = this.options.random ?? Math.random;
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
