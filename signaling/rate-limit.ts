/**
 * Per-socket token bucket. A socket may send `burst` messages at once and `perSecond`
 * messages per second after that; running dry means the socket is flooding, and the
 * caller closes it. Refill is computed lazily on each take, so an idle socket costs no
 * timer.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param burst largest number of messages accepted back to back
   * @param perSecond steady refill rate
   * @param now monotonic clock in milliseconds; injectable so tests can step time
   */
  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `cost` tokens if available. Returns false (taking nothing) when the bucket is dry. */
  take(cost = 1): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
